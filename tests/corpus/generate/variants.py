"""Variants of a statement that must keep its fingerprint: literals, lists, placeholders, format."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from benches.corpus import (
    COMMENT,
    IDENT,
    NUMBER,
    OP,
    PARAM,
    PLACEHOLDER,
    STRING,
    WS,
    Token,
    tokens,
)

Alts = Mapping[str, Sequence[str]]

DML = {"select", "insert", "update", "delete", "with", "merge", "values", "table", "("}
TYPE_MOD = {
    "varchar",
    "char",
    "character",
    "numeric",
    "decimal",
    "bit",
    "varbit",
    "varying",
    "time",
    "timestamp",
    "timestamptz",
    "float",
    "interval",
}
TYPE_PREFIX = {
    "interval",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "point",
    "real",
    "float8",
    "int",
    "integer",
    "bigint",
    "numeric",
    "text",
    "varchar",
    "json",
    "jsonb",
    "uuid",
    "inet",
    "cidr",
    "bool",
    "boolean",
    "bytea",
    "box",
    "circle",
    "polygon",
    "path",
    "lseg",
    "line",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4range",
    "numrange",
    "tsvector",
    "tsquery",
    "money",
    "float4",
    "double",
    "precision",
}
_UNIT_WORDS = (
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "week",
    "min",
    "sec",
    "millisecond",
    "microsecond",
    "ms",
    "s",
    "h",
    "d",
    "m",
    "mon",
    "years",
    "days",
)
UNITS = {unit + plural for unit in _UNIT_WORDS for plural in ("", "s")}
SPECIAL_WORDS = [
    ["t", "f"],
    ["true", "false"],
    ["yes", "no"],
    ["[]", "[)", "(]", "()"],
    ["serial", "serial2"],
    ["year", "month", "day", "hour", "minute", "week", "quarter", "second"],
    ["english", "simple", "german"],
    ["new", "open", "closed"],
    ["delivered", "pending", "shipped"],
    ["sad", "ok", "happy"],
    ["active", "inactive", "banned"],
    ["utc", "america/denver", "europe/rome", "pst8pdt"],
]
WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
    "november",
    "oscar",
    "papa",
    "quebec",
    "romeo",
]
_ORDER_BY_END = {
    ",",
    "asc",
    "desc",
    "nulls",
    "",
    ";",
    ")",
    "limit",
    "offset",
    "order",
    "for",
    "fetch",
    "union",
    "having",
    "window",
    "intersect",
    "except",
}
_CLAUSES_AFTER_ORDER_BY = {
    "limit",
    "offset",
    "fetch",
    "having",
    "window",
    "union",
    "for",
    "except",
    "intersect",
    "returning",
}


def sig(toks: list[Token]) -> list[Token]:
    """The significant tokens: no whitespace, no comments."""
    return [t for t in toks if t.kind not in (WS, COMMENT)]


def first_word(sql: str) -> str:
    """The first significant token, lower-cased when it is a word."""
    for t in sig(tokens(sql)):
        return t.text.lower() if t.kind == IDENT else t.text
    return ""


def is_utility(sql: str) -> bool:
    """Whether `sql` is a utility statement (DDL, COPY, SET ...), whose literals are kept."""
    return first_word(sql) not in DML


@dataclass
class Slot:
    """A literal token that variants may change, and whether it may become a parameter."""

    index: int
    param_ok: bool
    vary: bool


def find_slots(toks: list[Token], utility: bool) -> list[Slot]:
    """Literal tokens that variants may change (and which of them may become parameters)."""
    s_idx = [i for i, t in enumerate(toks) if t.kind not in (WS, COMMENT)]
    slots = []
    words = [t.text.lower() if t.kind == IDENT else t.text for t in toks]
    is_func_def = (
        utility
        and any(w in ("function", "procedure") for w in words)
        and words[s_idx[0]] == "create"
    )
    is_do = words[s_idx[0]] == "do"
    keep_until = -1
    in_order_by = False
    for pos, i in enumerate(s_idx):
        t = toks[i]
        w = words[i]
        prev = words[s_idx[pos - 1]] if pos > 0 else ""
        prev2 = words[s_idx[pos - 2]] if pos > 1 else ""
        nxt = words[s_idx[pos + 1]] if pos + 1 < len(s_idx) else ""
        if t.kind == IDENT and w == "by" and prev in ("order", "group"):
            in_order_by = True
        elif (t.kind == IDENT and w in _CLAUSES_AFTER_ORDER_BY) or t.text in (")", ";"):
            in_order_by = False
        if t.text == "(" and prev in TYPE_MOD and prev2 != "":
            depth, j = 0, pos
            while j < len(s_idx):
                tx = toks[s_idx[j]].text
                depth += tx == "("
                depth -= tx == ")"
                if depth == 0:
                    break
                j += 1
            keep_until = max(keep_until, s_idx[min(j, len(s_idx) - 1)])
        if i <= keep_until:
            continue
        if t.kind == NUMBER:
            if in_order_by and prev in ("by", ",") and nxt in _ORDER_BY_END:
                continue
            slots.append(Slot(i, not utility, not utility))
        elif t.kind == STRING:
            if is_do or (is_func_def and prev == "as") or prev == "uescape":
                continue
            typed = prev in TYPE_PREFIX and prev2 not in ("::", "as")
            adjacent = (pos > 0 and toks[s_idx[pos - 1]].kind == STRING) or (
                pos + 1 < len(s_idx) and toks[s_idx[pos + 1]].kind == STRING
            )
            unicode = t.text[:2].upper() == "U&"
            param_ok = not utility and not typed and not adjacent and not unicode
            slots.append(Slot(i, param_ok, not utility))
        elif t.kind in (PARAM, PLACEHOLDER):
            slots.append(Slot(i, True, not utility))
    return slots


# Literal alternatives: another value of the same form (hex stays hex, a date stays a date).


def alt_number(text: str, k: int) -> str:
    """The `k`-th replacement for a number, written in the same notation."""
    low = text.lower()
    if low.startswith("0x"):
        return ["0x2A", "0xFF", "0x1B3"][k % 3]
    if low.startswith("0o"):
        return ["0o25", "0o777", "0o3"][k % 3]
    if low.startswith("0b"):
        return ["0b110", "0b1", "0b10011"][k % 3]
    if "_" in text:
        return ["2_500", "1_000_000", "7_7"][k % 3]
    if "e" in low:
        return ["2.5e-4", "3E+2", "1.0e10"][k % 3]
    if text.startswith("."):
        return [".25", ".75", ".125"][k % 3]
    if text.endswith("."):
        return ["7.", "42.", "3."][k % 3]
    if "." in text:
        whole, frac = text.split(".")
        return f"{int(whole or 0) * 2 + 1 + k}.{frac}"
    return str(int(text) * 2 + 1 + k)


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"\d{1,2}:\d{2}(:\d{2})?(\.\d+)?")
_YEARS = (2019, 2021, 1999, 2024)


def _replacement_word(word: str, k: int) -> str:
    rep = WORDS[(sum(map(ord, word)) + k) % len(WORDS)]
    if rep.startswith(word.lower()[: len(rep)]):
        rep = WORDS[(sum(map(ord, word)) + k + 1) % len(WORDS)]
    rep = (rep * 3)[: len(word)]
    if rep == word.lower():
        rep = "".join(chr((ord(c) - 97 + 1) % 26 + 97) for c in rep)
    if word.isupper() and len(word) > 1:
        return rep.upper()
    return rep.capitalize() if word[0].isupper() else rep


def _mutate_text(body: str, k: int, escapes: bool) -> str:
    """Another string of the same shape: words, numbers and dates change, units and layout stay."""
    low = body.strip().lower()
    if low in ("{}", "[]"):
        return {"{}": '{"k": 1}', "[]": "[1]"}[low]
    for words in SPECIAL_WORDS:
        if low in words:
            choice = words[(words.index(low) + 1 + k) % len(words)]
            if choice == low:
                choice = words[(words.index(low) + 2 + k) % len(words)]
            return choice.upper() if body.isupper() else choice
    out, pos = [], 0
    protected = [m.span() for m in _DATE.finditer(body)] + [m.span() for m in _TIME.finditer(body)]
    while pos < len(body):
        span = next((s for s in protected if s[0] == pos), None)
        if span:
            seg = body[span[0] : span[1]]
            if _DATE.fullmatch(seg):
                year = int(seg[:4])
                new_year = _YEARS[(year + k) % 4] if year not in _YEARS else 2012 + k
                seg = f"{new_year}{seg[4:]}"
            out.append(seg)
            pos = span[1]
            continue
        ch = body[pos]
        if escapes and ch == "\\":
            out.append(body[pos : pos + 2])
            pos += 2
            continue
        if ch.isalpha() and ch.isascii():
            end = pos
            while (
                end < len(body)
                and body[end].isalpha()
                and body[end].isascii()
                and not any(s[0] == end for s in protected)
            ):
                end += 1
            word = body[pos:end]
            is_unit = word.lower() in UNITS and any(c.isdigit() for c in body)
            is_json_word = word.lower() in ("null", "true", "false") and body[:1] in "{[("
            out.append(word if is_unit or is_json_word else _replacement_word(word, k))
            pos = end
            continue
        if ch.isdigit():
            end = pos
            while end < len(body) and body[end].isdigit():
                end += 1
            out.append(str(int(body[pos:end]) + 1 + k))
            pos = end
            continue
        out.append(ch)
        pos += 1
    res = "".join(out)
    if res == body:
        res = body + ("x" if not body.endswith("\\") else "")
        if res == body or not body:
            res = WORDS[k % len(WORDS)]
    return res


def alt_string(text: str, k: int) -> str:
    """The `k`-th replacement for a string literal token, keeping its prefix and quoting."""
    if text.startswith("$"):
        tag = text[: text.index("$", 1) + 1]
        body = text[len(tag) : -len(tag)]
        return tag + _mutate_text(body, k, False) + tag
    prefix = text[: text.index("'")]
    body = text[len(prefix) + 1 : -1]
    up = prefix.upper()
    if up == "B":
        return prefix + "'" + "".join("1" if c == "0" else "0" for c in body) + "'"
    if up == "X":
        digits = "0123456789ABCDEF"
        return prefix + "'" + "".join(digits[(int(c, 16) + 5 + k) % 16] for c in body) + "'"
    if up == "U&":
        return prefix + "'" + ["\\0041lpha", "br\\0061vo", "ch\\0061rlie"][k % 3] + "'"
    return prefix + "'" + _mutate_text(body, k, up == "E") + "'"


def alt_literal(text: str, kind: str, k: int, alts: Alts) -> str:
    """The `k`-th replacement for a literal: from `alts` when listed there, else derived."""
    if text in alts:
        options = alts[text]
        return options[k % len(options)]
    if kind == NUMBER:
        return alt_number(text, k)
    if kind == STRING:
        return alt_string(text, k)
    return text


# Lists whose length must not matter: IN (...), ANY(ARRAY[...]) and repeated VALUES rows.


@dataclass
class ListSpan:
    """A list of literals in a statement, as token index spans."""

    kind: str  # "in", "any" or "values"
    start: int  # token index of the first element or row
    end: int  # token index after the last element or row
    items: list[tuple[int, int]]  # token index span of each element or row


def _elements(
    toks: list[Token], s_idx: list[int], open_pos: int, close: str
) -> tuple[list[tuple[int, int]], int] | None:
    """Comma-separated literal elements after s_idx[open_pos] (an opening bracket)."""
    items = []
    j = open_pos + 1
    while j < len(s_idx):
        t = toks[s_idx[j]]
        if t.kind not in (NUMBER, STRING, PARAM, PLACEHOLDER):
            return None
        start = s_idx[j]
        j += 1
        if j < len(s_idx) and toks[s_idx[j]].text == "::":
            j += 2
        items.append((start, s_idx[j - 1] + 1))
        nt = toks[s_idx[j]].text if j < len(s_idx) else ""
        if nt == ",":
            j += 1
            continue
        if nt == close:
            return items, j
        return None
    return None


def _values_rows(toks: list[Token], s_idx: list[int], low: list[str], pos: int) -> ListSpan | None:
    """VALUES rows of one shape with literals in them, starting at s_idx[pos + 1]."""
    rows, shapes, j = [], set(), pos + 1
    while j < len(s_idx) and low[j] == "(":
        depth, k, shape = 0, j, []
        while k < len(s_idx):
            depth += low[k] == "("
            depth -= low[k] == ")"
            kind = toks[s_idx[k]].kind
            if kind in (NUMBER, STRING, PARAM, PLACEHOLDER):
                shape.append("L")
            elif low[k] in ("(", ")", ",", "null", "default", "true", "false", "-", "::") or (
                kind == IDENT and k > 0 and low[k - 1] == "::"
            ):
                shape.append(low[k])
            else:
                shape.append("?")
            if depth == 0:
                break
            k += 1
        if "?" in shape or depth != 0:
            return None
        rows.append((s_idx[j], s_idx[k] + 1))
        shapes.add(tuple(shape))
        j = k + 1
        if j + 1 < len(s_idx) and low[j] == "," and low[j + 1] == "(":
            j += 1
            continue
        break
    if rows and len(shapes) == 1 and "L" in next(iter(shapes)):
        return ListSpan("values", rows[0][0], rows[-1][1], rows)
    return None


def find_lists(toks: list[Token]) -> list[ListSpan]:
    """Every IN list, ANY(ARRAY[...]) list and run of same-shaped VALUES rows."""
    s_idx = [i for i, t in enumerate(toks) if t.kind not in (WS, COMMENT)]
    low = [toks[i].text.lower() for i in s_idx]
    spans = []
    for pos in range(len(s_idx)):
        if low[pos] == "in" and pos + 1 < len(s_idx) and low[pos + 1] == "(":
            got = _elements(toks, s_idx, pos + 1, ")")
            if got:
                spans.append(ListSpan("in", got[0][0][0], got[0][-1][1], got[0]))
        if low[pos] == "any" and low[pos + 1 : pos + 4] == ["(", "array", "["]:
            got = _elements(toks, s_idx, pos + 3, "]")
            if got:
                spans.append(ListSpan("any", got[0][0][0], got[0][-1][1], got[0]))
        if low[pos] == "values" and pos + 1 < len(s_idx) and low[pos + 1] == "(":
            rows = _values_rows(toks, s_idx, low, pos)
            if rows:
                spans.append(rows)
    return spans


# Rendering the variants.


def render(toks: list[Token], repl: dict[int, str]) -> str:
    """The tokens' text, with the tokens at the indexes in `repl` replaced."""
    return "".join(repl.get(i, t.text) for i, t in enumerate(toks))


def literal_variant(sql: str, k: int, alts: Alts, utility: bool) -> str | None:
    """`sql` with every variable literal replaced by its `k`-th alternative, or None."""
    toks = tokens(sql)
    slots = [
        s
        for s in find_slots(toks, utility)
        if s.vary and (toks[s.index].kind in (NUMBER, STRING) or toks[s.index].text in alts)
    ]
    if not slots:
        return None
    repl = {s.index: alt_literal(toks[s.index].text, toks[s.index].kind, k, alts) for s in slots}
    out = render(toks, repl)
    return out if out != sql else None


def list_variant(sql: str, k: int, alts: Alts) -> str | None:
    """`sql` with each list grown or shrunk to another length, or None when it has no list."""
    toks = tokens(sql)
    spans = find_lists(toks)
    if not spans:
        return None
    pieces = []
    last = 0
    for span in spans:
        pieces.append(render(toks[last : span.start], {}))
        n = len(span.items)
        target = [1, 5, 3, 8][k % 4] if span.kind != "values" else [1, 3, 2, 4][k % 4]
        if target == n:
            target = n + 2
        elems = []
        for e in range(target):
            a, b = span.items[e % n]
            sub = toks[a:b]
            repl = {}
            for si, st in enumerate(sub):
                if st.kind in (NUMBER, STRING):
                    changed = e >= n or e % 2 == 1
                    repl[si] = alt_literal(st.text, st.kind, k + e, alts) if changed else st.text
            elems.append(render(sub, repl))
        pieces.append(", ".join(elems))
        last = span.end
    pieces.append(render(toks[last:], {}))
    out = "".join(pieces)
    return out if out != sql else None


def _has_percent_outside(toks: list[Token], slots: list[Slot]) -> bool:
    """A % in a string or operator that stays: psycopg placeholders would need it escaped."""
    slot_indexes = {s.index for s in slots}
    return any(
        "%" in t.text
        for i, t in enumerate(toks)
        if t.kind in (STRING, OP) and i not in slot_indexes
    )


def placeholder_variant(sql: str, k: int, alts: Alts) -> str | None:
    """`sql` with its literals as parameters (%s, %(name)s or $n, by `k`), or None."""
    toks = tokens(sql)
    if any(t.kind == PLACEHOLDER for t in toks) and k % 3 != 2:
        return None
    slots = [s for s in find_slots(toks, False) if s.param_ok]
    if not slots:
        return None
    style = ["psycopg", "named", "dollar"][k % 3]
    if style != "dollar" and (
        any(t.kind == PARAM for t in toks) or _has_percent_outside(toks, slots)
    ):
        style = "dollar"
    if style == "dollar" and any(t.kind == PLACEHOLDER for t in toks):
        style = "psycopg"
    existing = [int(t.text[1:]) for t in toks if t.kind == PARAM]
    n = max(existing, default=0)
    repl = {}
    names: dict[str, int] = {}
    sidx = [i for i, t in enumerate(toks) if t.kind not in (WS, COMMENT)]
    for s in slots:
        if toks[s.index].kind == PARAM and style == "dollar":
            continue
        if toks[s.index].kind == PLACEHOLDER and style == "psycopg":
            continue
        if style == "psycopg":
            repl[s.index] = "%s"
        elif style == "named":
            pos = sidx.index(s.index)
            name = "p"
            if pos >= 2 and toks[sidx[pos - 2]].kind == IDENT and toks[sidx[pos - 1]].kind == OP:
                name = toks[sidx[pos - 2]].text.lower()
            names[name] = names.get(name, 0) + 1
            suffix = names[name] if names[name] > 1 or name == "p" else ""
            repl[s.index] = f"%({name}{suffix})s"
        else:
            n += 1
            repl[s.index] = f"${n}"
    if not repl:
        return None
    out = render(toks, repl)
    return out if out != sql else None


TRACEPARENTS = [
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "00-5b8aa5a2d2c872e8321cf37308d69df2-051581bf3cb55c13-01",
]


def _rng(key: str) -> random.Random:
    """A random generator seeded from `key`, so a variant depends on its input alone."""
    return random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))


def format_variant(sql: str, k: int) -> str:
    """`sql` re-cased, re-spaced and commented (maybe with a sqlcommenter traceparent)."""
    rng = _rng(sql + str(k))
    toks = tokens(sql)
    mode = rng.choice(["upper", "lower", "title", "mixed"])
    out = []
    sig_seen = 0
    n_sig = len(sig(toks))
    comment_at = rng.randrange(1, max(n_sig, 2))
    for i, t in enumerate(toks):
        text = t.text
        if t.kind == IDENT:
            if mode == "upper":
                text = text.upper()
            elif mode == "lower":
                text = text.lower()
            elif mode == "title":
                text = text.capitalize()
            else:
                text = text.upper() if rng.random() < 0.5 else text.lower()
        if t.kind == WS:
            text = rng.choice([" ", "\n  ", "\t", "  ", "\n", " \n\t "])
            before = toks[i - 1] if i > 0 else None
            after = toks[i + 1] if i + 1 < len(toks) else None
            needs_nl = (
                before is not None and before.kind == COMMENT and before.text.startswith("--")
            )
            needs_nl |= (
                before is not None
                and after is not None
                and before.kind == STRING
                and after.kind == STRING
            )
            if needs_nl and "\n" not in text:
                text = "\n"
        if t.kind == COMMENT and t.text.startswith("--") and rng.random() < 0.5:
            text = "-- changed note"
        if t.kind not in (WS, COMMENT):
            sig_seen += 1
            if sig_seen == comment_at and rng.random() < 0.7:
                out.append(
                    rng.choice([" /* inline */ ", " /* nested /* inner */ outer */ ", " -- eol\n "])
                )
        out.append(text)
    body = "".join(out).strip()
    lead = rng.choice(["", "", "/* leading */ ", "-- request 42\n", "\n\t"])
    if rng.random() >= 0.6:
        return lead + body
    tp = TRACEPARENTS[k % len(TRACEPARENTS)]
    trail = f"/*traceparent='{tp}',db_driver='psycopg'*/"
    semi = body.endswith(";")
    core = body[:-1].rstrip() if semi else body
    last = [t for t in tokens(core) if t.kind != WS][-1:]
    sep = "\n" if last and last[0].kind == COMMENT and last[0].text.startswith("--") else " "
    return lead + core + sep + trail + (";" if semi else "")
