"""The filter language of `--filter` (list, export, pipeline), which `--where`, `--owner`,
`--territory` and `--stage` are the simplest cases of.

    amount>50000 AND stage!=won
    (stage=proposal OR stage=negotiation) AND close_date<2026-12-31
    name~=fleet OR company~="cold storage"

A comparison is KEY OP VALUE, OP one of = != < <= > >= ~=. AND binds tighter than OR;
parentheses group. `=` and `!=` compare text ignoring case (a list matches when one of its items
does, a link by its id; `key=` matches a missing or empty value); `~=` is "contains", ignoring
case; `<`, `<=`, `>`, `>=` compare numbers as numbers and dates as dates (`close_date<2026-12-31`;
a date-time by its day against a date), and never match a missing value. VALUE is a word, or
quoted ("two words", 'it''s' not needed: "it's"). Read by a small parser, never evaluated as code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..render.output import raw_cell

OPS = ("<=", ">=", "!=", "~=", "=", "<", ">")
ORDERED = ("<", "<=", ">", ">=")
KEY = re.compile(r"[A-Za-z_][\w.-]*")
SPACE = re.compile(r"\s*")
BARE = re.compile(r"[^\s()\"'<>=!~][^\s()\"']*")


class FilterError(ValueError):
    """A malformed expression; `column` is 1-based, in the text as given."""

    def __init__(self, message: str, column: int):
        super().__init__(f"column {column}: {message}")
        self.column = column


@dataclass(frozen=True)
class Comparison:
    key: str
    op: str
    value: str
    number: float | None = None  # the value read as a number, for an ordering
    day: dt.date | dt.datetime | None = None  # or as a date

    def test(self, read: Callable[[str], Any]) -> bool:
        value = read(self.key)
        values = value if isinstance(value, list) else [value]
        if self.op == "=":
            return _equal(values, self.value)
        if self.op == "!=":
            return not _equal(values, self.value)
        if self.op == "~=":
            want = self.value.casefold()
            return any(want in raw_cell(v).casefold() for v in values if v is not None)
        return any(self._ordered(v) for v in values)

    def _ordered(self, value) -> bool:
        if value is None or isinstance(value, bool):
            return False
        if self.number is not None and isinstance(value, (int, float)):
            return _compare(value, self.op, self.number)
        if self.day is not None:
            mine = value
            if isinstance(value, str):
                mine = _date(value)
            if isinstance(mine, dt.datetime) and not isinstance(self.day, dt.datetime):
                mine = mine.date()
            elif isinstance(self.day, dt.datetime) and isinstance(mine, dt.date) and not isinstance(mine, dt.datetime):
                mine = dt.datetime(mine.year, mine.month, mine.day)
            if isinstance(mine, dt.datetime):
                mine, theirs = mine.replace(tzinfo=None), self.day.replace(tzinfo=None)
            else:
                theirs = self.day
            if isinstance(mine, dt.date):
                return _compare(mine, self.op, theirs)
        return False


@dataclass(frozen=True)
class Both:
    parts: tuple

    def test(self, read) -> bool:
        return all(p.test(read) for p in self.parts)


@dataclass(frozen=True)
class Either:
    parts: tuple

    def test(self, read) -> bool:
        return any(p.test(read) for p in self.parts)


def _equal(values: list, want: str) -> bool:
    want = want.strip().casefold()
    if want == "" and all(v in (None, "") for v in values):
        return True
    return any(raw_cell(v).casefold() == want for v in values if v is not None)


def _compare(a, op: str, b) -> bool:
    return a < b if op == "<" else a <= b if op == "<=" else a > b if op == ">" else a >= b


def _date(text: str):
    try:
        return dt.datetime.fromisoformat(text) if "T" in text or " " in text.strip() else dt.date.fromisoformat(text)
    except ValueError:
        return None


def comparison(key: str, op: str, value: str, column: int = 1) -> Comparison:
    """One comparison, its value read for an ordering (a number or a date, else an error)."""
    number = day = None
    if op in ORDERED:
        try:
            number = float(value)
        except ValueError:
            day = _date(value.strip())
            if day is None:
                raise FilterError(f"{op} compares numbers and dates (2026-12-31): {value!r} is neither", column) \
                    from None
    return Comparison(key, op, value, number, day)


def where_comparison(text: str) -> Comparison:
    """`--where KEY=VALUE` (or KEY!=VALUE): a comparison whose value is the whole rest, spaces and all."""
    key, eq, value = text.partition("=")
    op = "="
    if key.endswith("!"):
        key, op = key[:-1], "!="
    if not eq or not KEY.fullmatch(key.strip()):
        raise FilterError(f"{text!r} must look like KEY=VALUE or KEY!=VALUE", 1)
    return Comparison(key.strip(), op, value)


def parse(text: str):
    """The expression as a tree of Comparison, Both (AND) and Either (OR); FilterError with the
    column where it goes wrong."""
    parser = _Parser(text)
    tree = parser.expression()
    parser.skip()
    if parser.pos < len(text):
        found = text[parser.pos]
        raise FilterError("unexpected ')' (no '(' opens it)" if found == ")" else
                          f"expected AND, OR or the end, found {text[parser.pos:].split()[0]!r}", parser.pos + 1)
    return tree


class _Parser:
    def __init__(self, text: str):
        self.text, self.pos = text, 0

    def skip(self) -> None:
        self.pos = SPACE.match(self.text, self.pos).end()

    def keyword(self, word: str) -> bool:
        self.skip()
        end = self.pos + len(word)
        if self.text[self.pos:end].upper() == word and (end == len(self.text) or not self.text[end].isalnum()):
            self.pos = end
            return True
        return False

    def expression(self):
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Either(tuple(parts))

    def conjunction(self):
        parts = [self.factor()]
        while self.keyword("AND"):
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else Both(tuple(parts))

    def factor(self):
        self.skip()
        if self.text.startswith("(", self.pos):
            opened = self.pos
            self.pos += 1
            inner = self.expression()
            self.skip()
            if not self.text.startswith(")", self.pos):
                raise FilterError(f"'(' at column {opened + 1} is never closed", self.pos + 1)
            self.pos += 1
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        start = self.pos
        key = KEY.match(self.text, self.pos)
        if key is None:
            what = "the end" if self.pos >= len(self.text) else repr(self.text[self.pos])
            raise FilterError(f"expected a comparison such as amount>50000 or stage=won, found {what}", start + 1)
        self.pos = key.end()
        self.skip()
        op = next((o for o in OPS if self.text.startswith(o, self.pos)), None)
        if op is None:
            raise FilterError(f"expected one of {' '.join(OPS)} after {key.group()!r}", self.pos + 1)
        self.pos += len(op)
        self.skip()
        at = self.pos
        value = self.value()
        if not value and (op in ORDERED or self.text[at:at + 1] in tuple("<>=!~")):
            found = repr(self.text[at]) if at < len(self.text) else "the end"
            raise FilterError(f"expected a value after {key.group()}{op}, found {found}", at + 1)
        return comparison(key.group(), op, value, at + 1)

    def value(self) -> str:
        text = self.text
        if self.pos < len(text) and text[self.pos] in "\"'":
            quote, start = text[self.pos], self.pos
            end = text.find(quote, start + 1)
            if end < 0:
                raise FilterError(f"this {quote} is never closed", start + 1)
            self.pos = end + 1
            return text[start + 1:end]
        bare = BARE.match(text, self.pos)
        if bare is None:
            return ""  # `key=` (then the end, a space or a parenthesis): a missing or empty value
        self.pos = bare.end()
        return bare.group()


def required(tree) -> list[Comparison]:
    """The comparisons every matching record must pass (those ANDed at the top)."""
    if isinstance(tree, Comparison):
        return [tree]
    if isinstance(tree, Both):
        return [c for p in tree.parts for c in required(p)]
    return []


def keys_of(tree) -> list[str]:
    if isinstance(tree, Comparison):
        return [tree.key]
    return [k for p in tree.parts for k in keys_of(p)]
