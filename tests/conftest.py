"""pytest configuration: fixtures come from plugin modules, one job each."""

from __future__ import annotations

import os
import tempfile

import pgotel

# Nothing a test starts (subprocesses under opentelemetry-instrument included) may write
# snapshots into the user's real state dir.
os.environ["PGOTEL_STATE_DIR"] = tempfile.mkdtemp(prefix="pgotel-test-state-")

pytest_plugins = ["tests.fix_db", "tests.fix_traced", "tests.fix_redis"]


def pytest_report_header() -> list[str]:
    native = pgotel._native
    return [f"pgotel {pgotel.__version__}, native {native.build_profile} build: {native.__file__}"]
