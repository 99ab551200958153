"""Split a Markdown file into front matter and body, and parse the front matter safely.

YAML is read with YAML 1.2 core-schema meaning (FORMAT.md): only true/false are booleans,
`yes`/`no`/`on`/`off` are strings, `0123` is the decimal 123 (never octal), plus ISO dates and
datetimes. PyYAML's C parser does the parsing where it is installed; resolution and construction
are ours. Nothing is executed or expanded: tags other than the core ones and aliases are refused,
and duplicate keys are reported instead of the last one silently winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..dates import parse_iso
from .yamldepth import LINE_BREAK, MAX_DEPTH, too_deep_line
from .yamlhints import quote_hint

try:
    from yaml import CSafeLoader as _BaseLoader

    C_LOADER = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader

    C_LOADER = False

try:  # the fast path: a Rust YAML 1.2 parser; PyYAML below stays the reference
    import yaml_rs
except ImportError:  # pragma: no cover - it is a declared dependency, but salesmd works without it
    yaml_rs = None

TAG = "tag:yaml.org,2002:"
ALLOWED_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}
CONFLICT_MARKER = re.compile(r"^(?:<{7}|={7}|>{7}|\|{7})(?: |\r?$)", re.MULTILINE)
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d$")
DATETIME_RE = re.compile(
    r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[ ]?(?:Z|[-+]\d\d(?::?\d\d)?))?$"
)
SAFE_NESTING = 2000  # the C composer was seen to crash at about 10,000 levels


class CoreLoader(_BaseLoader):
    """A safe loader with YAML 1.2 core-schema resolution (plus ISO timestamps)."""

    yaml_implicit_resolvers: dict = {}

    def construct_core_int(self, node):
        value = node.value
        sign = -1 if value.startswith("-") else 1
        digits = value.lstrip("+-")
        if digits.startswith("0o"):
            return sign * int(digits[2:], 8)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        return sign * int(digits, 10)

    def construct_core_timestamp(self, node):
        value = node.value
        parsed = parse_iso(value)  # one reader of ISO text, whatever Python's own reads (3.10: no Z)
        return value if parsed is None else parsed  # not a real date (2026-02-30): the checks report it


CoreLoader.add_constructor(TAG + "int", CoreLoader.construct_core_int)
CoreLoader.add_constructor(TAG + "timestamp", CoreLoader.construct_core_timestamp)
CoreLoader.add_implicit_resolver(
    TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
CoreLoader.add_implicit_resolver(TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
CoreLoader.add_implicit_resolver(
    TAG + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
CoreLoader.add_implicit_resolver(
    TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
CoreLoader.add_implicit_resolver(
    TAG + "timestamp",
    re.compile(r"^(?:" + DATE_RE.pattern[1:-1] + r"|" + DATETIME_RE.pattern[1:-1] + r")$"),
    list("0123456789"),
)


@dataclass
class YamlIssue:
    code: str
    message: str
    line: int  # 0-based line of the YAML text, plus the caller's offset


@dataclass
class Parsed:
    data: Any = None
    key_lines: dict[str, int] = field(default_factory=dict)  # same numbering as YamlIssue.line
    issues: list[YamlIssue] = field(default_factory=list)


def _walk(root, off: int) -> list[YamlIssue]:
    """Refuse aliases, foreign tags, runaway nesting and duplicate keys, without recursion."""
    issues: list[YamlIssue] = []
    seen: set[int] = set()
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            issues.append(YamlIssue("yaml-alias", "YAML aliases (*name) are not allowed in front matter",
                                    node.start_mark.line + off))
            continue
        seen.add(id(node))
        if node.tag not in ALLOWED_TAGS:
            issues.append(YamlIssue("yaml-tag", f"the tag {node.tag!r} is not allowed in front matter",
                                    node.start_mark.line + off))
            continue
        if depth > MAX_DEPTH and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            issues.append(YamlIssue("yaml-depth", f"values nested deeper than {MAX_DEPTH} levels",
                                    node.start_mark.line + off))
            continue
        if isinstance(node, yaml.MappingNode):
            keys: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    k = (key_node.tag, key_node.value)
                    if k in keys:
                        issues.append(YamlIssue(
                            "duplicate-key",
                            f"key '{key_node.value}' appears twice (first on line {keys[k] + off}); "
                            "YAML would silently keep only the last value",
                            key_node.start_mark.line + off,
                        ))
                    else:
                        keys[k] = key_node.start_mark.line
                stack.append((key_node, depth + 1))
                stack.append((value_node, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
    return issues


def _deep_nesting_line(text: str) -> int | None:
    """The line where nesting passes MAX_DEPTH, found from the parser's event stream.

    The C composer recurses once per level and crashes the interpreter on deep enough input,
    so suspicious text is measured with the (iterative) event parser before it is composed.
    Each level needs a bracket, a dash or a new line, so most text is cleared by counting.
    """
    if _nesting_bound(text) <= SAFE_NESTING:
        return None
    loader = CoreLoader(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None:
                return None
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH + 1:  # the top-level mapping, then MAX_DEPTH levels of values
                    return event.start_mark.line
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # the real parse reports it with its location
    finally:
        loader.dispose()


# Text the fast path leaves to the reference parser: anchors, aliases and tags (refused with their
# line), merge keys, tabs, digit separators (1_000 is text in YAML 1.2 core), complex keys, block
# scalars (`|`, `>`: yaml_rs reads an empty one at the end as "\n", PyYAML as ""), empty keys
# (`- :`, which yaml_rs accepts and PyYAML refuses), quoted keys, and quoted dates (yaml_rs reads
# "2026-01-01" as a date; quoting is how a user keeps it text). Cheap tests first.
REFERENCE_CHARS = ("&", "*", "!", "\t", "<<", "\n?", "\n:", " :", "\n\"", "\n'")
REFERENCE_RE = re.compile(r"\d_\d|[:-][ ]+[|>][-+0-9]*[ ]*(?:#.*)?$|:$|[\"']\d{4}-\d", re.MULTILINE)


# Characters the two parsers take differently: PyYAML (YAML 1.1 line breaks) starts a new line at a
# lone CR, U+0085, U+2028 and U+2029, and refuses what YAML calls non-printable; yaml_rs does neither.
ODD_CHARS = re.compile("\r(?!\n)|[\x85\u2028\u2029\ufeff]|[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A plain scalar that starts like a number, time or date is a word yaml_rs may read its own way
# (1_000, 48__000, 0b101, -0x1, 0X1F, 12:30:00, 1_ are numbers or times to it, text to salesmd):
# only the forms below, which both read alike, stay on the fast path.
NUMBERISH = re.compile(r"(?:^[ ]*(?:-[ ]+)*|:[ ]+|[\[{,][ ]*)([-+._0-9][-+._0-9a-zA-Z:]*)[ ]*(?=\r?$|[,\]}#]|:[ ])",
                       re.MULTILINE)
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
SAME_IN_BOTH = re.compile(
    r"[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|\d{4}-\d\d-\d\d(?:[Tt]" + _TIME + r"(?:Z|[-+](?:[01]\d|2[0-3])(?::[0-5]\d)?)?)?"
)
FLOW_EMPTY_KEY = re.compile(r"[\[{,][ ]*[:?]|:[\]},]|\?[ ]*[\]},]")
# A date followed by more words on its line (`2026-11-25 14:30:00 +01`): only a plain local time is alike.
DATE_AND_MORE = re.compile(r"\d{4}-\d\d-\d\d\S*[ \t]+[^ \t#\r\n][^\n]*")
DATE_SPACE_TIME = re.compile(r"\d{4}-\d\d-\d\d " + _TIME + r"[ \t]*(?:#.*)?\r?")


def _needs_reference(text: str) -> bool:
    if any(c in text for c in REFERENCE_CHARS) or text[:1] in ("?", ":", '"', "'"):
        return True
    if ("_" in text or "|" in text or ">" in text or ":\n" in text or "\"" in text or "'" in text) \
            and REFERENCE_RE.search(text) is not None:
        return True
    if ("[" in text or "{" in text) and ("|" in text or ">" in text or FLOW_EMPTY_KEY.search(text)):
        return True  # `[a, |]`, `[:]`, `{a:}`, `[?]`: yaml_rs reads these its own way, PyYAML refuses most
    if ODD_CHARS.search(text):
        return True
    if any(not SAME_IN_BOTH.fullmatch(m) for m in NUMBERISH.findall(text)):
        return True
    return any(not DATE_SPACE_TIME.fullmatch(m) for m in DATE_AND_MORE.findall(text))


def _key_lines(text: str, line_offset: int) -> dict[str, int] | None:
    """The line of each top-level key, read off the text (None where that reading is unsure).

    The caller compares the keys found with the keys parsed, so a key line this misses, or a
    line it takes for a key, sends the text to the reference parser instead.
    """
    found: dict[str, int] = {}
    for n, line in enumerate(text.split("\n")):
        if not line:
            continue
        first = line[0]
        if first in " #\r" or (first == "-" and line[1:2] in ("", " ", "\r")):
            continue
        colon = line.find(":")
        if colon <= 0:
            return None
        key = line[:colon].rstrip()
        if key in found or "#" in key:
            return None
        found[key] = n + line_offset
    return found


def _fast(text: str, line_offset: int) -> Parsed | None:
    """Parse with yaml_rs when the result is sure to equal the reference's, else None."""
    if yaml_rs is None or _needs_reference(text) or _nesting_bound(text) > SAFE_NESTING \
            or too_deep_line(text) is not None:
        return None  # deep text is measured by the reference path's event parser, never handed to yaml_rs
    try:
        data = yaml_rs.loads(text)
    except Exception:
        return None  # the reference parser words the error, with its line
    if data is None:
        return Parsed(None)
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data) or _too_deep_key(data) is not None:
        return None  # the reference says it, with its line
    lines = _key_lines(text, line_offset)
    if lines is None or lines.keys() != data.keys():
        return None
    return Parsed(data, lines)


def _nesting_bound(text: str) -> int:
    return text.count("[") + text.count("{") + text.count("-") + text.count("\n")


def parse_yaml(text: str, line_offset: int = 0) -> Parsed:
    """Parse one YAML document. Never raises on bad input: problems come back as issues.

    Lines in the result are 0-based lines of `text` plus `line_offset`: pass the file line of the
    first YAML line to get 1-based file lines.
    """
    fast = _fast(text, line_offset)
    if fast is not None:
        return fast
    parsed = parse_yaml_reference(text, line_offset)
    deep = _too_deep_key(parsed.data)
    if deep is not None:  # the reference's own walk refuses deep nesting; this holds should it not
        return Parsed(None, issues=[YamlIssue("yaml-depth", f"values nested deeper than {MAX_DEPTH} levels",
                                              parsed.key_lines.get(deep, line_offset))])
    return parsed


def _too_deep_key(data: Any) -> str | None:
    """The top-level key whose value nests more than MAX_DEPTH levels in what was read, or None:
    the limit holds on the data, whichever parser read it, should the count from the text miss."""
    if not isinstance(data, dict):
        return None
    stack = [(value, 2, key) for key, value in data.items() if isinstance(value, (dict, list))]
    while stack:
        value, depth, key = stack.pop()
        if depth > MAX_DEPTH + 1:
            return key
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1, key) for child in children if isinstance(child, (dict, list)))
    return None


def parse_yaml_reference(text: str, line_offset: int = 0) -> Parsed:
    """parse_yaml with PyYAML (C parser, our YAML 1.2 resolver): the meaning every parser must match."""
    out = Parsed()
    deep = too_deep_line(text)
    if deep is None:
        deep = _deep_nesting_line(text)  # a guard for the C composer, should the count above miss
    if deep is not None:
        out.issues.append(YamlIssue("yaml-depth", f"values nested deeper than {MAX_DEPTH} levels",
                                    deep + line_offset))
        return out
    loader = CoreLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            out.data = None
            return out
        out.issues = _walk(node, line_offset)
        # Duplicate keys are reported but the document is still readable; the others are not.
        if any(i.code != "duplicate-key" for i in out.issues):
            return out
        if isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    out.key_lines.setdefault(key_node.value, key_node.start_mark.line + line_offset)
        out.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        context = e.context
        if context and e.context_mark is not None:
            context = f"{context} (on line {e.context_mark.line + line_offset})"
        message = " ".join(str(x) for x in (context, e.problem) if x)
        if e.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = e.context_mark  # "found end of stream": where the unfinished value began helps more
        line = mark.line if mark else 0
        hinted = _hint(text, [line] + ([e.context_mark.line] if e.context_mark is not None else []))
        if hinted is not None:
            line, hint = hinted
            message = f"{message}; {hint}"
        out.issues.append(YamlIssue("yaml-syntax", f"invalid YAML: {message}", line + line_offset))
    except yaml.YAMLError as e:
        out.issues.append(YamlIssue("yaml-syntax", f"invalid YAML: {e}", line_offset))
    except (RecursionError, ValueError, OverflowError, TypeError) as e:
        out.issues.append(YamlIssue("yaml-syntax", f"invalid YAML: {e}", line_offset))
    finally:
        loader.dispose()
    return out


def _hint(text: str, lines: list[int]) -> tuple[int, str] | None:
    """A plain hint for the first of `lines` (0-based) whose text shows a common mistake."""
    text_lines = LINE_BREAK.split(text)
    for n in lines:
        hint = quote_hint(text_lines[n]) if 0 <= n < len(text_lines) else None
        if hint is not None:
            return n, hint
    return None


@dataclass
class Split:
    """Front matter located in a file. Lines are 1-based file lines."""

    has_front_matter: bool
    yaml_text: str = ""
    yaml_line: int = 2  # file line of the first YAML line
    body: str = ""
    body_line: int = 1
    unclosed: bool = False


CLOSING_LINE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def split(text: str) -> Split:
    """Find the `---` ... `---` block at the top of `text` (a BOM and CRLF are accepted)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip() != "---":
        return Split(False, body=text)
    start = first_end + 1
    m = CLOSING_LINE.search(text, start)
    if m is None:
        return Split(True, yaml_text=text[start:], unclosed=True)
    yaml_text = text[start:m.start()]
    end = text.find("\n", m.end())
    return Split(True, yaml_text=yaml_text, yaml_line=2, body="" if end < 0 else text[end + 1:],
                 body_line=yaml_text.count("\n") + 3)


def conflict_marker_line(text: str) -> int | None:
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "|||||||" not in text:
        return None
    m = CONFLICT_MARKER.search(text)
    if m is None:
        return None
    return text.count("\n", 0, m.start()) + 1
