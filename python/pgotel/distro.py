"""OpenTelemetry distro and configurator entry points: what `opentelemetry-instrument` loads.

The distro sets pgotel's defaults (OTLP for traces and metrics, pgotel's
configurator) without overriding anything the user set; the configurator then
builds the SDK and starts pgotel (`pgotel.setup.configure`). With another
distro installed as well, `OTEL_PYTHON_DISTRO=pgotel` chooses this one.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry.instrumentation.distro import BaseDistro  # type: ignore[attr-defined]
from opentelemetry.sdk._configuration import _BaseConfigurator

DEFAULTS = {
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_METRICS_EXPORTER": "otlp",
    # Among several configurators installed, the first one loaded wins: make it pgotel's.
    "OTEL_PYTHON_CONFIGURATOR": "pgotel",
}


class PgotelDistro(BaseDistro):  # type: ignore[misc]
    """Sets pgotel's defaults for settings the user left unset."""

    def _configure(self, **kwargs: Any) -> None:
        for name, value in DEFAULTS.items():
            os.environ.setdefault(name, value)


class PgotelConfigurator(_BaseConfigurator):
    """Builds the SDK from OTEL_* settings and starts pgotel's processor and local exporter."""

    def _configure(self, **kwargs: Any) -> None:
        from pgotel.setup import configure

        # The launcher turns instrumentations on itself, through their entry points.
        configure(
            instrument=False,
            auto_instrumentation_version=kwargs.get("auto_instrumentation_version"),
        )
