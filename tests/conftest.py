"""pytest configuration: fixtures come from plugin modules, one job each."""

from __future__ import annotations

import pgotel

pytest_plugins = ["tests.fix_db"]


def pytest_report_header() -> list[str]:
    native = pgotel._native
    return [f"pgotel {pgotel.__version__}, native {native.build_profile} build: {native.__file__}"]
