"""Groups, variants and near-miss declarations of the fingerprint corpus, from base statements."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from benches.corpus import tokens
from benches.fingerprint_corpus import reference_key
from tests.corpus.generate.base_statement import BaseStatement
from tests.corpus.generate.near_misses import FALLBACK, PRIMARY
from tests.corpus.generate.validation import Validator
from tests.corpus.generate.variants import (
    find_lists,
    format_variant,
    is_utility,
    list_variant,
    literal_variant,
    placeholder_variant,
)

NEAR_MISS = "generated:near-miss"
LITERAL = "generated:literal-variant"
PLACEHOLDER = "generated:placeholder-variant"
FORMAT = "generated:format-variant"
LIST = "generated:list-variant"


def choice_hash(text: str) -> int:
    """A stable number from `text`: every choice the generator makes derives from one."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def renamed_table(why: str) -> tuple[str, str] | None:
    """(original, new) when a near miss's reason says it renamed a table: users -> users2."""
    if not (why.startswith("table ") and "numeric suffix" in why):
        return None
    orig, new = why.split("table ")[1].split(" (")[0].split(" -> ")
    return orig, new


class CorpusBuilder:
    """Collects groups of statements and near-miss pairs of groups, checking each on a server.

    Statements are grouped by `reference_key`, the labelling rule as code. A variant or near
    miss that PostgreSQL rejects while its base statement is valid is left out (and logged).
    """

    def __init__(self, validator: Validator) -> None:
        self.validator = validator
        self.groups: dict[str, list[tuple[str, str]]] = {}
        self.near: list[tuple[str, str, str]] = []
        self.log: list[str] = []
        self._key_to_group: dict[str, str] = {}

    def add(self, group: str, sql: str, source: str) -> bool:
        """Add `sql` to `group` unless some group already holds that exact text."""
        if any(s == sql for s, _ in self.groups[group]):
            return False
        for other, members in self.groups.items():
            if other != group and any(s == sql for s, _ in members):
                self.log.append(f"duplicate text in {other} and {group}: {sql!r}")
                return False
        self.groups[group].append((sql, source))
        return True

    def new_group(self, group: str, sql: str, source: str) -> str:
        """Start `group` with `sql`, or add `sql` to the group that has its key; the group."""
        key = reference_key(sql)
        if key in self._key_to_group:
            existing = self._key_to_group[key]
            self.add(existing, sql, source)
            return existing
        assert group not in self.groups, group
        self.groups[group] = []
        self._key_to_group[key] = group
        self.add(group, sql, source)
        return group

    def twin(self, why: str) -> None:
        """Create the twin table a near miss renames to, if it renames one."""
        if renamed := renamed_table(why):
            self.validator.twin(*renamed)

    def build(self, bases: Iterable[BaseStatement]) -> None:
        """Add each base statement, its variants and its near misses."""
        for base in bases:
            self._add_base(base)

    def _add_base(self, base: BaseStatement) -> None:
        utility = is_utility(base.sql)
        group = self.new_group(base.group, base.sql, base.full_source)
        if group != base.group:
            self.log.append(f"base {base.group} merged into {group}")
        base_key = reference_key(base.sql)
        wanted = n_variants(base, utility) if group == base.group else 0
        if base.alts and group == base.group:
            wanted += max(len(v) for v in base.alts.values()) - 1
        base_ok = self.validator.valid(base.sql)
        if not base_ok:
            self.log.append(f"base invalid: {group}: {base.sql!r}")
        for sql, source in variant_candidates(base, utility):
            if wanted <= 0:
                break
            if base_ok and not self.validator.valid(sql):
                self.log.append(f"variant rejected by the server: {sql!r}")
                continue
            if reference_key(sql) != base_key:
                self.log.append(f"variant key mismatch in {group}: {sql!r}")
                continue
            if self.add(group, sql, source):
                wanted -= 1
        for number, (sql, why) in enumerate(self._near_misses(base, utility), 1):
            self._add_near_miss(base, group, f"{base.group}~nm{number}", sql, why)

    def _add_near_miss(
        self, base: BaseStatement, group: str, name: str, sql: str, why: str
    ) -> None:
        self.twin(why)
        key = reference_key(sql)
        if key == reference_key(base.sql):
            self.log.append(f"near miss equals base in {group}: {sql!r}")
            return
        nm_group = self.new_group(name, sql, NEAR_MISS)
        if nm_group == group:
            return
        if nm_group == name and choice_hash(nm_group) % 5 == 0:
            formatted = format_variant(sql, 3)
            variant = literal_variant(sql, 2, base.alts, is_utility(sql))
            variant = variant if variant and reference_key(variant) == key else formatted
            valid = self.validator
            if reference_key(variant) == key and (valid.valid(variant) or not valid.valid(sql)):
                self.add(nm_group, variant, LITERAL if variant != formatted else FORMAT)
        pair = sorted((group, nm_group))
        if not any(sorted((a, b)) == pair for a, b, _ in self.near):
            self.near.append((group, nm_group, why))

    def _near_misses(self, base: BaseStatement, utility: bool) -> list[tuple[str, str]]:
        """The declared near misses, then the automatic ones `base.auto` asks for."""
        out = list(base.near)
        auto = base.auto
        if auto is None:
            auto = 0 if utility or out or choice_hash(base.group) % 3 == 0 else 1
        if not auto:
            return out
        base_key = reference_key(base.sql)
        r = choice_hash(base.group)
        mutations = PRIMARY[r % len(PRIMARY) :] + PRIMARY[: r % len(PRIMARY)]
        mutations += FALLBACK[r % len(FALLBACK) :] + FALLBACK[: r % len(FALLBACK)]
        got = 0
        base_ok = self.validator.valid(base.sql)
        for mutation in mutations:
            res = mutation(tokens(base.sql))
            if not res:
                continue
            sql, why = res
            key = reference_key(sql)
            if key == base_key or any(key == reference_key(s) for s, _ in out):
                continue
            self.twin(why)
            if base_ok and not self.validator.valid(sql):
                self.log.append(f"automatic near miss rejected by the server: {sql!r}")
                continue
            out.append((sql, why))
            got += 1
            if got >= auto:
                break
        return out

    def records(self) -> list[dict[str, object]]:
        """The corpus file's records: statements group by group, then near-miss declarations."""
        records: list[dict[str, object]] = [
            {"group": group, "sql": sql, "source": source}
            for group, members in self.groups.items()
            for sql, source in members
        ]
        records += [{"near_miss": [a, b], "why": why} for a, b, why in self.near]
        return records

    def write(self, path: Path) -> None:
        """Write the corpus as JSON lines."""
        with path.open("w", encoding="utf-8") as out:
            for record in self.records():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def source_counts(self) -> Counter[str]:
        """Statements by source, without the page or note (postgres-docs, generated:...)."""
        return Counter(
            source.split(" (")[0].split(":")[0]
            + (":" + source.split(":")[1].split(" ")[0] if source.startswith("generated") else "")
            for members in self.groups.values()
            for _, source in members
        )


def variant_candidates(base: BaseStatement, utility: bool) -> list[tuple[str, str]]:
    """Variants to try, in order, each with its source: lists, literals, placeholders, format."""
    sql, alts = base.sql, base.alts
    vary = base.vary or not utility
    params = not utility
    hv = choice_hash(base.group)
    lists = (
        [] if utility else [v for k in (hv % 4, hv % 4 + 1) if (v := list_variant(sql, k, alts))]
    )
    lits = [v for k in (0, 1) if vary and (v := literal_variant(sql, k, alts, utility))]
    phs = [v for k in (hv % 3, hv % 3 + 1) if params and (v := placeholder_variant(sql, k, alts))]
    by_type = {
        "literal": [(v, LITERAL) for v in lits[:1]],
        "placeholder": [(phs[0], PLACEHOLDER)] if phs else [],
        "format": [(format_variant(lits[1] if len(lits) > 1 else sql, hv % 7), FORMAT)],
    }
    kinds = ["literal", "placeholder", "format"]
    kinds = kinds[hv % 3 :] + kinds[: hv % 3]
    candidates = [(lists[0], LIST)] if lists else []
    n_alts = max((len(v) for v in alts.values()), default=0)
    for k in range(1, n_alts):
        if v := literal_variant(sql, k, alts, utility):
            candidates.append((format_variant(v, k) if k % 2 else v, LITERAL))
    for kind in kinds:
        candidates += by_type[kind]
    if phs:
        candidates.append((format_variant(phs[-1], hv % 3 + 2), PLACEHOLDER))
    if len(lists) > 1:
        candidates.append((format_variant(lists[1], 3), LIST))
    return candidates


def n_variants(base: BaseStatement, utility: bool) -> int:
    """How many variants the group of `base` gets, besides one per extra literal alternative."""
    hv = choice_hash(base.group)
    if utility:
        return hv % 2
    return 1 + (hv % 4 == 0) + (1 if find_lists(tokens(base.sql)) else 0)
