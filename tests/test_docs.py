"""The docs keep up with the code: every CLI command and every setting is documented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from pgotel.cli import cli
from pgotel.config import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _commands(group: click.Group, prefix: str = "pgotel") -> list[str]:
    names = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lazily loaded commands included
        command = group.get_command(ctx, name)
        assert command is not None
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names += _commands(command, path)
        else:
            names.append(path)
    return names


def test_every_command_is_in_the_cli_reference() -> None:
    reference = (DOCS / "cli.md").read_text()
    missing = [c for c in _commands(cli) if f"## `{c}`" not in reference]
    assert not missing, f"document these in docs/cli.md: {missing}"


def test_every_setting_is_in_the_configuration_reference() -> None:
    import inspect

    reference = (DOCS / "configuration.md").read_text()
    source = inspect.getsource(Settings.from_env)
    variables = [
        word.strip('"')
        for word in source.replace("(", " ").replace(",", " ").split()
        if word.strip('"').startswith(("PGOTEL_", "OTEL_"))
    ]
    assert len(variables) == len(dataclasses.fields(Settings))  # one variable per setting
    missing = [v for v in variables if f"`{v}`" not in reference]
    assert not missing, f"document these in docs/configuration.md: {missing}"
