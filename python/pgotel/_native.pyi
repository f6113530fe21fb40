"""Type stub for the compiled engine, checked against it by mypy.stubtest."""

from typing import Final

__all__ = ["__version__", "build_profile"]

__version__: Final[str]
build_profile: Final[str]
