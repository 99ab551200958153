"""Reading one cell that holds more than a plain value: the records a cell names, list items,
the quote the export puts before a formula, a custom key's type."""

from __future__ import annotations

import datetime as dt
import re

from ..render.output import FORMULA_START
from .plan import Ref

CONTACT_REF = re.compile(r"^(.*?)\s*[(<]\s*([^()<>\s]+@[^()<>\s]+)\s*[)>]$")


def split_refs(text: str) -> list[Ref]:
    """'Jane Doe (jane@acme.example); Li Wei' -> refs, for a column that lists records: names are
    separated by ';' or new lines, except inside double quotes ('"Smith; Jones LLC"; Li Wei' is two)."""
    return [one_ref(part) for part in split_list(text)]


def split_list(text: str, separators: str = ";\n") -> list[str]:
    """The items of a list cell: split at `separators` outside double quotes, each stripped and
    unquoted, empty ones dropped."""
    parts, current, quoted = [], [], False
    for char in text + separators[0]:
        if char == '"':
            quoted = not quoted
        if char in separators and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    return [_unquote(p) for p in parts if _unquote(p)]


def unneutralised(text: str) -> str:
    """A cell of salesmd's export as the record has it: the quote that keeps a spreadsheet from
    running '=...' as a formula taken off (export.csv_cell puts it there)."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in FORMULA_START else text


INT = re.compile(r"[-+]?(0|[1-9]\d*)")
FLOAT = re.compile(r"[-+]?(0|[1-9]\d*)\.\d+")


def scalar(text: str):
    """A custom key's cell as front matter would type it: a whole or decimal number, true or false,
    a date; anything else (a number with a leading zero, a phone number) stays text."""
    if INT.fullmatch(text):
        return int(text)
    if FLOAT.fullmatch(text):
        return float(text)
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _unquote(text: str) -> str:
    return text[1:-1].strip() if len(text) >= 2 and text[0] == text[-1] == '"' else text


def one_ref(text: str) -> Ref:
    """One named record: 'Jane Doe (jane@acme.example)', 'jane@acme.example' or a name or id."""
    part = _unquote(text.strip())
    m = CONTACT_REF.match(part)
    if m and m.group(1):
        return Ref(_unquote(m.group(1).strip()), m.group(2))
    if "@" in part and " " not in part:
        return Ref(part, part)
    return Ref(part)
