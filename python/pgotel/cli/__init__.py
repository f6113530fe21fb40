"""The `pgotel` command line: one click group, one module per command group.

Command modules are imported when their command runs, not at start-up: a
person waits for `pgotel db top`'s imports only, not for `top`'s or `health`'s.
"""

from __future__ import annotations

import importlib
import sys

import click

import pgotel
from pgotel.errors import PgotelError

#: Command name -> "module:attribute" of its click command or group.
COMMANDS = {
    "db": "pgotel.cli.db:db",
    "graphql": "pgotel.cli.graphql:graphql",
    "cache": "pgotel.cli.cache:cache",
    "health": "pgotel.cli.health:health",
    "config": "pgotel.cli.health:config",
    "processes": "pgotel.cli.processes:processes",
    "top": "pgotel.cli.top:top",
}


class LazyGroup(click.Group):
    """A group whose commands in `COMMANDS` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        self.add_command(command, cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    """Console-script entry point: a problem is one line on stderr and exit 2, never a traceback."""
    try:
        cli()
    except (PgotelError, OSError) as exc:
        click.echo(f"pgotel: {exc}", err=True)
        sys.exit(2)
