"""How deeply a YAML text nests its collections, measured from the text itself.

salesmd's limit (FORMAT: values nested at most MAX_DEPTH levels) must not depend on which parser,
or which release of it, reads the file: PyYAML's libyaml refuses 1,000 levels by itself in newer
releases, yaml_rs stops at its own recursion limit, and older releases take anything. So the depth
is counted here, before any parser runs, as the number of collections open at once: the block
mappings and sequences that indentation, `- ` and `? ` open, plus the flow `[` and `{` open around
a point. Brackets inside quoted scalars, plain scalars, comments and block scalars do not count.
"""

from __future__ import annotations

import re

MAX_DEPTH = 64
LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what PyYAML, the reference, counts as a new line
_KEY_END = re.compile(r":(?:[ \t]|$)")
_FLOW_SPECIAL = re.compile(r"[\[\]{},#'\":?]")


def depth_bound(text: str) -> int:
    """An upper bound of the depth, from counting: each level needs a bracket, an indicator or a line."""
    breaks = text.count("\n") + text.count("\r")  # CRLF counts twice: a bound need not be tight
    if not text.isascii():
        breaks += text.count("\x85") + text.count("\u2028") + text.count("\u2029")
    return text.count("[") + text.count("{") + text.count("-") + text.count("?") + 2 * (breaks + 1)


def too_deep_line(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 0-based line where values nest more than `limit` levels below the top-level mapping
    (more than `limit` + 1 collections open at once), or None."""
    if depth_bound(text) <= limit + 1:
        return None
    depth, line = max_depth(text, limit + 1)
    return line if depth > limit + 1 else None


def max_depth(text: str, stop: int | None = None) -> tuple[int, int]:
    """(the deepest nesting, the 0-based line where it is first reached); stops once past `stop`."""
    scan = _Scan(stop)
    for n, line in enumerate(LINE_BREAK.split(text)):
        scan.line(n, line)
        if scan.done:
            break
    return scan.best, scan.best_line


class _Scan:
    def __init__(self, stop: int | None) -> None:
        self.stop = stop
        self.done = False
        self.best, self.best_line = 0, 0
        self.blocks: list[tuple[int, str]] = []  # open block collections: (indent, "map" | "seq")
        self.flow = 0  # open flow collections
        self.quote = ""  # the quote of a quoted scalar that runs on to the next line
        self.scalar_indent: int | None = None  # inside a block scalar: lines indented deeper belong to it
        self.plain_indent: int | None = None  # after a plain value: deeper lines continue it

    def _reach(self, n: int) -> None:
        depth = len(self.blocks) + self.flow
        if depth > self.best:
            self.best, self.best_line = depth, n
            if self.stop is not None and depth > self.stop:
                self.done = True

    def _open(self, n: int, indent: int, kind: str) -> None:
        if kind == "map":
            while self.blocks and self.blocks[-1] == (indent, "seq"):
                self.blocks.pop()  # `key:` back at the column of a sequence that sat under a key
        if not self.blocks or self.blocks[-1] != (indent, kind):
            self.blocks.append((indent, kind))
        self._reach(n)

    def line(self, n: int, line: str) -> None:
        pos = 0
        if self.scalar_indent is not None:
            if not line.strip(" ") or len(line) - len(line.lstrip(" ")) > self.scalar_indent:
                return
            self.scalar_indent = None
        if self.quote:
            pos = self._quoted(line, 0, self.quote)
            if pos < 0:
                return
            self.quote = ""
        if self.flow:
            pos = self._flow(n, line, pos)
            if pos < 0 or self.flow:
                return
        if pos:
            return self._after_value(n, line, pos)
        self._block_line(n, line)

    def _block_line(self, n: int, line: str) -> None:
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            return
        col = len(line) - len(stripped)
        if self.plain_indent is not None and col > self.plain_indent:
            return  # the next line of a plain scalar
        self.plain_indent = None
        while self.blocks and self.blocks[-1][0] > col:
            self.blocks.pop()
        pos = col
        while pos < len(line) and line[pos] in "-?:" and line[pos + 1:pos + 2] in ("", " ", "\t"):
            if line[pos] != ":":  # `: ` after a `? key` line is that key's value, in the same mapping
                self._open(n, pos, "seq" if line[pos] == "-" else "map")
            pos = _skip_space(line, pos + 1)
        if pos >= len(line) or line[pos] == "#":
            return
        pos = _skip_properties(line, pos)
        first = line[pos:pos + 1]
        if first in ("'", '"'):
            end = self._quoted(line, pos + 1, first)
            if end < 0:
                self.quote = first
                return
            rest = _skip_space(line, end)
            if line[rest:rest + 1] == ":" and _KEY_END.match(line, rest):
                self._open(n, pos, "map")
                return self._value(n, line, rest + 1)
            return
        if first in ("[", "{"):
            end = self._flow(n, line, pos)
            if end >= 0 and not self.flow:
                rest = _skip_space(line, end)
                if _KEY_END.match(line, rest):
                    self._open(n, pos, "map")
                    return self._value(n, line, rest + 1)
            return
        key_end = _plain_key_end(line, pos)
        if key_end is None:
            return self._scalar_start(line, pos)
        self._open(n, pos, "map")
        self._value(n, line, key_end + 1)

    def _value(self, n: int, line: str, pos: int) -> None:
        """A value after `key:` on the same line."""
        pos = _skip_properties(line, _skip_space(line, pos))
        if pos >= len(line) or line[pos] == "#":
            return
        first = line[pos]
        if first in ("'", '"'):
            end = self._quoted(line, pos + 1, first)
            if end < 0:
                self.quote = first
            return
        if first in ("[", "{"):
            self._flow(n, line, pos)
            return
        self._scalar_start(line, pos)

    def _after_value(self, n: int, line: str, pos: int) -> None:
        """The rest of a line after a quoted or flow value that began on an earlier line."""
        rest = _skip_space(line, pos)
        if _KEY_END.match(line, rest):
            self._value(n, line, rest + 1)

    def _scalar_start(self, line: str, pos: int) -> None:
        parent = self.blocks[-1][0] if self.blocks else -1
        if line[pos] in "|>":
            self.scalar_indent = parent
        else:
            self.plain_indent = parent

    def _quoted(self, line: str, pos: int, quote: str) -> int:
        """The position after the closing quote, or -1 when the scalar runs on to the next line."""
        while True:
            end = line.find(quote, pos)
            if end < 0:
                return -1
            if quote == '"':
                backslashes = len(line[pos:end]) - len(line[pos:end].rstrip("\\"))
                if backslashes % 2:
                    pos = end + 1
                    continue
                return end + 1
            if line[end + 1:end + 2] == "'":
                pos = end + 2
                continue
            return end + 1

    def _flow(self, n: int, line: str, pos: int) -> int:
        """Scan flow content from `pos`; the position where the outermost flow closed, or -1."""
        value_start = True
        json_key = False  # just after a quoted scalar or a closed collection: `:` may follow at once
        while True:
            m = _FLOW_SPECIAL.search(line, pos)
            if m is None:
                return -1
            if line[pos:m.start()].strip(" \t"):
                value_start = json_key = False  # plain text since the last indicator
            pos = m.start()
            c = line[pos]
            was_json_key, json_key = json_key, False
            if c in "[{":
                self.flow += 1
                self._reach(n)
                value_start = True
            elif c in "]}":
                self.flow = max(0, self.flow - 1)
                if not self.flow:
                    return pos + 1
                json_key = True
            elif c == ",":
                value_start = True
            elif c == "#" and (pos == 0 or line[pos - 1] in " \t"):
                return -1
            elif c in "'\"" and value_start:
                end = self._quoted(line, pos + 1, c)
                if end < 0:
                    self.quote = c
                    return -1
                pos = end
                value_start = False
                json_key = True
                continue
            elif c in ":?" and (line[pos + 1:pos + 2] in ("", " ", "\t") or (c == ":" and was_json_key)):
                value_start = True
            else:
                value_start = False
            pos += 1


def _skip_space(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    return pos


def _skip_properties(line: str, pos: int) -> int:
    """Skip an anchor (`&a `) and a tag (`!t `) before a node."""
    while pos < len(line) and line[pos] in "&!":
        end = pos
        while end < len(line) and line[end] not in " \t":
            end += 1
        pos = _skip_space(line, end)
    return pos


def _plain_key_end(line: str, pos: int) -> int | None:
    """The position of the `:` ending a plain key that starts at `pos`, or None."""
    for m in _KEY_END.finditer(line, pos):
        hash_at = line.find(" #", pos, m.start())
        return None if hash_at >= 0 else m.start()
    return None
