"""Every command's JSON matches its documented schema; table, JSON and CSV show the same numbers."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pgotel import Engine, fingerprint
from pgotel.cli import cli
from pgotel.cli.render import clock, count, duration
from pgotel.exporters.local import prepare_state_dir, write_atomic

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
TRACE = 0x0AF7651916CD43DD8448EB211C80319C
ROW_FIELDS = "the per-key row fields"


def documented_fields() -> dict[str, list[str]]:
    """The JSON schema table of docs/cli.md: command -> its fields, in order."""
    text = DOCS.read_text()
    per_key = re.search(
        r"Fields of a per-key row \(the `rows` fields below\): (.*?)\. Fields", text, re.S
    )
    assert per_key is not None
    row_fields = re.findall(r"`([a-z_0-9]+)`(?: \([^)]*\))?", per_key.group(1))
    table = {}
    for line in text.splitlines():
        match = re.match(r"\| `(pgotel [a-z -]+)` \| (\d+) \| (.*) \|$", line)
        if match:
            described = match.group(3)
            fields = row_fields if described.startswith(ROW_FIELDS) else []
            fields = fields + re.findall(r"`([a-z_0-9\[\].]+)`", described)
            table[match.group(1)] = fields
    return table


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One process's snapshot with every kind of key: queries, errors, pools, operations, N+1."""
    directory = prepare_state_dir(tmp_path_factory.mktemp("formats") / "state")
    engine = Engine(service="books", slow_threshold_ns=1_000_000)
    for i in range(40):
        engine.record_query(f"SELECT * FROM books WHERE id = {i}", 150_000 + i * 997, None, 1)
    engine.record_query("SELECT pg_sleep(1)", 1_200_000_000, "57014", 0, TRACE, 5)
    for _ in range(3):
        engine.record_query("INSERT INTO books VALUES (1)", 2_000_000, "23505", 0)
    engine.record_named("graphql", "query Books", "query", 8_000_000, None, 12, TRACE, 9)
    engine.record_named("graphql", "mutation Touch", "mutation", 3_000_000, "GraphQLError", 1)
    engine.record_named("pool", "main", "checkout", 2_500_000, None)
    engine.record_named("pool", "main", "checkout", 30_000_000, "PoolTimeout")
    authors = fingerprint("SELECT * FROM authors WHERE id = 1")
    engine.record_n_plus_one("query Books", authors, 10, 4_000_000, TRACE, 9)
    engine.record_named("resolver", "Query.books", "Query.books", 6_000_000, None, -1, TRACE, 9)
    for _ in range(3):
        engine.record_named("cache", "books:hit", "hit", 20_000)
    engine.record_named("cache", "books:miss", "miss", 900_000)
    write_atomic(directory / f"web-{os.getpid()}-abcd.pgotel", engine.snapshot())
    return directory


def _run(state: Path, command: str, fmt: str) -> str:
    args = [*command.split()[1:], "--format", fmt]
    if command != "pgotel config":
        args += (
            ["--state-dir", str(state), "--wide"]
            if command != "pgotel health"
            else ["--state-dir", str(state)]
        )
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output  # health may be degraded here
    return result.stdout


def _flatten(value: dict[str, Any]) -> list[str]:
    names = []
    for key, item in value.items():
        if isinstance(item, list) and item and isinstance(item[0], dict):
            names += [f"{key}[].{inner}" for inner in item[0]]
        else:
            names.append(key)
    return names


@pytest.mark.parametrize("command", sorted(documented_fields()))
def test_json_matches_the_documented_schema(state: Path, command: str) -> None:
    data = json.loads(_run(state, command, "json"))
    expected = documented_fields()[command]
    if isinstance(data, dict):
        assert sorted(_flatten(data)) == sorted(expected)
        assert data["schema_version"] == 1
    else:
        assert data, f"{command} printed no rows to check"
        for row in data:
            assert list(row) == expected


def test_every_command_with_json_is_in_the_schema_table() -> None:
    from tests.test_docs import _commands

    without_json = {"pgotel top"}
    assert set(documented_fields()) == set(_commands(cli)) - without_json


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


#: What each table shows of a JSON row: (JSON field, how the table writes it).
SHOWN: dict[str, list[tuple[str, Callable[[Any], str]]]] = {
    "pgotel db top": [("calls", count), ("total_ns", duration), ("mean_ns", duration),
                      ("p50_ns", duration), ("p95_ns", duration), ("p99_ns", duration),
                      ("max_ns", duration), ("errors", count), ("rows", count), ("text", str)],
    "pgotel db slow": [("duration_ns", duration), ("at_ns", clock), ("pid", str), ("text", str)],
    "pgotel db recent": [("at_ns", clock), ("duration_ns", duration), ("pid", str), ("text", str)],
    "pgotel db errors": [("code", str), ("errors", count), ("calls", count), ("text", str)],
    "pgotel db pool": [("text", str), ("calls", count), ("timeouts", count), ("errors", count),
                       ("p50_ns", duration), ("p95_ns", duration), ("max_ns", duration)],
    "pgotel graphql ops": [("text", str), ("calls", count), ("errors", count),
                           ("queries_per_operation", str), ("total_ns", duration),
                           ("p95_ns", duration), ("max_ns", duration)],
    "pgotel graphql slow": [("duration_ns", duration), ("at_ns", clock), ("queries", count),
                            ("pid", str), ("text", str)],
    "pgotel graphql n-plus-one": [("operation", str), ("calls", count), ("rows", count),
                                  ("repeats_per_operation", str), ("total_ns", duration),
                                  ("text", str)],
    "pgotel processes": [("service", str), ("pid", str), ("state", str), ("keys", count),
                         ("recorded", count), ("file", str)],
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(SHOWN))
def test_table_json_and_csv_agree(state: Path, command: str) -> None:
    rows = json.loads(_run(state, command, "json"))
    table = list(csv.DictReader(io.StringIO(_run(state, command, "csv"))))
    assert len(table) == len(rows) > 0
    for row, line in zip(rows, table, strict=True):
        assert list(line) == list(row)
        assert line == {k: _csv_text(v) for k, v in row.items()}
    lines = _run(state, command, "table").splitlines()
    assert len(lines) == len(rows) + 1  # a header, then one line per row, in the same order
    for row, line in zip(rows, lines[1:], strict=True):
        for field, show in SHOWN[command]:
            cell = show(row[field])
            assert cell in line, (
                f"{command}: {field}={row[field]!r} shown as {cell!r} not in {line!r}"
            )
