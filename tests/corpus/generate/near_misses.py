"""Automatic near misses: one-detail mutations after which a statement must fingerprint apart."""

from __future__ import annotations

from collections.abc import Callable

from benches.corpus import COMMENT, IDENT, NUMBER, OP, PARAM, PLACEHOLDER, STRING, WS, Token

# A mutation returns the mutated statement and what it changed, or None when it does not apply.
Mutation = Callable[[list[Token]], "tuple[str, str] | None"]


def _sig(toks: list[Token]) -> list[int]:
    return [i for i, t in enumerate(toks) if t.kind not in (WS, COMMENT)]


def _low(toks: list[Token], i: int) -> str:
    return toks[i].text.lower()


def _replace(toks: list[Token], i: int, text: str) -> str:
    return "".join(text if j == i else t.text for j, t in enumerate(toks))


def _insert_after(toks: list[Token], i: int, text: str) -> str:
    return "".join(t.text + (text if j == i else "") for j, t in enumerate(toks))


def _cte_names(toks: list[Token]) -> set[str]:
    s = _sig(toks)
    names = set()
    for p in range(len(s) - 2):
        if toks[s[p]].kind == IDENT and _low(toks, s[p + 1]) == "as" and toks[s[p + 2]].text == "(":
            names.add(_low(toks, s[p]))
        if (
            toks[s[p]].kind == IDENT
            and toks[s[p + 1]].text == "("
            and p > 0
            and _low(toks, s[p - 1]) in ("with", "recursive", ",")
        ):
            names.add(_low(toks, s[p]))
    return names


SWAP_OPS = {"=": "<>", "<>": "=", "!=": "=", "<": "<=", ">": ">=", "<=": "<", ">=": ">"}


def op_swap(toks: list[Token]) -> tuple[str, str] | None:
    """The first comparison operator of a condition, swapped."""
    ctx = None
    for i in _sig(toks):
        t = toks[i]
        if t.kind == IDENT and _low(toks, i) in ("where", "on", "having", "when"):
            ctx = "cond"
        elif t.kind == IDENT and _low(toks, i) in ("set", "select", "values", "returning", "from"):
            ctx = None
        if ctx == "cond" and t.kind == OP and t.text in SWAP_OPS:
            new = SWAP_OPS[t.text]
            return _replace(toks, i, new), f"comparison operator {t.text} -> {new}"
    return None


def table_suffix(toks: list[Token]) -> tuple[str, str] | None:
    """The first table named after FROM, JOIN, INTO, UPDATE or USING, renamed users -> users2."""
    s = _sig(toks)
    ctes = _cte_names(toks)
    for p, i in enumerate(s[:-1]):
        if _low(toks, i) in ("from", "join", "into", "update", "using") and toks[i].kind == IDENT:
            j = s[p + 1]
            nxt = s[p + 2] if p + 2 < len(s) else None
            t = toks[j]
            if (
                t.kind != IDENT
                or _low(toks, j) in ("only", "lateral", "select", "unnest", "rows", "(")
                or _low(toks, j) in ctes
            ):
                continue
            if nxt is not None and toks[nxt].text in ("(", "."):
                continue
            name = t.text
            new = name[:-1] + str(int(name[-1]) + 1) if name[-1].isdigit() else name + "2"
            return _replace(toks, j, new), f"table {name} -> {new} (numeric suffix)"
    return None


def order_dir(toks: list[Token]) -> tuple[str, str] | None:
    """DESC -> ASC, else ASC -> DESC, else a DESC added to a one-column ORDER BY."""
    s = _sig(toks)
    for i in s:
        if _low(toks, i) == "desc":
            return _replace(toks, i, "ASC" if toks[i].text.isupper() else "asc"), "DESC -> ASC"
    for i in s:
        if _low(toks, i) == "asc":
            return _replace(toks, i, "DESC" if toks[i].text.isupper() else "desc"), "ASC -> DESC"
    for p, i in enumerate(s[:-2]):
        if (
            _low(toks, i) == "order"
            and _low(toks, s[p + 1]) == "by"
            and toks[s[p + 2]].kind == IDENT
        ):
            q = p + 2
            while q + 2 < len(s) and toks[s[q + 1]].text == "." and toks[s[q + 2]].kind == IDENT:
                q += 2
            after = _low(toks, s[q + 1]) if q + 1 < len(s) else ""
            if after in ("", ";", ",", "limit", "offset", ")"):
                return _insert_after(toks, s[q], " DESC"), "ORDER BY ascending -> DESC"
    return None


def join_type(toks: list[Token]) -> tuple[str, str] | None:
    """The first join's type changed (INNER -> LEFT, LEFT -> RIGHT, ...)."""
    s = _sig(toks)
    for p, i in enumerate(s):
        if _low(toks, i) != "join":
            continue
        prev = _low(toks, s[p - 1]) if p else ""
        prev2 = _low(toks, s[p - 2]) if p > 1 else ""
        if prev in ("cross", "natural"):
            continue
        if prev == "inner":
            return _replace(toks, s[p - 1], "LEFT"), "INNER JOIN -> LEFT JOIN"
        if prev == "left" or (prev == "outer" and prev2 == "left"):
            k = s[p - 1] if prev == "left" else s[p - 2]
            return _replace(toks, k, "RIGHT"), "LEFT JOIN -> RIGHT JOIN"
        if prev == "full" or (prev == "outer" and prev2 == "full"):
            k = s[p - 1] if prev == "full" else s[p - 2]
            return _replace(toks, k, "LEFT"), "FULL JOIN -> LEFT JOIN"
        if prev == "right":
            return _replace(toks, s[p - 1], "LEFT"), "RIGHT JOIN -> LEFT JOIN"
        return _replace(toks, i, "LEFT JOIN"), "JOIN -> LEFT JOIN"
    return None


def add_limit(toks: list[Token]) -> tuple[str, str] | None:
    """A LIMIT 1 added to a query that has no LIMIT, FETCH, OFFSET or locking clause."""
    s = _sig(toks)
    words = [_low(toks, i) for i in s]
    if not words or words[0] not in ("select", "with", "table"):
        return None
    stoppers = ("limit", "fetch", "for", "offset", "insert", "update", "delete", "into")
    if any(w in stoppers for w in words):
        return None
    last = s[-1] if words[-1] != ";" else s[-2]
    return _insert_after(toks, last, " LIMIT 1"), "added LIMIT clause"


def is_null(toks: list[Token]) -> tuple[str, str] | None:
    """The first `column = literal` condition turned into `column IS NULL`."""
    s = _sig(toks)
    ctx = False
    for p, i in enumerate(s[:-2]):
        if _low(toks, i) in ("where", "and", "or"):
            ctx = True
        if (
            ctx
            and toks[i].kind == IDENT
            and toks[s[p + 1]].text == "="
            and toks[s[p + 2]].kind in (NUMBER, STRING, PARAM, PLACEHOLDER)
        ):
            nxt = _low(toks, s[p + 3]) if p + 3 < len(s) else ""
            if nxt == "::" or (p > 0 and toks[s[p - 1]].text == "."):
                continue
            text = "".join(
                (" IS NULL" if j == s[p + 1] else "") if s[p + 1] <= j <= s[p + 2] else t.text
                for j, t in enumerate(toks)
            )
            return text, "= literal -> IS NULL"
    return None


def bool_flip(toks: list[Token]) -> tuple[str, str] | None:
    """The first TRUE or FALSE keyword flipped."""
    for i in _sig(toks):
        w = _low(toks, i)
        if toks[i].kind == IDENT and w in ("true", "false"):
            new = {"true": "false", "false": "true"}[w]
            new = new.upper() if toks[i].text.isupper() else new
            return _replace(toks, i, new), f"boolean keyword {w} -> {new.lower()}"
    return None


CASTS = {
    "int": "bigint",
    "integer": "bigint",
    "int4": "int8",
    "bigint": "int",
    "text": "varchar",
    "jsonb": "json",
    "json": "jsonb",
    "date": "timestamp",
    "numeric": "float8",
    "timestamp": "date",
    "real": "float8",
    "inet": "cidr",
    "shipment_status": "text",
    "float8": "numeric",
}


def cast_change(toks: list[Token]) -> tuple[str, str] | None:
    """The first `::type` cast to a type in CASTS, cast to another type."""
    s = _sig(toks)
    for p, i in enumerate(s[:-1]):
        if toks[i].text == "::" and toks[s[p + 1]].kind == IDENT and _low(toks, s[p + 1]) in CASTS:
            old = _low(toks, s[p + 1])
            return _replace(toks, s[p + 1], CASTS[old]), f"cast ::{old} -> ::{CASTS[old]}"
    return None


def distinct(toks: list[Token]) -> tuple[str, str] | None:
    """A DISTINCT added to the first SELECT without one."""
    s = _sig(toks)
    for p, i in enumerate(s[:-1]):
        if _low(toks, i) == "select" and _low(toks, s[p + 1]) not in ("distinct", "all"):
            return _insert_after(toks, i, " DISTINCT"), "added DISTINCT"
    return None


FUNCS = {
    "min": "max",
    "max": "min",
    "sum": "avg",
    "avg": "sum",
    "lower": "upper",
    "upper": "lower",
    "now": "clock_timestamp",
    "json_agg": "jsonb_agg",
    "array_agg": "json_agg",
    "rank": "dense_rank",
    "row_number": "rank",
    "jsonb_array_elements_text": "jsonb_array_elements",
    "random": "clock_timestamp",
    "count": "sum",
    "jsonb_extract_path_text": "jsonb_extract_path",
    "jsonb_pretty": "jsonb_typeof",
    "coalesce": "nullif",
    "date_trunc": "date_part",
    "array_append": "array_prepend",
    "length": "octet_length",
    "to_tsquery": "plainto_tsquery",
    "int4range": "int8range",
    "upper_inf": "lower_inf",
    "string_agg": "concat_ws",
    "nextval": "currval",
    "generate_series": "generate_subscripts",
}
# Swapping these would change the arguments' meaning or make the call invalid: left alone.
_FUNCS_KEPT = ("array_append", "coalesce", "concat_ws", "string_agg", "generate_series")
_FUNCS_KEPT += ("date_trunc",)


def func_swap(toks: list[Token]) -> tuple[str, str] | None:
    """count(*) -> count(1), else the first call of a function in FUNCS, to its counterpart."""
    s = _sig(toks)
    for p, i in enumerate(s[:-1]):
        w = _low(toks, i)
        if toks[i].kind == IDENT and w in FUNCS and toks[s[p + 1]].text == "(":
            if w == "count" and p + 2 < len(s) and toks[s[p + 2]].text == "*":
                return _replace(toks, s[p + 2], "1"), "count(*) -> count(1)"
            if w in _FUNCS_KEPT:
                continue
            return _replace(toks, i, FUNCS[w]), f"function {w}() -> {FUNCS[w]}()"
    return None


def and_or(toks: list[Token]) -> tuple[str, str] | None:
    """The first AND that is not part of BETWEEN, turned into OR."""
    s = _sig(toks)
    for p, i in enumerate(s):
        if _low(toks, i) == "and" and not any(
            _low(toks, s[q]) == "between" for q in range(max(0, p - 4), p)
        ):
            new = "OR" if toks[i].text.isupper() else "or"
            return _replace(toks, i, new), "AND -> OR"
    return None


JSON_OPS = {
    "->": "->>",
    "->>": "->",
    "#>": "#>>",
    "#>>": "#>",
    "@>": "<@",
    "<@": "@>",
    "?|": "?&",
    "?&": "?|",
    "~": "~*",
    "~*": "~",
    "!~": "!~*",
    "!~*": "!~",
    "&&": "@>",
    "||": "+",
    "<->": "<#>",
}


def json_op(toks: list[Token]) -> tuple[str, str] | None:
    """The first JSON, regex, array or distance operator, swapped for its neighbour."""
    for i in _sig(toks):
        if toks[i].kind == OP and toks[i].text in JSON_OPS:
            old, new = toks[i].text, JSON_OPS[toks[i].text]
            return _replace(toks, i, new), f"operator {old} -> {new}"
    return None


def set_op(toks: list[Token]) -> tuple[str, str] | None:
    """UNION <-> UNION ALL, or EXCEPT -> INTERSECT."""
    s = _sig(toks)
    for p, i in enumerate(s):
        w = _low(toks, i)
        if w == "union":
            if p + 1 < len(s) and _low(toks, s[p + 1]) == "all":
                text = "".join("" if s[p] < j <= s[p + 1] else t.text for j, t in enumerate(toks))
                return text, "UNION ALL -> UNION"
            return _insert_after(toks, i, " ALL"), "UNION -> UNION ALL"
        if w == "except":
            return _replace(toks, i, "INTERSECT"), "EXCEPT -> INTERSECT"
    return None


def negate(toks: list[Token]) -> tuple[str, str] | None:
    """IN -> NOT IN, EXISTS -> NOT EXISTS, LIKE -> ILIKE or IS NULL -> IS NOT NULL."""
    s = _sig(toks)
    for p, i in enumerate(s[:-1]):
        w = _low(toks, i)
        not_before = p > 0 and _low(toks, s[p - 1]) == "not"
        if w == "in" and toks[s[p + 1]].text == "(" and not not_before:
            new = "NOT IN" if toks[i].text.isupper() else "not in"
            return _replace(toks, i, new), "IN -> NOT IN"
        if w == "exists" and not not_before:
            return _replace(toks, i, "NOT EXISTS"), "EXISTS -> NOT EXISTS"
        if w == "like":
            return _replace(toks, i, "ILIKE"), "LIKE -> ILIKE"
        if w == "is" and _low(toks, s[p + 1]) == "null":
            return _insert_after(toks, i, " NOT"), "IS NULL -> IS NOT NULL"
    return None


def star_count(toks: list[Token]) -> tuple[str, str] | None:
    """SELECT * FROM -> SELECT count(*) FROM."""
    s = _sig(toks)
    for p, i in enumerate(s[:-1]):
        if (
            _low(toks, i) == "select"
            and toks[s[p + 1]].text == "*"
            and p + 2 < len(s)
            and _low(toks, s[p + 2]) == "from"
        ):
            return _replace(toks, s[p + 1], "count(*)"), "select list * -> count(*)"
    return None


def drop_column(toks: list[Token]) -> tuple[str, str] | None:
    """The first select list of two or more items, without its last item."""
    s = _sig(toks)
    for p, i in enumerate(s):
        if _low(toks, i) != "select":
            continue
        items, q, start = [], p + 1, p + 1
        depth = 0
        while q < len(s):
            tx = _low(toks, s[q])
            depth += tx == "("
            depth -= tx == ")"
            if depth < 0:
                break
            if depth == 0 and tx in (",", "from"):
                items.append((start, q))
                start = q + 1
                if tx == "from":
                    break
            q += 1
        if q < len(s) and _low(toks, s[q]) == "from" and len(items) >= 2:
            cut_from = s[items[-2][1]]
            cut_to = s[items[-1][1] - 1]
            text = "".join("" if cut_from <= j <= cut_to else t.text for j, t in enumerate(toks))
            return text, "select list without its last column"
        return None
    return None


def positional(toks: list[Token]) -> tuple[str, str] | None:
    """A positional ORDER BY / GROUP BY reference pointing at another column."""
    s = _sig(toks)
    for p, i in enumerate(s[:-1]):
        if (
            _low(toks, i) == "by"
            and toks[s[p + 1]].kind == NUMBER
            and p > 0
            and _low(toks, s[p - 1]) in ("order", "group")
        ):
            old = toks[s[p + 1]].text
            new = "1" if old != "1" else "2"
            return _replace(toks, s[p + 1], new), f"positional reference {old} -> {new}"
    return None


# Tried in turn (from a rotation that depends on the group) until enough apply.
PRIMARY: list[Mutation] = [
    op_swap,
    table_suffix,
    order_dir,
    join_type,
    is_null,
    bool_flip,
    cast_change,
    func_swap,
    json_op,
    set_op,
    negate,
    positional,
    and_or,
    drop_column,
]
# Tried after every primary mutation: changes that apply to most queries.
FALLBACK: list[Mutation] = [star_count, add_limit, distinct]
