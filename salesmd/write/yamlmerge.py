"""A three-way merge of a record's front matter, key by key: the merge driver's core. Pure: text
in, text out, no I/O (git/merge_driver.py reads the files and merges the bodies).

The result is ours' text with only what theirs changed (and ours did not) brought in: a key theirs
changed gets theirs' lines in ours' place, a key theirs removed loses its lines, a key theirs
added is inserted after the key it follows in theirs. Ours' comments, key order, quoting, blank
lines and line breaks stay byte for byte (STYLE.md habit 7). A key changed two ways (or one the
caller's rules refuse) becomes a conflict: git's markers around just that key's lines.

Values are compared as the reader reads them (a date quoted or not is one date), and the lines
as written too: a key whose lines only theirs changed (a comment added, say) gets theirs' lines,
and so does the text between keys (whole-line comments, blank lines) where only theirs changed
it. Where both changed a key's lines to the same value and theirs' hold a comment ours' lack, or
both changed the text between two keys, nothing may be lost: NotMergeable.
A file this cannot merge safely raises NotMergeable: the caller then merges it as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from ..dates import coerce_dates
from ..store.frontmatter import parse_yaml, split
from .yamledit import _SCANNER, _front, _same, _top_level_items, read_back

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
"""A key's value on a side that does not have the key."""


class NotMergeable(Exception):
    """Not a record's front matter that can be merged key by key; merge the file as text."""


@dataclass
class Side:
    """One version of the file: its front matter located and read."""

    text: str
    yaml: str = ""
    start: int = 0  # where `yaml` starts in `text`
    nl: str = "\n"
    data: dict = field(default_factory=dict)  # as read, dates coerced as the record's type takes them
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> its lines in `yaml`
    body: str = ""
    column: int = 0

    def get(self, key: str) -> Any:
        return self.data.get(key, MISSING)

    def lines(self, key: str, nl: str) -> str:
        """The key's lines as written (comment and all), with `nl` line breaks, ending in one."""
        if key not in self.spans:
            return ""
        lo, hi = self.spans[key]
        text = self.yaml[lo:hi].replace("\r\n", "\n").replace("\n", nl)
        return text if text.endswith(nl) else text + nl

    def gaps(self) -> dict[str | None, tuple[int, int]]:
        """The text between keys (whole-line comments, blank lines), each named by the key it
        follows (None: before the first key) -> where it is in `yaml`."""
        order = sorted(self.spans.items(), key=lambda kv: kv[1])
        out: dict[str | None, tuple[int, int]] = {None: (0, order[0][1][0] if order else len(self.yaml))}
        for i, (key, (_, hi)) in enumerate(order):
            out[key] = (hi, order[i + 1][1][0] if i + 1 < len(order) else len(self.yaml))
        return out

    def gap(self, after: str | None) -> str | None:
        """The text between keys after key `after` (LF line breaks); None where there is no such key."""
        where = self.gaps().get(after)
        return None if where is None else self.yaml[where[0]:where[1]].replace("\r\n", "\n")


def read_side(text: str, empty_ok: bool = False) -> Side:
    """`text` as a Side; NotMergeable unless it has front matter our editors can edit (a mapping,
    top-level keys one per line, no YAML problems). `empty_ok`: an empty text (the base of a file
    both sides added) is a Side with no keys and no body."""
    if empty_ok and not text:
        return Side(text)
    parts = split(text)
    if not parts.has_front_matter or parts.unclosed:
        raise NotMergeable("no front matter")
    parsed = parse_yaml(parts.yaml_text, line_offset=parts.yaml_line)
    if parsed.issues or not isinstance(parsed.data, (dict, type(None))):
        raise NotMergeable("front matter that does not read as a mapping of keys")
    data = parsed.data or {}
    try:
        yaml_text, start, nl = _front(text)
        items, column = _top_level_items(yaml_text)
    except ValueError as e:
        raise NotMergeable(str(e)) from None
    if len(items) != len(data):
        raise NotMergeable("keys that read as equal")
    type_ = data.get("type")
    values = coerce_dates(type_, data) if isinstance(type_, str) else data
    spans = {key: (item.line_start, item.end) for key, item in zip(data, items)}
    return Side(text, yaml_text, start, nl, dict(values), spans, parts.body, column)


@dataclass
class Conflict:
    key: str
    reason: str = ""  # why the rules refused a clean merge ("" for a key changed two ways)


@dataclass
class Markers:
    """How conflicts are written: git's marker size and labels; `base` adds the base's lines
    (merge.conflictStyle diff3)."""

    size: int = 7
    ours: str = "ours"
    theirs: str = "theirs"
    base: str | None = None


# (base, ours, theirs, merged) -> {key: why the merged value may not stand}
Rules = Callable[[dict, dict, dict, dict], dict[str, str]]


@dataclass
class Merged:
    yaml: str  # ours' front matter with the merge made (and conflict hunks, if any)
    data: dict  # the merged values (ours' where a key conflicts)
    conflicts: list[Conflict]


def merge_front(base: Side, ours: Side, theirs: Side, rules: Rules | None = None,
                markers: Markers = Markers()) -> Merged:
    """The front matter merged three ways; see the module's docstring."""
    merged = dict(ours.data)
    taken: list[str] = []  # keys whose merged value is theirs' (or gone, as in theirs)
    conflicts: dict[str, str] = {}
    for key in dict.fromkeys([*ours.data, *theirs.data, *base.data]):
        b, o, t = base.get(key), ours.get(key), theirs.get(key)
        if _same(o, t) or _same(t, b):  # the merged value is ours': theirs' lines may still matter
            lb, lo, lt = (side.lines(key, "\n") for side in (base, ours, theirs))
            if lt == lb or lt == lo:
                continue
            if lo == lb:  # only theirs rewrote the key (a comment added, say): theirs' lines
                taken.append(key)
            elif not set(_comments(lt)) <= set(_comments(lo)):
                raise NotMergeable(f"both sides rewrote {key!r}, theirs with a comment ours lacks")
            continue
        if _same(o, b):
            taken.append(key)
            if t is MISSING:
                del merged[key]
            else:
                merged[key] = t
        else:
            conflicts[key] = ""
    for key, reason in (rules(base.data, ours.data, theirs.data, merged) if rules else {}).items():
        conflicts[key] = reason
        if key in taken:
            taken.remove(key)
        if ours.get(key) is MISSING:
            merged.pop(key, None)
        else:
            merged[key] = ours.data[key]
    gaps, after = _merge_gaps(base, ours, theirs, taken)
    # Ours' lines where a key conflicts, to prove the splicing reads back as meant.
    resolved = _splice(base, ours, theirs, taken, {}, markers, gaps, after)
    try:
        got = read_back(ours.text[:ours.start] + resolved + ours.text[ours.start + len(ours.yaml):])
    except ValueError as e:  # theirs' lines do not fit ours' (keys indented otherwise, say)
        raise NotMergeable(str(e)) from None
    type_ = got.get("type")
    got = coerce_dates(type_, got) if isinstance(type_, str) else got
    if set(got) != set(merged) or not all(_same(got[k], merged[k]) for k in got):
        raise NotMergeable("the merged front matter would not read back as merged")
    text = _splice(base, ours, theirs, taken, conflicts, markers, gaps, after) if conflicts else resolved
    return Merged(text, merged, [Conflict(k, r) for k, r in conflicts.items()])


def _merge_gaps(base: Side, ours: Side, theirs: Side, taken: list[str]
                ) -> tuple[list[tuple[int, int, str]], dict[str, str]]:
    """The text between keys merged: theirs' where only theirs changed it, NotMergeable where both
    did. (replacements in ours' YAML, text to put after a key theirs added as it inserts it)."""
    nl = ours.nl
    replace: list[tuple[int, int, str]] = []
    after: dict[str, str] = {}
    where = ours.gaps()
    for key in dict.fromkeys([None, *ours.spans, *theirs.spans, *base.spans]):
        gb, go, gt = base.gap(key), ours.gap(key), theirs.gap(key)
        if gt is None or gt == gb or gt == go:
            continue  # theirs has no such key (nothing of theirs to lose), or kept or matched ours
        if go != gb:
            raise NotMergeable("both sides changed the text between keys")
        text = gt.replace("\n", nl)
        if go is not None:
            replace.append((*where[key], text))
        elif key in taken:  # a key theirs added, and the text theirs wrote after it
            after[key] = text
        else:
            raise NotMergeable("text between keys that has no place in ours")
    return replace, after


def _comments(text: str) -> list[str]:
    """The YAML comments in `text` (a key's lines), each as written; one that cannot be told from
    the value (the lines do not scan) is the whole text."""
    try:
        covered = [(t.start_mark.index, t.end_mark.index) for t in yaml.scan(text, Loader=_SCANNER)]
    except yaml.YAMLError:
        return [text]
    return [m.group().rstrip("\r") for m in re.finditer(r"(?:^|(?<=[ \t]))#[^\n]*", text, re.M)
            if not any(lo <= m.start() < hi for lo, hi in covered)]


def _splice(base: Side, ours: Side, theirs: Side, taken: list[str], conflicts: dict[str, str],
            markers: Markers, gaps: list[tuple[int, int, str]] = (), after: dict[str, str] | None = None) -> str:
    """Ours' YAML with theirs' lines for the `taken` keys, a hunk for each conflict, and `gaps`
    (from, to, text) replaced; `after`: text to put after a key ours lacks as it is inserted."""
    nl = ours.nl
    edits: list[tuple[int, int, int, str]] = [(lo, hi, -1, text) for lo, hi, text in gaps]  # before keys inserted there
    for n, key in enumerate([*taken, *conflicts]):
        if key in conflicts:
            new = _hunk(base.lines(key, nl), ours.lines(key, nl), theirs.lines(key, nl),
                        conflicts[key], markers, nl)
        else:
            new = theirs.lines(key, nl) + ("" if key in ours.spans else (after or {}).get(key, ""))
        if key in ours.spans:
            lo, hi = ours.spans[key]
            edits.append((lo, hi, 0, new))
        else:
            at = _anchor(ours, theirs, key)
            at = next((hi for lo, hi, _ in gaps if lo == at), at)  # after the text theirs wrote there
            edits.append((at, at, list(theirs.data).index(key) if key in theirs.data else n, new))
    yaml = ours.yaml
    if yaml and not yaml.endswith("\n") and any(lo == len(yaml) for lo, _, _, _ in edits):
        yaml += nl
    for lo, hi, _, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0], e[2]), reverse=True):
        yaml = yaml[:lo] + new + yaml[hi:]
    return yaml


def _anchor(ours: Side, theirs: Side, key: str) -> int:
    """Where a key ours lacks goes: after the nearest key before it in theirs that ours has
    (else before ours' first key)."""
    order = list(theirs.data) if key in theirs.data else []
    for before in reversed(order[:order.index(key)] if key in order else []):
        if before in ours.spans:
            return ours.spans[before][1]
    return min((lo for lo, _ in ours.spans.values()), default=len(ours.yaml))


def _hunk(base: str, ours: str, theirs: str, reason: str, markers: Markers, nl: str) -> str:
    size = markers.size
    why = f"# salesmd merge: {reason}{nl}" if reason else ""
    middle = f"{'|' * size} {markers.base}{nl}{base}" if markers.base is not None else ""
    return (f"{why}{'<' * size} {markers.ours}{nl}{ours}{middle}{'=' * size}{nl}"
            f"{theirs}{'>' * size} {markers.theirs}{nl}")
