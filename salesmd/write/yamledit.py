"""Minimal-diff edits of a record's YAML front matter (STYLE.md habit 7).

`set_keys` splices new values into the original text at each key's position: only the lines of
the keys that change are rewritten. Comments, key order, the quoting of other keys, blank lines,
line endings, a BOM and the Markdown body stay byte for byte. Every edit is read back before it
is returned, so a change that would not survive the round trip raises instead of being written.
Pure functions, no I/O: `files.py` does the guarded writing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Collection

import yaml

from ..dates import write_like, written
from ..store.frontmatter import CoreLoader, parse_yaml, split


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Any = _Delete()
"""Pass as a value to `set_keys` to remove that key's line(s)."""

_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_SPECIAL = frozenset(",[]{}:")
_YAML11_BOOLS = frozenset("yYnN")  # booleans in the YAML 1.1 spec, if not in PyYAML
# Line breaks that YAML (or str.splitlines) sees but a `\n`-based line count would not.
_AMBIGUOUS_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_NOT_PRINTABLE = re.compile(  # escaped in quotes: YAML non-printables, line breaks and the BOM
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
_SCANNER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the reference parser's own scanner
_OPENERS = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
            yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
_CLOSERS = (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


# ---------------------------------------------------------------------------------- rendering

def render_value(value: Any, *, flow: bool = False) -> str:
    """One value as YAML on one line, in house style (`flow=True` inside a flow collection)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _render_float(value)
    if isinstance(value, dt.datetime):
        return _render_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value if _plain_ok(value, flow) else _double_quoted(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v, flow=True) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render_key(k, flow=True)}: {render_value(v, flow=True)}"
                               for k, v in value.items()) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} to front matter: {value!r}")


def render_key(key: str, *, flow: bool = False) -> str:
    """A mapping key: plain when safe, double-quoted otherwise."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"keys must be non-empty strings, not {key!r}")
    if len(key) > 1000:
        raise ValueError("keys longer than 1000 characters are not valid YAML simple keys")
    return key if _plain_ok(key, flow) else _double_quoted(key)


def _render_float(x: float) -> str:
    if math.isnan(x):
        return ".nan"
    if math.isinf(x):
        return ".inf" if x > 0 else "-.inf"
    text = repr(float(x))  # shortest exact form; no exponent from 1e-4 up to 1e16
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"  # YAML 1.1 readers need the dot to see a float
    return text


def _render_datetime(value: dt.datetime) -> str:
    text = f"{value.date().isoformat()}T{value.hour:02d}:{value.minute:02d}"
    if value.second or value.microsecond:
        text += f":{value.second:02d}"
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    offset = value.utcoffset()
    if offset is not None:
        seconds = int(offset.total_seconds())
        if seconds % 60:
            raise ValueError(f"a UTC offset with seconds cannot be written: {value!r}")
        sign, minutes = ("-" if seconds < 0 else "+"), abs(seconds) // 60
        text += f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return text


def _plain_ok(s: str, flow: bool) -> bool:
    """True when `s` can be written unquoted and every YAML 1.1 or 1.2 reader gets `s` back."""
    if not s or s != s.strip() or s in _YAML11_BOOLS or s[0] in _INDICATORS:
        return False
    if ": " in s or " #" in s or s.endswith(":") or s.startswith("..."):
        return False
    if flow and not _FLOW_SPECIAL.isdisjoint(s):
        return False
    if not all(c == " " or c.isprintable() for c in s):
        return False
    for loader in (CoreLoader, yaml.SafeLoader):  # no number, bool, null, date... in either
        resolvers = loader.yaml_implicit_resolvers
        if any(regexp.match(s) for _, regexp in resolvers.get(s[0], []) + resolvers.get(None, [])):
            return False
    return True


def _double_quoted(s: str) -> str:
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif _NOT_PRINTABLE.match(c):
            code = ord(c)
            if 0xD800 <= code <= 0xDFFF:
                raise ValueError(f"a lone surrogate cannot be written as UTF-8: {s!r}")
            out.append(f"\\x{code:02X}" if code < 0x100 else
                       f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------------------------- editing

@dataclass
class _Item:
    """Where one top-level `key: value` sits in the YAML text (character offsets)."""

    line_start: int  # start of the key's line
    colon_end: int  # just after the `:`
    value_end: int  # just after the value's last non-blank character
    end: int  # just after the line break ending the value's last line
    key_span: tuple[int, int] = (0, 0)  # the key's own characters, quotes included
    scalars: list[tuple[int, int, bool]] = field(default_factory=list)  # the value's scalars, and list
    # items one level down: (start, end, inside a flow collection)
    valued: bool = False  # the `:` has been passed: scalars from here on are the value's


def read_back(text: str) -> dict:
    """The front matter of a whole file as our reader sees it (YAML 1.2 core schema)."""
    parts = split(text)
    if not parts.has_front_matter or parts.unclosed:
        raise ValueError("the file has no front matter (a '---' line, YAML, a '---' line)")
    parsed = parse_yaml(parts.yaml_text, line_offset=parts.yaml_line)
    if parsed.issues:
        issue = parsed.issues[0]
        raise ValueError(f"line {issue.line}: {issue.message}")
    if parsed.data is None:
        return {}
    if not isinstance(parsed.data, dict):
        raise ValueError("the front matter is not a mapping of keys to values")
    return parsed.data


def set_keys(text: str, changes: dict[str, Any], dates: Collection[str] = ()) -> str:
    """Return `text` with each key of `changes` set to its value (or removed, for `DELETE`).

    Existing keys are rewritten in place, new keys are appended before the closing `---`, and a
    key whose value already equals the new one is left alone. Everything else is kept byte for
    byte. On the keys in `dates` (those that take a date: the reader reads a quoted one as the
    date), a date is written in the style of the one it replaces (`_in_style`). Raises ValueError
    for files it cannot edit safely (no or unclosed front matter, invalid YAML, duplicate keys,
    flow-style or `?` complex top-level keys, unusual line breaks).
    """
    data = read_back(text)
    yaml_text, start, nl = _front(text)
    items, column = _top_level_items(yaml_text)
    if len(items) != len(data):
        raise ValueError("the front matter has keys that read as equal (like 1 and true)")
    where = dict(zip(data, items))
    expected = dict(data)
    splices: list[tuple[int, int, str]] = []
    appended = ""
    for key, value in changes.items():
        render_key(key)  # validates the key
        if key in where:
            item = where[key]
            if value is DELETE:
                splices.append((item.line_start, item.end, ""))
                del expected[key]
            elif not _same(data[key], value):
                old = yaml_text[item.colon_end:item.value_end].strip()
                rendered, reads_as = _in_style(old, value) if key in dates else (render_value(value), value)
                if rendered != old:
                    splices.append((item.line_start, item.end, _replacement(yaml_text, item, rendered, nl)))
                    expected[key] = reads_as
        elif value is not DELETE:
            appended += " " * column + f"{render_key(key)}: {render_value(value)}{nl}"
            expected[key] = value
    new_yaml = yaml_text
    for lo, hi, replacement in sorted(splices, reverse=True):
        new_yaml = new_yaml[:lo] + replacement + new_yaml[hi:]
    if appended and new_yaml and not new_yaml.endswith("\n"):
        new_yaml += nl
    result = text[:start] + new_yaml + appended + text[start + len(yaml_text):]
    got = read_back(result)
    if not _same(got, expected):
        wrong = next((k for k in {**expected, **got} if k not in got or k not in expected
                      or not _same(got[k], expected[k])), "key order")
        raise ValueError(f"refused: the edit would change how {wrong!r} reads back")
    return result


def _in_style(old: str, value: Any) -> tuple[str, Any]:
    """`value` rendered to replace the value written `old`, and what it reads back as. A date or
    datetime over a date keeps the old one's style (FORMAT.md): quoted if it was, with a space
    instead of `T` if it had one, seconds and a fraction if it had them, a date as midnight UTC
    if that is how a JavaScript tool saved the old one."""
    style = written(old) if isinstance(value, dt.date) else None
    if style is None:
        return render_value(value), value
    rendered = write_like(value, style)
    parsed = parse_yaml(f"v: {rendered}\n")
    return rendered, parsed.data["v"]


def _front(text: str) -> tuple[str, int, str]:
    """The front matter's YAML text, where it starts in `text`, and the file's line break."""
    parts = split(text)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    start = text.index("\n") + 1  # just after the opening `---` line
    opening = text[len(bom):start]
    yaml_text = parts.yaml_text
    if _AMBIGUOUS_BREAKS.search(opening + yaml_text):
        raise ValueError("the front matter has line breaks other than LF or CRLF")
    if text[start:start + len(yaml_text)] != yaml_text:
        raise ValueError("the front matter does not start on the line after the opening '---'")
    return yaml_text, start, "\r\n" if opening.endswith("\r\n") else "\n"


def _top_level_items(yaml_text: str) -> tuple[list[_Item], int]:
    """Locate each top-level key, in order, from the token stream; also the keys' column."""
    try:
        tokens = list(yaml.scan(yaml_text, Loader=_SCANNER))[1:-1]
    except yaml.YAMLError as e:
        raise ValueError(f"invalid YAML: {e}") from None
    if not tokens:
        return [], 0
    if not isinstance(tokens[0], yaml.BlockMappingStartToken):
        raise ValueError("the front matter must be a block mapping (one `key: value` per line)")
    items: list[_Item] = []
    column, depth, flows = tokens[0].start_mark.column, 0, 0
    for i, tok in enumerate(tokens):
        if isinstance(tok, yaml.BlockEndToken):  # placed at the next token: not content
            depth -= 1
            continue
        if depth == 1 and isinstance(tok, yaml.KeyToken):
            simple = tok.start_mark.index == tok.end_mark.index
            if not (simple and isinstance(tokens[i + 1], yaml.ScalarToken)
                    and isinstance(tokens[i + 2], yaml.ValueToken)):
                raise ValueError(f"line {tok.start_mark.line + 2}: only plain `key: value` "
                                 "top-level keys can be edited")
            line_start = yaml_text.rfind("\n", 0, tok.start_mark.index) + 1
            if yaml_text[line_start:tok.start_mark.index].strip(" "):
                raise ValueError(f"line {tok.start_mark.line + 2}: a key must start its line")
            colon_end = tokens[i + 2].end_mark.index
            key_span = (tokens[i + 1].start_mark.index, tokens[i + 1].end_mark.index)
            items.append(_Item(line_start, colon_end, colon_end, colon_end, key_span))
        elif items:  # the key, the colon and the value's tokens, nested ones included
            span = yaml_text[tok.start_mark.index:tok.end_mark.index].rstrip(" \t\r\n")
            items[-1].value_end = max(items[-1].value_end, tok.start_mark.index + len(span))
            if depth == 1 and isinstance(tok, yaml.ValueToken):
                items[-1].valued = True
            elif items[-1].valued and depth <= 2 and isinstance(tok, yaml.ScalarToken):
                items[-1].scalars.append((tok.start_mark.index, tok.end_mark.index, flows > 0))
        if isinstance(tok, _OPENERS):
            depth += 1
            flows += isinstance(tok, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken))
        elif isinstance(tok, _CLOSERS):
            depth -= 1
            flows -= 1
    for item in items:
        line_break = yaml_text.find("\n", item.value_end)
        item.end = len(yaml_text) if line_break < 0 else line_break + 1
    return items, column


def rename_keys(text: str, renames: dict[str, str]) -> str:
    """Return `text` with each top-level key named in `renames` renamed. Only the key's own
    characters change: its line keeps its value text, quoting and comment, and everything else
    stays byte for byte. Raises ValueError where a new name is a key the front matter keeps (it
    would hold that key twice), and wherever set_keys would."""
    data = read_back(text)
    todo = {old: new for old, new in renames.items() if old in data and old != new}
    if not todo:
        return text
    names = [todo.get(k, k) for k in data]
    for old, new in todo.items():
        render_key(new)
        if names.count(new) > 1:
            raise ValueError(f"'{old}' cannot be renamed '{new}': the front matter would hold '{new}' twice")
    yaml_text, start, _ = _front(text)
    items, _ = _top_level_items(yaml_text)
    new_yaml = yaml_text
    for key, item in reversed(list(zip(data, items))):
        if key in todo:
            lo, hi = item.key_span
            new_yaml = new_yaml[:lo] + render_key(todo[key]) + new_yaml[hi:]
    return _checked(text[:start] + new_yaml + text[start + len(yaml_text):],
                    {todo.get(k, k): v for k, v in data.items()})


def value_texts(text: str, key: str) -> list[str]:
    """The source text of each scalar of top-level `key`'s value (the value itself, or each item
    of a flat list), quotes included: what the writer typed before YAML read it."""
    data = read_back(text)
    yaml_text, _, _ = _front(text)
    item = dict(zip(data, _top_level_items(yaml_text)[0])).get(key)
    return [] if item is None else [yaml_text[lo:hi] for lo, hi, _ in item.scalars]


def set_items(text: str, key: str, values: list) -> str:
    """Return `text` with the list under top-level `key` set to `values`, item by item: in a flat
    list of as many scalars, each changed item is rewritten where it stands (a block list keeps its
    lines, a flow list its brackets and spacing); any other value is replaced whole, as set_keys does."""
    data = read_back(text)
    old = data.get(key)
    yaml_text, start, _ = _front(text)
    item = dict(zip(data, _top_level_items(yaml_text)[0])).get(key)
    if (item is None or not isinstance(old, list) or len(old) != len(values) or len(item.scalars) != len(old)
            or any(isinstance(v, (list, dict)) for v in [*old, *values])):
        return set_keys(text, {key: list(values)})
    new_yaml = yaml_text
    for (lo, hi, flow), before, after in reversed(list(zip(item.scalars, old, values))):
        if not _same(before, after):
            new_yaml = new_yaml[:lo] + render_value(after, flow=flow) + new_yaml[hi:]
    return _checked(text[:start] + new_yaml + text[start + len(yaml_text):], {**data, key: list(values)})


def _checked(result: str, expected: dict) -> str:
    """`result` if it reads back as `expected`, key order included; else ValueError."""
    got = read_back(result)
    if list(got) != list(expected) or not _same(got, expected):
        wrong = next((k for k in {**expected, **got} if k not in got or k not in expected
                      or not _same(got[k], expected[k])), "key order")
        raise ValueError(f"refused: the edit would change how {wrong!r} reads back")
    return result


def _replacement(yaml_text: str, item: _Item, rendered: str, nl: str) -> str:
    """The new line for `item`: its indentation and key as they were, then the new value.

    A comment after a one-line value, or after the key when the value started on later lines,
    is kept; comments inside a multi-line value go with the old value.
    """
    key_line_end = yaml_text.find("\n", item.colon_end)
    if key_line_end < 0 or item.value_end <= key_line_end:
        tail = yaml_text[item.value_end:item.end]
    else:
        tail = yaml_text[item.colon_end:key_line_end]
    tail = tail.rstrip("\r\n")
    comment = tail if tail.lstrip(" \t").startswith("#") else ""
    return f"{yaml_text[item.line_start:item.colon_end]} {rendered}{comment}{nl}"


def _same(a: Any, b: Any) -> bool:
    """Equal in value and in kind: 1, 1.0 and true differ; a tuple is the list it is written as."""
    def kind(v: Any) -> Any:
        for t in (bool, int, float, str, dt.datetime, dt.date, dict):
            if isinstance(v, t):
                return t
        return list if isinstance(v, (list, tuple)) else type(v)

    if kind(a) is not kind(b):
        return False
    if kind(a) is float:
        return a == b or (math.isnan(a) and math.isnan(b))
    if kind(a) is list:
        return len(a) == len(b) and all(map(_same, a, b))
    if kind(a) is dict:
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b
