"""The `pgotel` command line: one click group, one module per command group."""

from __future__ import annotations

import sys

import click

import pgotel
from pgotel.cli.cache import cache
from pgotel.cli.db import db
from pgotel.cli.graphql import graphql
from pgotel.cli.health import config, health
from pgotel.errors import PgotelError


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


cli.add_command(db)
cli.add_command(graphql)
cli.add_command(cache)
cli.add_command(health)
cli.add_command(config)


def main() -> None:
    """Console-script entry point: a problem is one line on stderr and exit 2, never a traceback."""
    try:
        cli()
    except (PgotelError, OSError) as exc:
        click.echo(f"pgotel: {exc}", err=True)
        sys.exit(2)
