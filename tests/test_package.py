"""The package as installed: version, native module, command line, settings."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

import pgotel
from pgotel import _native
from pgotel.cli import cli
from pgotel.config import Settings
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
