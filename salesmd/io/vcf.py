"""The content lines of one vCard (2.1, 3.0 or 4.0) as programs really write them.

A small reader instead of a strict parser, because real exports break the specs in known ways and
one odd property must not cost the whole card:

- folded lines (RFC 6350 3.2, RFC 2425 5.8.1): a line starting with a space or tab continues the
  previous one. In 3.0 and 4.0 that one character goes; in 2.1 folding happens at white space, so
  the white space stays.
- quoted-printable values (vCard 2.1 `ENCODING=QUOTED-PRINTABLE`, or the bare `QUOTED-PRINTABLE`
  parameter): a `=` at the end of a line is a soft line break and the value goes on in the next
  line, which is not indented (Android 2.1). `CHARSET=` names the bytes' encoding.
- base64 blocks (PHOTO, LOGO, SOUND, KEY): their continuation lines are often not indented and
  end at a blank line (Outlook, Lotus Notes, Nokia), so a line without a `:` after a base64
  property belongs to it.
- parameters: 2.1 bare types (`TEL;CELL;PREF:`), 3.0 `TYPE=a,b` and repeated `TYPE=`, 4.0 `PREF=1`
  and quoted values (`TYPE="voice,work"`); Apple's `item1.EMAIL` groups, whose `item1.X-ABLabel`
  names the value.

Every line that still cannot be read is reported with its line number and left out.
"""

from __future__ import annotations

import codecs
import quopri
import re
from dataclasses import dataclass, field

ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"}
END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.I)  # a soft break at a card's last value ends there
NAME = re.compile(r"^(?:([A-Za-z0-9_-]+)\.)?([A-Za-z0-9_-]+)$")  # '_' is not in the specs, but in real files


@dataclass
class Prop:
    """One property: its name (upper case), group, parameters and raw value, and its first line."""

    name: str
    value: str  # the text after the first ':' outside quotes, unfolded, not yet decoded
    line: int
    group: str = ""
    version: str = "3.0"
    params: dict[str, list[str]] = field(default_factory=dict)  # upper-case keys; TYPE values lower case

    @property
    def types(self) -> set[str]:
        types = set(self.params.get("TYPE", []))
        if "PREF" in self.params:
            types.add("pref")
        return types

    @property
    def encoding(self) -> str:
        return (self.params.get("ENCODING") or [""])[0].upper()

    def text(self) -> str:
        """The value as text: quoted-printable decoded in its charset, backslash escapes undone."""
        return unescape(self._decoded(), self.version)

    def parts(self, lists: str = ",") -> list[str]:
        """A structured value (N, ORG, ADR) split at its unescaped ';', each part unescaped; the values of
        a part that is a list (3.0 and 4.0: N's 'Philip,Paul') joined by `lists`."""
        parts = re.split(r"(?<!\\);", self._decoded())
        if self.version != "2.1":
            parts = [re.sub(r"(?<!\\),", lists, p) for p in parts]
        return [unescape(p, self.version) for p in parts]

    def _decoded(self) -> str:
        if self.encoding != "QUOTED-PRINTABLE":
            return self.value
        raw = quopri.decodestring(self.value.encode("utf-8"))
        for charset in (self.params.get("CHARSET") or [""])[:1] + ["utf-8", "cp1252"]:
            try:
                return raw.decode(codecs.lookup(charset).name) if charset else raw.decode("utf-8")
            except (LookupError, UnicodeError):  # an unknown charset, or one that is not a text encoding
                continue
        return raw.decode("latin-1")  # cp1252 leaves five bytes undefined; latin-1 reads every byte


def unescape(value: str, version: str = "3.0") -> str:
    r"""Backslash escapes undone: 3.0 and 4.0 escape \n, \, \; and \\; 2.1 only the ';' of a compound value."""
    if version == "2.1":
        return value.replace("\\;", ";")
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


@dataclass
class Bad:
    line: int
    name: str  # the property name when it could be read, else ""
    why: str


def _is_qp(head: str) -> bool:
    return "QUOTED-PRINTABLE" in head.upper()


def _is_binary(head: str) -> bool:
    return bool(re.search(r";\s*(ENCODING\s*=\s*)?(BASE64|B)\s*(;|$)", head, re.I))


def logical_lines(lines: list[str], first: int, version: str) -> list[tuple[int, str]]:
    """(line number, text) of each content line once folds, soft breaks and base64 blocks are joined."""
    out: list[tuple[int, str]] = []
    head = ""  # the current line's name and parameters, to know how it continues
    for number, line in enumerate(lines, start=first):
        if not line.strip():
            head = ""  # a blank line ends a base64 block; elsewhere it means nothing
            continue
        if out and head and _is_qp(head) and out[-1][1].rstrip().endswith("=") and not END.match(line):
            out[-1] = (out[-1][0], out[-1][1].rstrip()[:-1] + line.lstrip())
            continue
        if out and line[0] in " \t":
            out[-1] = (out[-1][0], out[-1][1] + (line if version == "2.1" else line[1:]))
            continue
        if out and head and _is_binary(head) and ":" not in line:
            out[-1] = (out[-1][0], out[-1][1] + line.strip())
            continue
        out.append((number, line))
        head = line.split(":", 1)[0]
    return [(n, _whole(text)) for n, text in out]


def _whole(text: str) -> str:
    """A line whose UTF-8 characters a fold had cut (read with surrogateescape) made whole again."""
    if not re.search("[\udc80-\udcff]", text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _split_head(text: str) -> tuple[list[str], str] | str:
    """The name and parameter parts before the first ':' outside quotes, and the value; or why not."""
    parts, current, quoted = [], [], False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif quoted:
            current.append(ch)
        elif ch == ";":
            parts.append("".join(current))
            current = []
        elif ch == ":":
            parts.append("".join(current))
            return parts, text[i + 1:]
        else:
            current.append(ch)
    if quoted:
        return "a quoted parameter value is never closed"
    return "there is no ':' between the property's name and its value"


def parse_line(number: int, text: str, version: str = "3.0") -> Prop | Bad:
    split = _split_head(text)
    guess = re.split(r"[;:]", text, maxsplit=1)[0].strip().rpartition(".")[2].upper()
    if isinstance(split, str):
        return Bad(number, guess if NAME.match(guess or "-") else "", split)
    head, value = split
    m = NAME.match(head[0].strip())
    if not m:
        return Bad(number, "", f"'{head[0].strip()[:40]}' is not a property name")
    prop = Prop(m.group(2).upper(), value, number, (m.group(1) or "").lower(), version)
    for param in head[1:]:
        key, eq, raw = param.partition("=")
        key = key.strip().upper()
        if not key:
            continue
        if not eq:  # vCard 2.1 bare parameter: an encoding, or a type
            key, raw = ("ENCODING", key) if key in ENCODINGS else ("TYPE", key)
        values = [v.strip().strip('"') for v in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', raw)]
        values = [v for piece in values for v in (piece.split(",") if key == "TYPE" else [piece]) if v]
        if key == "TYPE":
            values = [v.lower() for v in values]
        prop.params.setdefault(key, []).extend(values)
    return prop


def read_props(lines: list[str], first: int) -> tuple[list[Prop], list[Bad]]:
    """The properties between BEGIN:VCARD and END:VCARD (`lines` holds both; `first` is BEGIN's line)."""
    version = next((ln.split(":", 1)[1].strip() for ln in lines if re.match(r"\s*VERSION\s*:", ln, re.I)), "3.0")
    props: list[Prop] = []
    bad: list[Bad] = []
    for number, text in logical_lines(lines, first, version):
        parsed = parse_line(number, text, version)
        if isinstance(parsed, Bad):
            bad.append(parsed)
        elif parsed.name not in ("BEGIN", "END"):
            props.append(parsed)
    return props, bad
