"""The fast parser (yaml_rs) must read every front matter exactly as the reference (PyYAML with
salesmd's YAML 1.2 resolver) does: same values, same types, same key lines - or step aside."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesmd.store import frontmatter
from salesmd.store.frontmatter import _fast, parse_yaml, parse_yaml_reference
from salesmd.store.yamldepth import max_depth

pytestmark = pytest.mark.skipif(frontmatter.yaml_rs is None, reason="yaml_rs is not installed")

ROOT = Path(__file__).resolve().parent.parent

plain_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:#'\"/@%+()&",
                      min_size=1, max_size=24)
scalars = st.one_of(
    plain_words,
    st.sampled_from(["yes", "no", "NO", "on", "Off", "true", "False", "TRUE", "null", "~", "Null", "0123", "0o17",
                     "0x1F", "1_000", "+1 503 555 0142", ".5", "1e3", "-0", ".inf", "-.INF", ".nan", "12:30",
                     "2026-11-25", "2026-11-25T14:30", "2026-11-25 14:30", "2026-11-25T14:30:00Z",
                     "2026-11-25T14:30:00+01:00", "2026-02-30", "2026-1-5", "[[acme-corp]]", '"[[acme-corp]]"',
                     "'quoted'", '"dq \\" x"', '"2026-01-01"', "'2026-11-25T14:30'", '"0123"', '"true"', "'null'",
                     '"1.5"', "'2026-11-25 14:30'", "a: b", "x #c", "- item", "[1, 2]", "{a: 1}", "|", ">", "",
                     "Zoë Łukasiewicz", "Baker & Sons", "*star", "!bang", "@at", "%pct", "`tick`"]),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(str),
    # words that start like a number, a time or a date: yaml_rs has forms of its own (0b101, 1_000, 12:30:00)
    st.builds(str.__add__, st.sampled_from(["", "-", "+", "_", "."]),
              st.from_regex(r"\A(0[xXoObB])?[0-9_a-fA-F.eE:+-]{1,8}\Z")),
    st.from_regex(r"\A2026-(02|11|13)-(25|30)([Tt ]\d\d:\d\d(:\d\d(\.\d{1,10})?)?( ?(Z|[-+]\d\d(:?\d\d)?))?)?\Z"),
    # characters PyYAML takes as line breaks or refuses, which yaml_rs reads as text
    st.builds(lambda a, sep, b: a + sep + b, plain_words, st.sampled_from(["\r", "\x85", "\u2028", "\u2029", "\x07", "\ufeff"]),
              plain_words),
)
keys = st.sampled_from(["name", "stage", "amount", "phone", "close_date", "owner", "tags", "related", "x-custom",
                        "Name With Space", "\"quoted key\"", "'single'", "ü-key", "a_b"])


@st.composite
def front_matter(draw) -> str:
    lines = []
    for key in draw(st.lists(keys, min_size=1, max_size=8, unique=True)):
        style = draw(st.sampled_from(["scalar", "flow", "block", "comment", "blank", "literal", "deep"]))
        if style == "scalar":
            lines.append(f"{key}: {draw(scalars)}")
        elif style == "flow":
            items = draw(st.lists(st.one_of(st.sampled_from(['"[[a]]"', '"[[b c]]"', "x", "1", "2026-01-01", '"2026-01-01"',
                                                             "yes", "|", ">", "|-", "a | b", "> x", ":", "a:", ": x",
                                                             "?", "? a", "a: b", "-", "- a"]), scalars),
                                  max_size=3))
            lines.append(f"{key}: [{', '.join(items)}]")
        elif style == "block":
            lines.append(f"{key}:")
            lines += [f"  - {draw(scalars)}" for _ in range(draw(st.integers(1, 3)))]
        elif style == "comment":
            lines.append(f"# {draw(plain_words)}")
            lines.append(f"{key}: {draw(scalars)}  # trailing")
        elif style == "blank":
            lines.append("")
            lines.append(f"{key}:")
        elif style == "deep":  # around the limit of 64 levels
            n = draw(st.integers(60, 110))
            lines.append(f"{key}: " + "[" * n + draw(st.sampled_from(["", "x", "1"])) + "]" * n)
        else:
            lines.append(f"{key}: |")
            lines.append(f"  {draw(plain_words)}")
    return "\n".join(lines) + "\n"


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front_matter())
def test_fast_path_agrees_with_the_reference(text):
    fast = _fast(text, 2)
    if fast is None:
        return  # the fast path stepped aside: the reference decides
    ref = parse_yaml_reference(text, 2)
    assert not [i for i in ref.issues if i.code != "duplicate-key"], (text, ref.issues)
    assert _same(fast.data, ref.data), (text, fast.data, ref.data)
    assert fast.key_lines == ref.key_lines, text


def test_fast_path_takes_ordinary_records():
    """Not a vacuous agreement: the example vault's records all go through the fast path."""
    taken = 0
    for path in sorted((ROOT / "example-vault").rglob("*.md")):
        parts = frontmatter.split(path.read_text(encoding="utf-8"))
        if not parts.has_front_matter:
            continue
        fast = _fast(parts.yaml_text, parts.yaml_line)
        ref = parse_yaml_reference(parts.yaml_text, parts.yaml_line)
        if fast is not None:
            taken += 1
            assert _same(fast.data, ref.data) and fast.key_lines == ref.key_lines, path
    assert taken >= 80


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",  # duplicate keys: the reference reports both lines
    "a: &x [1]\nb: *x\n",  # aliases are refused
    "a: !!python/object/apply:os.system ['true']\n",
    "a: [unclosed\n",
    "x: " + "[" * 5000 + "]" * 5000 + "\n",
])
def test_bad_input_is_left_to_the_reference(text):
    assert _fast(text, 2) is None
    assert parse_yaml(text, 2).issues


# Nesting: salesmd's limit (64 levels of values) is counted from the text, so it holds whatever
# parser reads the file, and whichever release of it (newer libyaml refuses 1,000 levels itself).
def _flow(n: int) -> str:
    return "x: " + "[" * n + "]" * n + "\n"


def _block(n: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(n)) + "  " * n + "v: 1\n"


@pytest.mark.parametrize("text,line", [
    (_flow(65), 2), (_flow(100), 2), (_flow(1001), 2), (_flow(5000), 2),
    (_block(65), 67),
    ("x:\n" + "- " * 70 + "a\n", 3),
    ("a: 1\nx: " + "{k: " * 80 + "v" + "}" * 80 + "\n", 3),
])
@pytest.mark.parametrize("parse", [parse_yaml, parse_yaml_reference], ids=["parse_yaml", "reference"])
def test_nesting_past_the_limit_is_yaml_depth_on_either_path(parse, text, line):
    parsed = parse(text, 2)
    assert [(i.code, i.line) for i in parsed.issues] == [("yaml-depth", line)]
    assert parsed.data is None


@pytest.mark.parametrize("text", [
    _flow(64), _block(64), "x:\n" + "- " * 64 + "a\n",
    'x: "' + "[" * 100 + '"\n', "x: '" + "{" * 100 + "'\n", "x: a " + "[" * 100 + "\n",
    "x: |\n  " + "[" * 100 + "\n  " + "{" * 100 + "\ny: 1\n",
    "# " + "[" * 100 + "\nx: 1  # " + "{" * 100 + "\n",
])
def test_nesting_up_to_the_limit_and_brackets_in_text_are_read(text):
    assert parse_yaml(text, 2).issues == []
    assert parse_yaml_reference(text, 2).issues == []


def _event_depth(text: str) -> int:
    """Collections open at once, from PyYAML's pure-Python event parser (no limit of its own)."""
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return deepest


tricky_text = st.sampled_from(["a", "[x", "{y}", "'q", '"d', "# c", "a: b", "- z", "|", ">", "x\ny [", "  [[",
                               "&a", "!t", "?", "k: [1,", "]]", "O'Brien [", "multi\nline [\n{", "", "1", "-1"])
nested = st.recursive(
    st.one_of(tricky_text, st.integers(), st.none(), st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(tricky_text, inner, max_size=3)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(tricky_text, nested, min_size=1, max_size=4), st.sampled_from([False, None, True]),
       st.sampled_from([80, 12]))
def test_nesting_is_counted_as_the_parser_nests(data, flow_style, width):
    """The text count agrees with the parser's events on block, flow and mixed YAML, with quotes,
    comments, block scalars and brackets inside strings."""
    text = yaml.safe_dump(data, default_flow_style=flow_style, width=width, allow_unicode=True)
    assert max_depth(text)[0] == _event_depth(text), text


@pytest.mark.parametrize("value", [
    "48__000", "1_", "_1", "0b101", "-0x1", "+0x1", "-0o17", "0X1F", "1_000.5", "12:30:00",
    "2026-11-25T14:30:00-0130", "2026-11-25T14:30:00+01:60", "2026-11-25 14:30:00.5 +01",
    "[a, |]", "[>]", "{k: |}", "[x, 0b1]", "[:]", "[: x]", "{:}", "{a:}", "[a:]", "[?]", "first\u2028b: 2", "first\x85b: 2", "first\rb: 2", "bell\x07",
])
def test_a_line_reads_the_same_whatever_else_is_in_the_file(value):
    """An `&` anywhere sends a file to the reference parser; the line `a: ...` must not change
    meaning because of it (nor because of which parser got the file)."""
    alone = parse_yaml(f"a: {value}\nc: 1\n", 2)
    beside_an_ampersand = parse_yaml(f"a: {value}\nc: Baker & Sons\n", 2)
    reference = parse_yaml_reference(f"a: {value}\nc: 1\n", 2)
    assert [i.code for i in alone.issues] == [i.code for i in reference.issues]
    assert [i.code for i in beside_an_ampersand.issues] == [i.code for i in reference.issues]
    assert _same(alone.data, reference.data), (alone.data, reference.data)
    if reference.data is not None:
        assert _same(alone.data["a"], beside_an_ampersand.data["a"])
        assert alone.key_lines == reference.key_lines


def _deep_after_a_json_key(levels: int) -> str:
    # `"a":'['`: a value right after a quoted key in a flow map, with a bracket inside its quotes
    return "type: note\nname: x\nk: {\"a\":'[', b: 1}\nl: #c\n" + "- " * levels + "x\n"


def test_nesting_after_a_quoted_flow_key_is_counted_on_either_path():
    text = _deep_after_a_json_key(100)
    assert [(i.code, i.line) for i in frontmatter.parse_yaml(text).issues] == \
        [(i.code, i.line) for i in frontmatter.parse_yaml_reference(text).issues] == [("yaml-depth", 4)]


def test_front_matter_nested_a_hundred_thousand_deep_is_refused_not_a_crash(tmp_path):
    # yaml_rs and PyYAML's C composer recurse once per level: such text must reach neither
    import subprocess
    import sys

    (tmp_path / "deep.yaml").write_text(_deep_after_a_json_key(100_000))
    code = ("from salesmd.store import frontmatter; "
            f"print(frontmatter.parse_yaml(open({str(tmp_path / 'deep.yaml')!r}).read()).issues[0].code)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, f"exit {out.returncode} (a segfault is -11): {out.stderr[-500:]}"
    assert out.stdout.strip() == "yaml-depth"
