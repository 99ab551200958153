"""set_keys changes only the lines of the keys it changes (STYLE.md habit 7)."""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import string
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesmd.store.frontmatter import parse_yaml, split
from salesmd.write.yamledit import DELETE, read_back, render_value, set_keys

DOC = """\
---
type: opportunity
name: Acme fleet renewal
stage: proposal  # agreed with Jo
contacts:
  - "[[jane-doe]]"
  - "[[li-wei]]"
notes: |
  First call went well.
  Send the quote.

amount: 48000
---
# Acme

The body: has --- lines, key: value lines and [[links]].
---
"""
BODY = DOC.split("---\n", 2)[2]

HOSTILE = [
    "a: b", "x #not a comment", "# hash first", "it's", 'say "hi"', "'single'", "- dash",
    "-5", "yes", "No", "on", "OFF", "y", "n", "true", "null", "~", "", " padded ", "0123",
    "0x1F", "1e3", "12:30", ".5", "2026-01-01", "2026-11-25T14:30", "2026-02-30", "[[acme-corp]]",
    "[not, a, list]", "{a: 1}", "&anchor", "*alias", "!tag", "|", ">", "%", "@", "`", "...",
    "---", "ünïcødé 北京 🚀", "line one\nline two", "tab\there", "cr\rlf", "nul\x00",
    "line\u2028sep", "\ufeffbom", "back\\slash", "trailing:", "a,b", "<<", "=",
]


def test_scalar_keeps_trailing_comment():
    out = set_keys(DOC, {"stage": "negotiation"})
    assert "stage: negotiation  # agreed with Jo\n" in out
    assert out == DOC.replace("stage: proposal", "stage: negotiation")


def test_block_list_becomes_one_flow_line():
    out = set_keys(DOC, {"contacts": ["[[jane-doe]]", "[[bo]]"]})
    assert out == DOC.replace('  - "[[jane-doe]]"\n  - "[[li-wei]]"\n', "").replace(
        "contacts:\n", 'contacts: ["[[jane-doe]]", "[[bo]]"]\n')


def test_block_scalar_replaced_and_blank_line_after_it_kept():
    out = set_keys(DOC, {"notes": "Quote sent."})
    assert "notes: Quote sent.\n\namount: 48000\n" in out
    assert "First call" not in out


def test_comment_after_key_of_multiline_value_kept():
    doc = "---\ntags:  # from the import\n  - a\n  - b\nname: x\n---\n"
    assert set_keys(doc, {"tags": ["c"]}) == "---\ntags: [c]  # from the import\nname: x\n---\n"


def test_new_key_appended_before_closing_fence():
    out = set_keys(DOC, {"probability": 60, "close_date": dt.date(2026, 11, 25)})
    assert out == DOC.replace("amount: 48000\n", "amount: 48000\nprobability: 60\nclose_date: 2026-11-25\n")


def test_delete_removes_every_line_of_the_key():
    out = set_keys(DOC, {"contacts": DELETE, "notes": DELETE, "absent": DELETE})
    assert out == DOC.replace('contacts:\n  - "[[jane-doe]]"\n  - "[[li-wei]]"\n', "").replace(
        "notes: |\n  First call went well.\n  Send the quote.\n", "")


def test_equal_value_leaves_the_line_alone():
    doc = "---\nstage: 'proposal'\namount: 48_000.0\n---\n"
    assert set_keys(doc, {"stage": "proposal"}) == doc


def test_crlf_file_stays_crlf_and_bom_is_kept():
    doc = "\ufeff" + DOC.replace("\n", "\r\n")
    out = set_keys(doc, {"stage": "won", "contacts": ["[[a]]"], "notes": "a\nb", "new": 1})
    assert out.startswith("\ufeff---\r\n")
    assert out.count("\n") == out.count("\r\n")
    assert "stage: won  # agreed with Jo\r\n" in out
    assert read_back(out)["notes"] == "a\nb"


def test_body_is_byte_identical():
    doc = DOC.replace("---\n# Acme", "...\n# Acme").replace("[[links]].", "odd\r \u2028 \x00 text")
    out = set_keys(doc, {"stage": "won", "name": DELETE, "extra": "x"})
    body = doc.split("...\n", 1)[1]
    assert out.endswith("...\n" + body)
    assert split(out).body == split(doc).body


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_strings_round_trip(value):
    for changes in ({"name": value}, {"brand_new": value}, {"tags": [value, value]}):
        out = set_keys(DOC, changes)
        key, expected = next(iter(changes.items()))
        assert parse_yaml(split(out).yaml_text).data[key] == expected
        assert out.endswith(BODY)
        assert "\n" not in render_value(expected)  # always one line


@pytest.mark.parametrize("value, text", [
    ("Acme Corp", "Acme Corp"),
    ("[[acme-corp]]", '"[[acme-corp]]"'),
    (["[[a]]", "[[b]]"], '["[[a]]", "[[b]]"]'),
    (["lead", "web"], "[lead, web]"),
    (["a, b", "c:d"], '["a, b", "c:d"]'),
    ([], "[]"),
    ("yes", '"yes"'),
    ("0123", '"0123"'),
    ("two\nlines", '"two\\nlines"'),
    (48000, "48000"),
    (48000.0, "48000.0"),
    (0.1, "0.1"),
    (1e20, "1.0e+20"),
    (True, "true"),
    (None, "null"),
    (dt.date(2026, 11, 25), "2026-11-25"),
    (dt.datetime(2026, 11, 25, 14, 30), "2026-11-25T14:30"),
    (dt.datetime(2026, 11, 25, 14, 30, 5), "2026-11-25T14:30:05"),
    (dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
     "2026-11-25T14:30-05:00"),
])
def test_render_value_house_style(value, text):
    assert render_value(value) == text


@pytest.mark.parametrize("old, value, new", [
    ('"2026-12-15"', dt.date(2027, 1, 31), '"2027-01-31"'),  # QuickAdd's quotes stay
    ("'2026-12-15'", dt.datetime(2027, 1, 31, 9, 30), "'2027-01-31T09:30'"),
    ("2026-11-20 10:30", dt.datetime(2026, 11, 27, 9, 0), "2026-11-27 09:00"),  # Templater's space stays
    ('"2026-11-20 10:30"', dt.date(2026, 11, 27), '"2026-11-27"'),
    ("2026-06-09T00:00:00.000Z", dt.date(2027, 1, 31), "2027-01-31T00:00:00.000Z"),  # as gray-matter saves a date
    ("2026-11-20T10:30:00+0100", dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
     "2026-11-27T09:00:00+01:00"),
    ("2026-11-20 10:30:00.5", dt.datetime(2026, 11, 27, 9, 0), "2026-11-27 09:00:00.0"),
    ('"tomorrow"', dt.date(2027, 1, 31), "2027-01-31"),  # not a date: house style
])
def test_a_date_written_over_a_date_keeps_its_style(old, value, new):
    doc = f"---\ntype: task\ndue: {old}  # when\n---\nBody\n"
    assert set_keys(doc, {"due": value}, dates={"due"}) == f"---\ntype: task\ndue: {new}  # when\n---\nBody\n"


def test_a_key_that_takes_no_date_gets_a_date_in_house_style():
    doc = '---\ntype: task\nrenewal: "2026-12-15"\n---\n'  # a custom key: the quotes made it text
    assert set_keys(doc, {"renewal": dt.date(2027, 1, 31)}, dates={"due"}) == "---\ntype: task\nrenewal: 2027-01-31\n---\n"


def test_a_date_equal_to_the_one_written_leaves_the_line_alone():
    for old, value in [('"2026-12-15"', dt.date(2026, 12, 15)), ("2026-12-15T00:00:00.000Z", dt.date(2026, 12, 15)),
                       ("'2026-11-20 10:30'", dt.datetime(2026, 11, 20, 10, 30))]:
        doc = f"---\ntype: task\ndue: {old}\n---\n"
        assert set_keys(doc, {"due": value}, dates={"due"}) == doc


@pytest.mark.parametrize("doc", [
    "no front matter\n",
    "---\nname: x\n",  # never closed
    "---\nname: x\nname: y\n---\n",  # duplicate key
    "---\n{name: x}\n---\n",  # flow mapping
    "---\n? name\n: x\n---\n",  # complex key
    "---\n- a list\n---\n",
    "---\nname: [x\n---\n",  # invalid YAML
    "---\nname: x\rstage: y\n---\n",  # a lone CR is a YAML line break
])
def test_refuses_files_it_cannot_edit_safely(doc):
    with pytest.raises(ValueError):
        set_keys(doc, {"stage": "won"})


def test_refuses_an_edit_that_would_change_another_key():
    # Deleting `next` would make the space-only line (more indented than the block) part of
    # `notes`: the read-back check catches it and refuses instead of changing `notes`.
    doc = "---\nnotes: |\n  text\nnext: 1\n     \nname: x\n---\n"
    with pytest.raises(ValueError, match="notes"):
        set_keys(doc, {"next": DELETE})
    assert set_keys(doc, {"next": 2}) == doc.replace("next: 1", "next: 2")


def test_refuses_values_it_cannot_write():
    with pytest.raises(TypeError):
        set_keys(DOC, {"stage": object()})
    with pytest.raises(ValueError):
        set_keys(DOC, {"": "x"})


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_git_diff_counts_only_the_changed_lines(tmp_path, nl):
    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
                               "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", *args],
                              cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    path = tmp_path / "deal.md"
    doc = DOC.replace("\n", nl)
    path.write_bytes(doc.encode())
    git("init", "-q")
    git("add", "deal.md")
    git("commit", "-qm", "start")
    path.write_bytes(set_keys(doc, {"stage": "negotiation", "contacts": ["[[bo]]"], "probability": 60}).encode())
    # stage: 1 line for 1; contacts: 3 lines for 1; probability: 1 new line.
    assert git("diff", "--numstat").split() == ["3", "4", "deal.md"]


# ------------------------------------------------------------------------------ property test

LOWER = string.ascii_lowercase
WORDS = st.builds(str.__add__, st.sampled_from(string.ascii_letters),
                  st.text(string.ascii_letters + string.digits + " ", max_size=9)).map(str.rstrip)
KEYS = st.builds(str.__add__, st.sampled_from(LOWER), st.text(LOWER + "_", min_size=1, max_size=7)
                 ).filter(lambda k: k not in {"true", "false", "null"})
LINK = st.text(LOWER + "-", min_size=1, max_size=10).map(lambda s: f"[[{s}]]")
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(HOSTILE), LINK, st.dates(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), timezones=st.sampled_from(
        [None, dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30))])),
    st.lists(st.one_of(st.text(max_size=8), LINK, st.integers()), max_size=4),
)


@st.composite
def entry(draw, key):
    """The lines of one `key: value` in one of many styles; all of them belong to the key.

    Each line ends with the key, so no two keys have equal lines for difflib to mix up. Block
    scalars are indented deeper than any space-only filler line (see `documents`).
    """
    w = [f"{draw(WORDS)} {key}" for _ in range(2)]
    pad = " " * 20
    return draw(st.sampled_from([
        [f"{key}: {w[0]}"],
        [f"{key}: {w[0]}  # {w[1]}"],
        [f"{key}: '{w[0]}''s'"],
        [f'{key}: "{w[0]}\\t{w[1]}"  # quoted'],
        [f"{key}: {len(w[0])}"],
        [f"{key}:"],
        [f"{key}:", f"  - {w[0]}", f"  # inner comment {key}", f"  - {w[1]}"],
        [f"{key}:  # list", f"- {w[0]}", f"- {w[1]}"],
        [f"{key}: [{w[0]},", f"  {w[1]}]  # flow {key}"],
        [f"{key}: |", f"{pad}{w[0]}", "", f"{pad}  {w[1]}"],
        [f"{key}: >-", f"{pad}{w[0]}", f"{pad}{w[1]}"],
        [f"{key}:", f"  sub: {w[0]}", f"  other: [{w[1]}]"],
        [f"{key}: {w[0]}", f"  {w[1]}"],  # a plain scalar folded over two lines
    ]))


@st.composite
def documents(draw):
    """A whole file: (text, keys, owner of each file line or None, the fence line index...).

    Lines between keys are numbered comments or blank lines of n > 0 spaces, all different, so that
    difflib has one way only to line up the untouched lines (identical blank lines would let it
    call an untouched blank line changed and an equal one added, which is the same text).
    """
    keys = draw(st.lists(KEYS, max_size=7, unique=True))
    counter = itertools.count()
    fillers = st.lists(st.sampled_from(["", "# note", "#"]).map(
        lambda text: f"{text} {next(counter)}" if text else " " * (1 + next(counter))), max_size=2)
    lines: list[tuple[str, str | None]] = [("---", None)]
    for key in keys:
        lines += [(text, None) for text in draw(fillers)]
        lines += [(text, key) for text in draw(entry(key))]
    lines += [(text, None) for text in draw(fillers)]
    fence = len(lines)
    lines.append((draw(st.sampled_from(["---", "..."])), None))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    head = "".join(text + nl for text, _ in lines)
    body = draw(st.text(max_size=40))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return bom + head + body, keys, [owner for _, owner in lines], fence, nl, body


def same(a, b):
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_only_changed_keys_change(data):
    doc, keys, owners, fence, nl, body = data.draw(documents())
    before = read_back(doc)
    changed = data.draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    changes = {key: data.draw(st.one_of(VALUES, st.just(DELETE))) for key in changed}
    for key in data.draw(st.lists(KEYS.filter(lambda k: k not in keys), max_size=3, unique=True)):
        changes[key] = data.draw(VALUES)
    out = set_keys(doc, changes)

    # (a) every changed key reads back as set, every other key as it was, in the same order.
    after = read_back(out)
    kept = [k for k in keys if changes.get(k, None) is not DELETE]
    assert list(after) == kept + [k for k in changes if k not in keys]
    for key in after:
        assert same(after[key], changes[key] if key in changes else before[key]), key

    # (b) the diff touches only the lines of the changed keys, plus lines added before the fence.
    allowed = {i for i, owner in enumerate(owners) if owner in changes}
    old_lines, new_lines = doc.split("\n"), out.split("\n")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal" and i1 < i2:
            assert set(range(i1, i2)) <= allowed, (tag, old_lines[i1:i2])
        elif tag == "insert":
            assert i1 == fence or {i1 - 1, i1} & allowed, (tag, new_lines[j1:j2])

    # (c) the BOM, the opening line, the closing line and the body are byte for byte the same.
    tail = doc.split(nl)[fence] + nl + body
    assert out.startswith(doc[:doc.index(nl) + len(nl)]) and out.endswith(tail)
    front = out[: len(out) - len(tail)]
    assert front.count("\n") == (front.count("\r\n") if nl == "\r\n" else front.count("\n"))
    assert nl == "\r\n" or "\r" not in front


# ------------------------------------------------------------- rename_keys, set_items (migrate's edits)

from salesmd.write.yamledit import rename_keys, set_items, value_texts  # noqa: E402


def test_rename_keeps_the_line_its_value_text_and_comment():
    doc = '---\nName: Ana\n"Phone Number": 0612345678  # mobile\nE-mail:   a@b.example\nt: [x]\n---\nbody\n'
    out = rename_keys(doc, {"Name": "name", "Phone Number": "phone", "E-mail": "email", "absent": "x"})
    assert out == '---\nname: Ana\nphone: 0612345678  # mobile\nemail:   a@b.example\nt: [x]\n---\nbody\n'
    assert rename_keys(out, {"Name": "name"}) == out  # nothing left to rename


def test_rename_keeps_crlf_and_a_multi_line_value():
    doc = "---\r\nAttendees:\r\n  - \"[[Ana]]\"\r\n  - Ben\r\nx: 1\r\n---\r\n"
    assert rename_keys(doc, {"Attendees": "related"}) == doc.replace("Attendees:", "related:")


@pytest.mark.parametrize("doc, renames", [
    ("---\nName: A\nname: B\n---\n", {"Name": "name"}),  # onto a key the note keeps
    ("---\nName: A\nTitle: B\n---\n", {"Name": "name", "Title": "name"}),  # two onto one
])
def test_rename_refuses_to_make_a_key_twice(doc, renames):
    with pytest.raises(ValueError, match="twice"):
        rename_keys(doc, renames)


def test_set_items_changes_each_item_where_it_stands():
    block = '---\nrelated:\n  - "[[Ana Ruiz]]"\n  - Ben  # the site lead\n  - Tree Co\ntags: [a]\n---\n'
    out = set_items(block, "related", ["[[Ana Ruiz]]", "[[Ben]]", "Tree Co"])
    assert out == '---\nrelated:\n  - "[[Ana Ruiz]]"\n  - "[[Ben]]"  # the site lead\n  - Tree Co\ntags: [a]\n---\n'
    flow = '---\nrelated: ["[[Ana]]",  Bolt ]\n---\n'
    assert set_items(flow, "related", ["[[Ana]]", "[[Bolt]]"]) == '---\nrelated: ["[[Ana]]",  "[[Bolt]]" ]\n---\n'
    indentless = "---\ntags:\n- crm\n- 2026\n---\n"
    assert set_items(indentless, "tags", ["crm", "2026"]) == '---\ntags:\n- crm\n- "2026"\n---\n'


def test_set_items_replaces_a_list_it_cannot_edit_item_by_item():
    nested = "---\nrelated: [[Ana]]\n---\n"  # an unquoted link: a list in a list
    assert set_items(nested, "related", ["[[Ana]]"]) == '---\nrelated: ["[[Ana]]"]\n---\n'


def test_value_texts_are_the_scalars_as_written():
    doc = '---\nphone: 0612345678\ntags: [2026, "x"]\nempty:\n---\n'
    assert value_texts(doc, "phone") == ["0612345678"]
    assert value_texts(doc, "tags") == ["2026", '"x"']
    assert value_texts(doc, "empty") == [] and value_texts(doc, "absent") == []
