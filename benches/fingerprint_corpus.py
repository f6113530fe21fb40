"""Score pgotel, pglast and PostgreSQL's query id against the fingerprint corpus, and time them."""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benches.corpus import (
    COMMENT,
    IDENT,
    NUMBER,
    OP,
    PARAM,
    PLACEHOLDER,
    QIDENT,
    SCHEMA_PATH,
    STRING,
    WS,
    Corpus,
    Pair,
    Token,
    load_corpus,
    tokens,
)

REPORT_PATH = Path(__file__).resolve().parent.parent / "target" / "fingerprint_disagreements.txt"
PASSES = 5
SHOWN_DISAGREEMENTS = 30

Key = object
Fingerprinter = Callable[[str], Key]

_VALUE_KINDS = frozenset({STRING, NUMBER, PARAM, PLACEHOLDER})
VALUE = "<value>"


def reference_key(sql: str) -> str:
    """The corpus's labelling rule as code: a stand-in fingerprint for `--fake` runs.

    Literals, parameters and placeholders become VALUE, comments and whitespace go, unquoted
    words fold to lower case, IN / ANY(ARRAY[...]) lists and repeated VALUES rows collapse.
    A trailing semicolon still counts: the labelling rule does not say it may differ, so the
    corpus never pairs a statement with its semicolon-less twin either way.
    """
    return " ".join(_collapse_lists(_value_words(tokens(sql))))


_SORT_END = frozenset({",", "asc", "desc", "nulls", ";", ")", "limit", "offset", "fetch", "for"})
_SORT_END |= {"union", "intersect", "except", "having", "window", "order", ""}


def _value_words(toks: list[Token]) -> list[str]:
    sig = [tok for tok in toks if tok.kind not in (WS, COMMENT)]
    words: list[str] = []
    skip_escape = False
    for pos, tok in enumerate(sig):
        follows_string = pos > 0 and sig[pos - 1].kind == STRING
        if skip_escape:
            skip_escape = tok.kind != STRING
        elif tok.kind == IDENT and tok.text.lower() == "uescape" and follows_string:
            skip_escape = True
        elif tok.kind == NUMBER and _is_positional(words, sig, pos):
            words.append(tok.text)
        elif tok.kind in _VALUE_KINDS:
            if not (tok.kind == STRING and follows_string):
                words.append(VALUE)
        else:
            words.append(tok.text if tok.kind == QIDENT else tok.text.lower())
    return words


def _is_positional(words: list[str], sig: list[Token], pos: int) -> bool:
    """A bare number item of ORDER BY / GROUP BY refers to an output column: not a literal."""
    if words[-1:] != ["by"] and words[-1:] != [","]:
        return False
    clause = next((w for w in reversed(words) if w in ("by", "from", "where", "select", "(")), "")
    following = sig[pos + 1].text.lower() if pos + 1 < len(sig) else ""
    return clause == "by" and following in _SORT_END


def _collapse_lists(words: list[str]) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(words):
        if words[pos : pos + 2] == ["in", "("] or words[pos : pos + 4] == [
            "any",
            "(",
            "array",
            "[",
        ]:
            opener = 2 if words[pos] == "in" else 4
            end = _list_end(words, pos + opener, ")" if opener == 2 else "]")
            if end is not None:
                out += [*words[pos : pos + opener], VALUE, words[end]]
                pos = end + 1
                continue
        if words[pos] == "values":
            row, end = _repeated_rows(words, pos + 1)
            if row:
                out += ["values", *row]
                pos = end
                continue
        out.append(words[pos])
        pos += 1
    return out


def _list_end(words: list[str], start: int, close: str) -> int | None:
    pos = start
    while pos + 1 < len(words) and words[pos] == VALUE and words[pos + 1] in (",", close):
        if words[pos + 1] == close:
            return pos + 1
        pos += 2
    return None


def _repeated_rows(words: list[str], start: int) -> tuple[list[str], int]:
    rows: list[list[str]] = []
    pos = start
    while pos < len(words) and words[pos] == "(":
        depth, end = 0, pos
        while end < len(words):
            depth += {"(": 1, ")": -1}.get(words[end], 0)
            if depth == 0:
                break
            end += 1
        rows.append(words[pos : end + 1])
        pos = end + 1
        if words[pos : pos + 2] != [",", "("]:
            break
        pos += 1
    if len(rows) > 1 and all(row == rows[0] for row in rows) and VALUE in rows[0]:
        return rows[0], pos
    return [], start


def _fake_fingerprint(sql: str) -> Any:
    key = reference_key(sql)
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return SimpleNamespace(id=int.from_bytes(digest, "little"), normalized=key)


def to_server_params(sql: str) -> str:
    """Rewrite psycopg placeholders (%s, %(name)s) as $n parameters, as psycopg 3 sends them.

    psycopg 3 binds on the server: the text PostgreSQL sees (and pg_stat_statements
    records) has $1, $2 ... where the application wrote %s, with %% unescaped to %.
    Scoring the server on that text, rather than substituting NULL or literals, measures
    the query ids the application would really get. Named placeholders reuse their number.
    """
    toks = tokens(sql)
    if not any(tok.kind == PLACEHOLDER for tok in toks):
        return sql
    numbers: dict[str, int] = {}
    out = []
    for tok in toks:
        if tok.kind == PLACEHOLDER:
            name = tok.text if tok.text.startswith("%(") else f"%s#{len(numbers)}"
            out.append(f"${numbers.setdefault(name, len(numbers) + 1)}")
        else:
            out.append(tok.text.replace("%%", "%") if tok.kind == OP else tok.text)
    return "".join(out)


# EXPLAIN of DECLARE, EXECUTE or CREATE TABLE AS reports the inner query's id, not the one
# pg_stat_statements records for the statement: those take the execute path instead.
_EXPLAINABLE = frozenset({"select", "insert", "update", "delete", "merge", "values", "table"})
_EXPLAINABLE |= {"with", "("}
_SAVEPOINTS = ("SAVEPOINT sp1", "SAVEPOINT sp2", "SAVEPOINT my_savepoint")
_WORK_SETTINGS = (
    "SET search_path = scratch, public",
    "SET statement_timeout = '5s'",
    "SET lock_timeout = '1s'",
    "SET client_min_messages = error",
)


def _first_word(sql: str) -> str:
    for tok in tokens(sql):
        if tok.kind not in (WS, COMMENT):
            return tok.text.lower()
    return ""


def _explainable(sql: str) -> bool:
    return _first_word(sql) in _EXPLAINABLE


class QueryIdOracle:
    """PostgreSQL's own query id for a statement, from a throwaway server.

    Explainable statements go through EXPLAIN (VERBOSE, FORMAT JSON), with GENERIC_PLAN
    when they carry parameters; the others run inside a transaction that is rolled back,
    and their id is read back from pg_stat_statements. New objects land in an empty
    `scratch` schema first on the search path, so CREATE statements do not collide with
    the corpus schema (loaded into `public`) and everything else still resolves.
    """

    def __init__(self) -> None:
        import psycopg

        from pgotel import devdb

        self._server = devdb.start()
        self._admin = psycopg.connect(self._server.dsn, autocommit=True, prepare_threshold=None)
        self._admin.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
        self._admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        self._admin.execute("CREATE SCHEMA scratch")
        self._work = self._connect_work()
        self._baseline: dict[int, dict[int, int]] = {}

    def _connect_work(self) -> Any:
        import psycopg

        work = psycopg.connect(self._server.dsn, autocommit=True, prepare_threshold=None)
        for setting in _WORK_SETTINGS:
            work.execute(setting)
        return work

    def close(self) -> None:
        for conn in (self._work, self._admin):
            conn.close()
        self._server.stop()

    def __call__(self, sql: str) -> int | None:
        import psycopg

        server_sql = to_server_params(sql)
        try:
            if _explainable(server_sql):
                return self._explain(server_sql)
            return self._execute(server_sql)
        except psycopg.Error:
            self._recover()
            return None

    def _explain(self, sql: str) -> int | None:
        generic = ", GENERIC_PLAN" if any(t.kind == PARAM for t in tokens(sql)) else ""
        row = self._work.execute(f"EXPLAIN (VERBOSE, FORMAT JSON{generic}) {sql}").fetchone()
        plan = row[0][0] if row else {}
        query_id = plan.get("Query Identifier")
        return int(query_id) if query_id else None

    def _execute(self, sql: str) -> int | None:
        if any(t.kind == PARAM for t in tokens(sql)):
            return None
        wrapper = ["BEGIN", *(_SAVEPOINTS if _first_word(sql) in ("release", "rollback") else ())]
        baseline = self._baseline.get(len(wrapper)) or self._calls(wrapper, None)
        self._baseline[len(wrapper)] = baseline
        calls = self._calls(wrapper, sql)
        grown = {qid for qid, count in calls.items() if count > baseline.get(qid, 0)}
        return grown.pop() if len(grown) == 1 else None

    def _calls(self, wrapper: list[str], sql: str | None) -> dict[int, int]:
        """Run `sql` between `wrapper` and ROLLBACK; the calls pg_stat_statements counted."""
        self._admin.execute("SELECT pg_stat_statements_reset()")
        for statement in wrapper:
            self._work.execute(statement)
        try:
            if sql is not None and _first_word(sql) == "copy":
                self._copy(sql)
            elif sql is not None:
                self._work.execute(sql)
        finally:
            self._recover()
        rows = self._admin.execute(
            "SELECT queryid, calls FROM pg_stat_statements WHERE toplevel"
        ).fetchall()
        return dict(rows)

    def _copy(self, sql: str) -> None:
        words = {t.text.lower() for t in tokens(sql) if t.kind == IDENT}
        if not words & {"stdin", "stdout"}:
            self._work.execute(sql)
            return
        with self._work.cursor() as cur, cur.copy(sql) as copy:
            if "stdout" in words:
                for _ in copy:
                    pass

    def _recover(self) -> None:
        import psycopg

        try:
            self._work.execute("ROLLBACK")
        except psycopg.Error:
            self._work.close()
            self._work = self._connect_work()


def _pglast_fingerprinter() -> Fingerprinter:
    """pglast on text whose psycopg placeholders were already rewritten to $n
    (libpg_query cannot parse %s; the server sees $n anyway)."""
    import pglast

    def fingerprint(sql: str) -> Key:
        try:
            return pglast.fingerprint(sql)
        except pglast.parser.ParseError:
            return None

    return fingerprint


def _sqlglot_fingerprinter() -> Fingerprinter | str:
    """Parse as PostgreSQL, replace every literal with a placeholder, print, hash.

    Like pglast, it is given text whose psycopg placeholders are already $n.
    """
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError as exc:
        return f"not available ({exc})"

    def normalize(node: exp.Expression) -> exp.Expression:
        return exp.Placeholder() if isinstance(node, exp.Literal) else node

    logging.getLogger("sqlglot").setLevel(logging.ERROR)

    def fingerprint(sql: str) -> Key:
        try:
            trees = sqlglot.parse(sql, read="postgres")
            text = ";".join(t.transform(normalize).sql("postgres") for t in trees if t)
        except Exception:  # sqlglot fails in many ways; any failure is "not handled"
            return None
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    return fingerprint


def _pgotel_fingerprinter(fake: bool) -> tuple[Fingerprinter, Callable[[str], Any]] | str:
    if fake:
        return lambda sql: _fake_fingerprint(sql).id, _fake_fingerprint
    try:
        from pgotel._native import fingerprint
    except ImportError as exc:
        return f"not available ({exc})"

    def fingerprint_id(sql: str) -> Key:
        return fingerprint(sql).id

    return fingerprint_id, fingerprint


@dataclass
class Score:
    """How one fingerprinter did on the pairs that matter."""

    name: str
    group_ok: int = 0
    group_total: int = 0
    differ_ok: int = 0
    differ_total: int = 0
    failed: list[str] = field(default_factory=list)
    disagreements: list[Pair] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        total = self.group_total + self.differ_total
        return 100.0 * (self.group_ok + self.differ_ok) / total if total else 0.0


def score(name: str, keys: dict[str, Key], corpus: Corpus) -> Score:
    """Compare `keys` (statement -> fingerprint, None when the statement was not handled)."""
    result = Score(name, failed=[sql for sql, key in keys.items() if key is None])
    for pair in corpus.pairs():
        key_a, key_b = keys[pair.sql_a], keys[pair.sql_b]
        handled = key_a is not None and key_b is not None
        ok = handled and (key_a == key_b) == pair.should_group
        if pair.should_group:
            result.group_total += 1
            result.group_ok += ok
        else:
            result.differ_total += 1
            result.differ_ok += ok
        if not ok:
            result.disagreements.append(pair)
    return result


def fingerprint_all(fingerprinter: Fingerprinter, statements: Sequence[str]) -> dict[str, Key]:
    return {sql: fingerprinter(sql) for sql in statements}


def time_per_statement(
    fingerprinter: Fingerprinter,
    statements: Sequence[str],
    passes: int = PASSES,
    prepare: Callable[[str], str] | None = None,
) -> tuple[float, float]:
    """Best-of-`passes` µs per statement on text never seen before, and on a repeat of it.

    Each pass appends its own trailing comment, so a fingerprinter that caches by text
    sees new text; the repeat right after measures that cache. `prepare` (the
    placeholder rewrite some contenders need) runs before the clock starts.
    """
    first = repeat = float("inf")
    for number in range(passes):
        texts = [f"{sql}\n-- pass {number}" for sql in statements]
        if prepare is not None:
            texts = [prepare(text) for text in texts]
        first = min(first, _elapsed_us(fingerprinter, texts) / len(texts))
        repeat = min(repeat, _elapsed_us(fingerprinter, texts) / len(texts))
    return first, repeat


def _elapsed_us(fingerprinter: Fingerprinter, texts: Sequence[str]) -> float:
    start = time.perf_counter_ns()
    for text in texts:
        fingerprinter(text)
    return (time.perf_counter_ns() - start) / 1000


def describe_disagreement(pair: Pair, keys: dict[str, Key]) -> str:
    relation = "SAME (should share a fingerprint)" if pair.should_group else "DIFFERENT"
    lines = [
        f"groups {pair.group_a} / {pair.group_b}: expected {relation}",
        f"  A [{keys.get(pair.sql_a)!r}]: {pair.sql_a!r}",
        f"  B [{keys.get(pair.sql_b)!r}]: {pair.sql_b!r}",
    ]
    return "\n".join(lines)


def write_report(result: Score, keys: dict[str, Key], normalize: Callable[[str], Any]) -> None:
    REPORT_PATH.parent.mkdir(parents=True, exist_ok=True)
    with REPORT_PATH.open("w", encoding="utf-8") as out:
        out.write(f"{result.name}: {len(result.disagreements)} disagreements\n\n")
        for pair in result.disagreements:
            out.write(describe_disagreement(pair, keys) + "\n")
            for sql in (pair.sql_a, pair.sql_b):
                out.write(f"  normalized: {_normalized(normalize, sql)!r}\n")
            out.write("\n")


def _normalized(normalize: Callable[[str], Any], sql: str) -> str:
    try:
        return str(normalize(sql).normalized)
    except Exception as exc:  # a report line, never a crash of the report
        return f"<{type(exc).__name__}: {exc}>"


def print_score(result: Score, statements: int) -> None:
    print(f"\n{result.name}")
    print(f"  should-group pairs correct   {result.group_ok:6} / {result.group_total}")
    print(f"  should-differ pairs correct  {result.differ_ok:6} / {result.differ_total}")
    print(f"  overall agreement            {result.agreement:9.2f} %")
    print(f"  statements not handled       {len(result.failed):6} / {statements}")


def print_timings(timings: dict[str, tuple[float, float | None]]) -> None:
    print(f"\nTiming (µs per statement, best of {PASSES} passes over the corpus)")
    for name, (first, repeat) in timings.items():
        cached = f"   cached repeat {repeat:9.2f}" if repeat is not None else ""
        print(f"  {name:<28} {first:9.2f}{cached}")


def run(fake: bool = False, server: bool = True) -> list[Score]:
    """Score every contender on the corpus, print the results, write pgotel's disagreements."""
    corpus = load_corpus()
    statements = [stmt.sql for stmt in corpus.statements]
    pairs = sum(1 for _ in corpus.pairs())
    print(
        f"corpus: {len(statements)} statements, {len(corpus.groups)} groups, "
        f"{len(corpus.near_misses)} near-miss declarations, {pairs} pairs that matter"
    )
    scores: list[Score] = []
    timings: dict[str, tuple[float, float | None]] = {}
    pgotel = _pgotel_fingerprinter(fake)
    if isinstance(pgotel, str):
        print(f"\npgotel: {pgotel}")
    else:
        name = "pgotel (fake: reference_key)" if fake else "pgotel"
        fingerprint_id, normalize = pgotel
        keys = fingerprint_all(fingerprint_id, statements)
        timings[name] = time_per_statement(fingerprint_id, statements)
        scores.append(_scored(name, keys, corpus, len(statements)))
        _report_disagreements(scores[-1], keys, normalize)
    pglast = _pglast_fingerprinter()
    keys = _keys_of_rewritten(pglast, statements)
    pglast_time = time_per_statement(pglast, statements, prepare=to_server_params)[0]
    timings["pglast.fingerprint"] = (pglast_time, None)
    scores.append(_scored("pglast.fingerprint", keys, corpus, len(statements)))
    sqlglot = _sqlglot_fingerprinter()
    if isinstance(sqlglot, str):
        print(f"\nsqlglot: {sqlglot}")
    else:
        keys = _keys_of_rewritten(sqlglot, statements)
        sqlglot_time = time_per_statement(sqlglot, statements, 1, prepare=to_server_params)[0]
        timings["sqlglot parse + normalize"] = (sqlglot_time, None)
        scores.append(_scored("sqlglot parse + normalize", keys, corpus, len(statements)))
    if server:
        oracle = QueryIdOracle()
        try:
            keys = fingerprint_all(oracle, statements)
            timings["PostgreSQL query id"] = (time_per_statement(oracle, statements)[0], None)
        finally:
            oracle.close()
        scores.append(_scored("PostgreSQL query id", keys, corpus, len(statements)))
    print_timings(timings)
    return scores


def _keys_of_rewritten(fingerprinter: Fingerprinter, statements: Sequence[str]) -> dict[str, Key]:
    """Keys by original text, computed on the text with psycopg placeholders as $n."""
    return {sql: fingerprinter(to_server_params(sql)) for sql in statements}


def _scored(name: str, keys: dict[str, Key], corpus: Corpus, statements: int) -> Score:
    result = score(name, keys, corpus)
    print_score(result, statements)
    return result


def _report_disagreements(
    result: Score, keys: dict[str, Key], normalize: Callable[[str], Any]
) -> None:
    write_report(result, keys, normalize)
    print(f"  disagreements: {len(result.disagreements)} (all in {REPORT_PATH})")
    for pair in result.disagreements[:SHOWN_DISAGREEMENTS]:
        print(describe_disagreement(pair, keys))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benches.fingerprint_corpus")
    parser.add_argument("--fake", action="store_true", help="score reference_key instead of pgotel")
    parser.add_argument("--no-server", action="store_true", help="skip PostgreSQL's query id")
    args = parser.parse_args(argv)
    run(fake=args.fake, server=not args.no_server)


if __name__ == "__main__":
    main(sys.argv[1:])
