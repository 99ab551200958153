"""Selecting records: `key=value` filters and sorting, shared by list, export and reports, and the
one rule for a record's owner and territory (a task or activity without one takes its deal's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..model import Record
from ..render.output import cell, raw_cell
from ..store.vault import Vault


class QueryError(ValueError):
    pass


INHERITED = ("owner", "territory")  # keys a task or activity without its own takes from its deal
INHERITING = ("task", "activity")


def deal_of(vault: Vault, record: Record) -> Record | None:
    """The deal a task or activity is about: the first opportunity in its `related`, else the first lead."""
    related = vault.linked(record, "related")
    return next((r for r in related if r.type == "opportunity"), None) \
        or next((r for r in related if r.type == "lead"), None)


def effective(vault: Vault, record: Record, key: str) -> str | None:
    """A record's owner or territory as every command reads it (list, export, agenda, pipeline,
    the site): its own; a task or activity without one takes its deal's. An owner written as one
    of the aliases in salesmd.yaml's `owners:` is that owner's id."""
    own = _text(record.get(key))
    if own is None and key in INHERITED and record.type in INHERITING:
        deal = deal_of(vault, record)
        own = _text(deal.get(key)) if deal is not None else None
    return vault.config.roster.as_owner(own) if key == "owner" else own


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (list, dict)):
        return None
    return raw_cell(value).strip() or None  # as the record has it: made printable only when shown


def value_of(vault: Vault, record: Record, key: str) -> Any:
    """What a filter, a sort or a list column sees for `key`: the id, an inherited owner or
    territory, else the value as written."""
    if key == "id":
        return record.id
    return effective(vault, record, key) if key in INHERITED else record.get(key)


def tags_of(vault: Vault, record: Record) -> set[str]:
    """A record's tags as `--tag` compares them (any case, without a leading '#'); a task or
    activity carries its deal's tags too."""
    def own(r: Record) -> set[str]:
        value = r.get("tags")
        items = value if isinstance(value, list) else [value]
        return {raw_cell(t).strip().lstrip("#").casefold() for t in items if t not in (None, "")}

    found = own(record)
    if record.type in INHERITING:
        deal = deal_of(vault, record)
        if deal is not None:
            found |= own(deal)
    return found


def parse_filter(text: str):
    """`--where`'s KEY=VALUE or KEY!=VALUE as a comparison of the filter language (filters.py)."""
    from .filters import FilterError, where_comparison

    try:
        return where_comparison(text)
    except FilterError as e:
        raise QueryError(f"--where {text!r} must look like key=value or key!=value") from e


def matcher(vault: Vault, tree=None, tags=()):
    """`keep(record)`: whether a record passes the filter expression `tree` (filters.parse, with
    `owner=` written as an alias read as its owner) and has every tag in `tags`."""
    from .filters import Comparison, Both, Either

    roster = vault.config.roster

    def owned(node):
        if isinstance(node, Comparison):
            if node.key == "owner" and node.op in ("=", "!=") and node.value.strip():
                return Comparison(node.key, node.op, roster.as_owner(node.value.strip()) or "")
            return node
        return type(node)(tuple(owned(p) for p in node.parts)) if isinstance(node, (Both, Either)) else node

    tree = owned(tree) if tree is not None else None
    wanted = {t.strip().lstrip("#").casefold() for t in tags}

    def keep(record: Record) -> bool:
        if tree is not None and not tree.test(lambda key: value_of(vault, record, key)):
            return False
        return not wanted or wanted <= tags_of(vault, record)
    return keep, tree


class Sifted:
    """The vault as a report sees it with --filter or --tag: the records of each type it asks
    for are those `keep` takes; everything else (links, the records linking to one) is the vault's."""

    def __init__(self, vault: Vault, keep):
        self.vault, self.keep, self._types = vault, keep, {}

    def of_type(self, type_: str) -> list[Record]:
        if type_ not in self._types:
            self._types[type_] = [r for r in self.vault.of_type(type_) if self.keep(r)]
        return self._types[type_]

    def of_type_where(self, type_: str, key: str, value: str) -> list[Record]:
        return [r for r in self.vault.of_type_where(type_, key, value) if self.keep(r)]

    def of_type_with(self, type_: str, key: str) -> list[Record]:
        return [r for r in self.vault.of_type_with(type_, key) if self.keep(r)]

    def of_type_holding(self, type_: str, words: list[str]) -> list[Record]:
        return [r for r in self.vault.of_type_holding(type_, words) if self.keep(r)]

    def __getattr__(self, name: str):
        return getattr(self.vault, name)


def _sort_value(value: Any) -> tuple:
    """Sort numbers, dates and text apart from one another; missing values last."""
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (2, str(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, (dt.date, dt.datetime)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        return (1, moment.replace(tzinfo=None).isoformat())
    return (2, cell(value).casefold())


def _sieve_words(type_: str, parsed: list[tuple[str, bool, str]], aliased: bool = False) -> list[str]:
    """Words a record's stored text must hold for the filters to match it (vault.of_type_holding):
    each `key=value` whose value, as filters.py compares it, is written in the record's own text.
    Not for the id (not in the text), an owner or territory a task or activity may take from its
    deal, an owner a record may write as one of its aliases (`aliased`: salesmd.yaml lists owners),
    a value a date-time or number could be written otherwise, or text JSON escapes."""
    words = []
    for key, equal, value in parsed:
        want = value.strip().casefold()
        if not equal or not want or key == "id" or (key in INHERITED and type_ in INHERITING) \
                or (key == "owner" and aliased):
            continue
        if any(c in want for c in ':"\\') or not want.isprintable():
            continue
        try:
            float(want)
            continue
        except ValueError:
            words.append(want)
    return words


def select(vault: Vault, type_: str, filters: list[str], sort_key: str | None = None, tree=None,
           tags=(), limit: int | None = None) -> list[Record]:
    """The records of a type that pass every `--where`-style filter (KEY=VALUE, KEY!=VALUE), the
    filter expression `tree` (filters.parse) and carry every tag, sorted, the first `limit`."""
    from .filters import Both, required

    parts = [parse_filter(f) for f in filters] + ([tree] if tree is not None else [])
    keep, tree = matcher(vault, Both(tuple(parts)) if parts else None, tags)
    roster = vault.config.roster
    sure = [(c.key, True, c.value) for c in (required(tree) if tree is not None else []) if c.op == "="]
    sure += [(c.key, True, c.value) for c in (required(tree) if tree is not None else [])
             if c.op == "~=" and c.value.strip().isalpha()]
    sieve = _sieve_words(type_, sure, aliased=roster.owners is not None)
    records = [r for r in vault.of_type_holding(type_, sieve) if keep(r)]
    if sort_key:
        reverse = sort_key.startswith("-")
        key = sort_key.lstrip("-")
        keyed = [(value_of(vault, r, key), r) for r in records]  # each value read once
        present = [(v, r) for v, r in keyed if v not in (None, "")]
        missing = [r for v, r in keyed if v in (None, "")]  # not `r not in present`: a list scan per record
        present.sort(key=lambda p: _sort_value(p[0]), reverse=reverse)
        records = [r for _, r in present] + sorted(missing, key=lambda r: r.id)
    else:
        records = sorted(records, key=lambda r: r.id.casefold())
    return records if limit is None else records[:limit]
