"""The `pgotel` command line: one click group, one module per command group."""

from __future__ import annotations

import click

import pgotel


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    pgotel.__version__,
    "-V",
    "--version",
    prog_name="pgotel",
    message=f"%(prog)s %(version)s (native engine: {pgotel.build_profile} build)",
)
def cli() -> None:
    """Inspect what pgotel has seen: slow queries, failing operations, health."""


def main() -> None:
    """Console-script entry point."""
    cli()
