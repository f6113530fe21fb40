"""Malformed inputs a fingerprinter must survive: open quotes and comments, bad UTF-8, huge text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

NEW_RELIC = "newrelic-cross-agent:sql_obfuscation"
GO_SQLLEXER = "datadog-obfuscate-tests:go-sqllexer"
DATADOG_AGENT = "datadog-obfuscate-tests:datadog-agent"
HANDWRITTEN = "handwritten:malformed"


@dataclass(frozen=True)
class MalformedInput:
    """One input, what is wrong with it and where it comes from; bytes when not valid UTF-8."""

    sql: str | bytes
    why: str
    source: str = HANDWRITTEN

    def record(self) -> dict[str, str]:
        """The corpus record: bytes are written as hex, under `sql_hex`."""
        sql = {"sql_hex": self.sql.hex()} if isinstance(self.sql, bytes) else {"sql": self.sql}
        return {**sql, "why": self.why, "source": self.source}


_ONE_MEGABYTE = (
    "SELECT * FROM events WHERE id IN (" + ", ".join(str(i) for i in range(100000, 231072)) + ")"
)

MALFORMED: list[MalformedInput] = [
    MalformedInput(
        "SELECT * FROM table WHERE foo='bar' AND baz='nothing to see here",
        "unterminated single-quoted string",
        NEW_RELIC,
    ),
    MalformedInput(
        "SELECT * FROM table WHERE foo='bar' AND baz=\"nothing to see here'",
        "unterminated double-quoted identifier (a MySQL string)",
        NEW_RELIC,
    ),
    MalformedInput(
        "SELECT * FROM table WHERE name='foo\\'' AND color='blue'",
        "backslash does not escape in a standard string:"
        " the last quote opens an unterminated string",
        NEW_RELIC,
    ),
    MalformedInput(
        "select * from users where user = 'user1\\' password = 'hunter 2'"
        " -- ->don't count this quote",
        "string ending in a backslash, then a quote inside a line comment",
        NEW_RELIC,
    ),
    MalformedInput(
        "SELECT * FROM t WHERE -- '\n  /* ' */ c2='xxx' /* ' */\n  c='x\n  xx' -- '",
        "quotes inside comments, two conditions without AND (syntax error)",
        NEW_RELIC,
    ),
    MalformedInput(
        "SELECT `t001`.`c2` FROM `t001` WHERE `t001`.`c2` = 'value' AND c3=\"othervalue\" LIMIT ?",
        "MySQL back-quoted identifiers and a ? placeholder",
        NEW_RELIC,
    ),
    MalformedInput(
        "SELECT foo, bar FROM baz WHERE password='hunter2' # Secret",
        "MySQL # comment (an operator in PostgreSQL)",
        NEW_RELIC,
    ),
    MalformedInput(
        "select * from foo where bar=01234567-89ab-cdef-0123-456789abcdef and x=5",
        "unquoted UUID: numbers glued to identifiers",
        NEW_RELIC,
    ),
    MalformedInput(
        "select * from foo where bar={01234567-89ab-cdef-0123-456789abcdef} and x=5",
        "unquoted UUID in braces",
        NEW_RELIC,
    ),
    MalformedInput(
        "select * from foo where bar=0123456789abcdef0123456789abcdef and x=5",
        "number with trailing junk",
        NEW_RELIC,
    ),
    MalformedInput(
        "select * from foo where bar=q'[baz's]' and x=5",
        "Oracle q-quoted string: an unterminated string in PostgreSQL",
        NEW_RELIC,
    ),
    MalformedInput(
        "SELECT * FROM users where id = 'Joh", "unterminated string at end of input", GO_SQLLEXER
    ),
    MalformedInput(
        "\n\t\t\tSELECT * FROM users where id = 1\n"
        "\t\t\t/* this is a comment with multiple lines\n\t\t\t",
        "unterminated block comment",
        GO_SQLLEXER,
    ),
    MalformedInput("$$abc", "unterminated dollar-quoted string", GO_SQLLEXER),
    MalformedInput("$$abc$", "dollar-quoted string closed by a lone $", GO_SQLLEXER),
    MalformedInput(
        "autovacuum: VACUUM ANALYZE fake.table",
        "not SQL: an autovacuum activity line",
        DATADOG_AGENT,
    ),
    MalformedInput(
        "SELECT $tag$never closed 424242 FROM users WHERE id = 5150",
        "unterminated tagged dollar quote",
    ),
    MalformedInput("SELECT $a$ one $b$ two $a", "dollar quote whose closing tag never comes"),
    MalformedInput(
        "SELECT E'it\\'s open-ended 98765", "unterminated escape string ending in an escaped quote"
    ),
    MalformedInput("SELECT E'trailing backslash\\", "escape string ending in a lone backslash"),
    MalformedInput(
        "SELECT * FROM users WHERE id = 12345 /* comment that never ends, 'not-a-string'",
        "unterminated comment after a literal",
    ),
    MalformedInput("SELECT /* outer /* inner */ 31337 FROM t", "nested comment left open"),
    MalformedInput("SELECT \\ FROM users WHERE id = 4567", "lone backslash"),
    MalformedInput("\\", "input is one backslash"),
    MalformedInput("SELECT 'abc' \\ 'def-ghi'", "backslash between two strings"),
    MalformedInput("SELECT 'nul\x00inside' FROM t WHERE id = 31338", "NUL byte inside a string"),
    MalformedInput("SELECT 1\x00; DROP TABLE users; -- 90210", "NUL byte between statements"),
    MalformedInput("\x00\x00\x00", "only NUL bytes"),
    MalformedInput(
        "SELECT * FROM t WHERE name = 'caf\xe9' AND id = 777".encode("latin-1"),
        "invalid UTF-8 (Latin-1 e-acute) inside a string",
    ),
    MalformedInput(b"\xff\xfeSELECT 1 WHERE x = 888", "invalid UTF-8 byte-order mark"),
    MalformedInput(
        b"SELECT '\xe2\x82' || 'truncated-euro' WHERE y = 999", "truncated multi-byte sequence"
    ),
    MalformedInput(
        b"SELECT \xc0\xaf FROM t WHERE z = 4242", "overlong UTF-8 encoding outside a string"
    ),
    MalformedInput(
        b'SELECT "\xed\xa0\x80" FROM t WHERE w = 5555',
        "UTF-8-encoded surrogate in a quoted identifier",
    ),
    MalformedInput(
        "SELECT U&'\\D800' FROM t WHERE v = 6666", "Unicode escape naming a lone surrogate"
    ),
    MalformedInput("SELECT U&'d!0061t' UESCAPE", "UESCAPE without its escape character"),
    MalformedInput(
        "SELECT 123abc, 0x, 1e, 1_000_ FROM t", "numbers with trailing junk or missing digits"
    ),
    MalformedInput(
        "SELECT 123456789012345678901234567890123456789 AS big", "integer far beyond 64 bits"
    ),
    MalformedInput("SELECT 'a' 'bcd-same-line'", "two strings on one line (no continuation)"),
    MalformedInput(
        "SELECT %s, %(name)s FROM t WHERE a LIKE 'x%' AND b = 2468",
        "mixed psycopg placeholder styles and an unescaped %",
    ),
    MalformedInput(
        "')))); DROP TABLE users; --", "injection-shaped fragment starting inside a string"
    ),
    MalformedInput("'", "a lone quote"),
    MalformedInput('"', "a lone double quote"),
    MalformedInput("$", "a lone dollar sign"),
    MalformedInput("/*", "an opened comment only"),
    MalformedInput("*/", "a closing comment delimiter only"),
    MalformedInput("--", "an empty line comment"),
    MalformedInput("", "empty input"),
    MalformedInput("   \n\t  ", "whitespace only"),
    MalformedInput(";;;", "empty statements"),
    MalformedInput("SELECT 🌊 FROM t WHERE x = 1234", "emoji as an unquoted identifier"),
    MalformedInput("SELECT " + "(" * 5000 + "1" + ")" * 5000, "5000 nested parentheses"),
    MalformedInput("(" * 10000, "10000 unbalanced opening parentheses"),
    MalformedInput(
        "SELECT * FROM t WHERE a IN (" + ", ".join(str(i) for i in range(100, 600)),
        "IN list that never closes",
    ),
    MalformedInput(
        _ONE_MEGABYTE,
        f"a 1 MB query: an IN list of 131072 six-digit numbers ({len(_ONE_MEGABYTE)} bytes)",
    ),
]


def write(path: Path) -> None:
    """Write the malformed inputs as JSON lines."""
    with path.open("w", encoding="utf-8") as out:
        for entry in MALFORMED:
            out.write(json.dumps(entry.record(), ensure_ascii=False) + "\n")
