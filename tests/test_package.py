"""The package as installed: version, native module, command line, settings."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

import pgotel
from pgotel import _native
from pgotel.cli import cli
from pgotel.config import Keywords, Settings
from pgotel.errors import ConfigError


def test_native_version_is_the_distribution_version() -> None:
    assert _native.__version__ == version("pgotel") == pgotel.__version__


def test_build_profile_is_named() -> None:
    assert _native.build_profile in {"release", "debug"}


def test_cli_version() -> None:
    result = CliRunner().invoke(cli, ["--version"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output == (
        f"pgotel {pgotel.__version__} (native engine: {_native.build_profile} build)\n"
    )


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pgotel", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith(f"pgotel {pgotel.__version__} ")


def test_settings_defaults_and_env() -> None:
    assert Settings.from_env({}).snapshot_interval_s == 5.0
    settings = Settings.from_env({"PGOTEL_STATE_DIR": "/x/y", "PGOTEL_SNAPSHOT_INTERVAL": "0.5"})
    assert settings.state_dir == Path("/x/y")
    assert settings.snapshot_interval_s == 0.5


@pytest.mark.parametrize("bad", ["zero", "0", "-1", "nan"])
def test_bad_setting_names_the_variable(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"PGOTEL_SNAPSHOT_INTERVAL='.*' is not valid"):
        Settings.from_env({"PGOTEL_SNAPSHOT_INTERVAL": bad})


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"PGOTEL_CAPTURE_PARAMETERS": "yes"}, "capture_parameters", True),
        ({"PGOTEL_CAPTURE_PARAMETERS": "OFF"}, "capture_parameters", False),
        ({"PGOTEL_MAX_KEYS": "500"}, "max_keys", 500),
        ({"PGOTEL_SLOW_QUERY_MS": "0"}, "slow_query_ms", 0.0),
        ({"OTEL_SEMCONV_STABILITY_OPT_IN": " http , database/dup"}, "database_semconv_dup", True),
        ({"OTEL_SEMCONV_STABILITY_OPT_IN": "database"}, "database_semconv_dup", False),
        ({"OTEL_SERVICE_NAME": "books"}, "service_name", "books"),
    ],
)
def test_each_setting_is_read(env: dict[str, str], field: str, value: object) -> None:
    assert getattr(Settings.from_env(env), field) == value


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("PGOTEL_CAPTURE_PARAMETERS", "maybe"),
        ("PGOTEL_MAX_KEYS", "0"),
        ("PGOTEL_MAX_KEYS", "many"),
        ("PGOTEL_SLOW_QUERY_MS", "-1"),
        ("PGOTEL_SLOW_QUERY_MS", "inf"),
    ],
)
def test_each_bad_value_names_its_variable(name: str, bad: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}="):
        Settings.from_env({name: bad})


def test_keyword_settings_win_over_the_environment_and_are_validated() -> None:
    env = {"PGOTEL_SLOW_QUERY_MS": "100", "PGOTEL_MAX_KEYS": "500"}
    kw = Settings.from_env(
        Keywords(
            {"slow_query_ms": 5, "capture_parameters": True, "database_semconv_dup": True}, env
        )
    )
    assert (kw.slow_query_ms, kw.max_keys, kw.capture_parameters) == (5.0, 500, True)
    assert kw.database_semconv_dup is True
    with pytest.raises(ConfigError, match=r"^slow_query_ms='soon' is not valid"):
        Settings.from_env(Keywords({"slow_query_ms": "soon"}, env))
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) slow_ms; known: state_dir"):
        Keywords({"slow_ms": 5}, env)


def test_configure_takes_keyword_settings(tmp_path: Path) -> None:
    code = (
        "import pgotel\n"
        "from pgotel.config import settings\n"
        f"pgotel.configure(state_dir={str(tmp_path)!r}, service_name='kw', max_keys=7)\n"
        "s = settings()\n"
        "print(s.service_name, s.max_keys, s.state_dir)\n"
        "print(pgotel.merge_snapshots([pgotel.runtime.engine().snapshot()]).processes[0]['service'])\n"
    )
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == [f"kw 7 {tmp_path}", "kw"]


def test_a_forked_child_starts_with_an_empty_engine() -> None:
    import os

    from pgotel import runtime

    engine = runtime.engine()
    engine.record_query("SELECT 1", 10)
    assert engine.stats()["recorded"] >= 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it sees, then leave without running pytest's exit
        os.write(write, str(runtime.engine().stats()["recorded"]).encode())
        os._exit(0)
    os.close(write)
    child_recorded = int(os.read(read, 64))
    os.waitpid(pid, 0)
    assert child_recorded == 0
    assert engine.stats()["recorded"] >= 1


def test_opentelemetry_instrument_loads_the_psycopg_instrumentation() -> None:
    # functools.wraps copies __module__; the code object tells whose function it is.
    code = (
        "import psycopg; "
        "print(psycopg.Cursor.execute.__code__.co_filename, "
        "psycopg.AsyncCursor.executemany.__code__.co_filename)"
    )
    env = {
        **os.environ,
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }
    launcher = Path(sys.executable).parent / "opentelemetry-instrument"
    out = subprocess.run(
        [str(launcher), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    files = out.stdout.split()
    assert len(files) == 2, out.stderr
    assert all(f.endswith("pgotel/instrumentation/psycopg.py") for f in files), out.stdout
