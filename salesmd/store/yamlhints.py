"""Plain-language hints for the YAML syntax errors people make most in front matter.

A parser says "mapping values are not allowed here"; a person needs "quote it: name: "Acme: fleet
renewal"". The hint is read off the offending line itself, never off the parser's wording, which
differs between parsers and releases.
"""

from __future__ import annotations

import re

KEY_VALUE = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[^\s#'\"\[{][^:#]*?|\"[^\"]*\"|'[^']*'):[ ]+(?P<value>.*?)[ ]*\r?$")
BAD_START = ("@", "`", "%")


def quote_hint(line: str) -> str | None:
    """What to change on `line` (one line of front matter) so that YAML reads it, or None."""
    indent = line[:len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent:
        return "indent with spaces: YAML does not allow tabs at the start of a line"
    m = KEY_VALUE.match(line)
    if m is None:
        return None
    value = m["value"]
    if value[:1] not in ("'", '"'):
        value = re.split(r"[ \t]#", value, maxsplit=1)[0].rstrip()
    if not value or value[0] in "[{|>&*!#":
        return None
    reason = _why(value)
    if reason is None:
        return None
    if value[0] in "'\"" and len(value) > 1 and value[-1] == value[0]:
        value = value[1:-1]  # "Tom "Bull" Lee": the outer quotes were meant to hold the whole value
    return f"{reason}; quote the value: {m['lead'].lstrip(' ')}{m['key']}: {_quoted(value)}"


def _why(value: str) -> str | None:
    if value[0] in "'\"":
        end = value.find(value[0], 1)
        if end > 0 and value[end + 1:].strip() and not value[end + 1:].lstrip().startswith("#"):
            return "text follows the closing quote"
        return None
    if value.startswith("- ") or value == "-":
        return "a value cannot start with '- ' (YAML reads it as a list item)"
    if value[0] in BAD_START:
        return f"a value cannot start with '{value[0]}'"
    if ": " in value or value.endswith(":"):
        return "a colon in the value makes YAML read it as another key"
    return None


def _quoted(value: str) -> str:
    if '"' in value and "'" not in value:
        return "'" + value + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
