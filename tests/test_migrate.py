"""salesmd migrate: an Obsidian CRM vault (tests/data/obsidian-crm) brought in where its notes lie,
line by line, all or nothing, and a second run changes nothing."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import git, make_vault
from salesmd.cli import main
from salesmd.store.frontmatter import split

OBSIDIAN = Path(__file__).parent / "data" / "obsidian-crm"
MAP = OBSIDIAN / "salesmd-map.yaml"
TODAY = ("--today", "2026-11-25")


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--vault", str(root), *TODAY, *args], catch_exceptions=False)


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file but git's and the index, .obsidian/ included."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.parts and ".salesmd" not in p.parts}


@pytest.fixture
def notes(tmp_path) -> Path:
    """The Obsidian vault copied, with `salesmd init .` run in it, as the README says."""
    root = tmp_path / "notes"
    shutil.copytree(OBSIDIAN, root)
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


def migrated(notes: Path) -> dict[str, str]:
    """Every note's text before, then migrate --apply: {path: text before}."""
    before = {p.relative_to(notes).as_posix(): p.read_text(encoding="utf-8") for p in notes.rglob("*.md")}
    result = run(notes, "migrate", "--map", str(MAP), "--apply")
    assert result.exit_code == 0, result.output
    return before


# ------------------------------------------------------------------------ the Obsidian vault

def test_the_dry_run_shows_the_diff_and_what_it_would_do_and_changes_no_byte(notes):
    before = snapshot(notes)
    result = run(notes, "migrate", "--map", str(MAP))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "+++ b/People/Ana Ruiz.md" in out and '+account: "[[Tree Company]]"' in out
    assert "would migrate 9 notes: 2 accounts, 3 activities, 3 contacts, 1 lead" in out
    assert "Prospects/Delta Farms.md:9: stage: new (the lead pipeline's first stage)" in out
    assert "Meetings/2026-11-20 Tree Company kickoff.md:12: status: done" in out
    assert "Meetings/2026-12-03 Bolt Builders demo.md:8: status: planned" in out
    assert "Templates/: Obsidian's templates folder (3 notes)" in out
    assert "dry run: nothing was written" in out
    assert snapshot(notes) == before


def test_one_apply_makes_the_vault_check_clean_with_its_links_resolved(notes):
    before = run(notes, "check")  # type: person is no record type: notes of someone's, counted
    assert before.exit_code == 0 and "0 records checked" in before.output, before.output
    assert 'with type "person"' in before.output and "are not records" in before.output
    migrated(notes)
    check = run(notes, "check")
    assert check.exit_code == 0 and "9 records checked: 0 errors, 0 warnings" in check.output, check.output
    ana = json.loads(run(notes, "show", "Ana Ruiz", "--format", "json").stdout)
    assert {(l["key"], l["id"]) for l in ana["links"]} == {("account", "Tree Company")}
    kickoff = json.loads(run(notes, "show", "2026-11-20 Tree Company kickoff", "--format", "json").stdout)
    assert {l["id"] for l in kickoff["links"]} == {"Ana Ruiz", "Chloé Martin", "Tree Company"}
    listed = json.loads(run(notes, "list", "activity", "--format", "json").stdout)
    assert {(r["id"], r["status"], r["kind"]) for r in listed} == {
        ("2026-11-12 Call with Delta Farms", "done", "call"),
        ("2026-11-20 Tree Company kickoff", "done", "meeting"),
        ("2026-12-03 Bolt Builders demo", "planned", "meeting")}
    assert sorted(p.relative_to(notes).as_posix() for p in notes.rglob("*.md")
                  if "Templates" not in p.parts and "Daily notes" not in p.parts) == sorted(
        ["Home.md", "People/Ana Ruiz.md", "People/Ben Okafor.md", "People/Chloé Martin.md",
         "Companies/Tree Company.md", "Companies/Bolt Builders.md", "Prospects/Delta Farms.md",
         "Meetings/2026-11-12 Call with Delta Farms.md", "Meetings/2026-11-20 Tree Company kickoff.md",
         "Meetings/2026-12-03 Bolt Builders demo.md"])  # nothing moved, nothing new


def test_a_note_changes_only_on_the_lines_it_must(notes):
    before = migrated(notes)
    assert (notes / "People/Chloé Martin.md").read_text(encoding="utf-8") == """\
---
type: contact
name: Chloé Martin
account: "[[Tree Company]]"
phone: "+33 6 12 34 56 78"  # mobile, WhatsApp too
tags:
  - crm
owner: maria
---
CFO of [[Tree Company]]. Signs off on purchases over 50k.
"""
    kickoff = (notes / "Meetings/2026-11-20 Tree Company kickoff.md").read_text(encoding="utf-8")
    assert kickoff.startswith('---\ntype: activity\nstart: 2026-11-20\nrelated:\n  - "[[Ana Ruiz]]"\n'
                              '  - "[[Chloé Martin]]"\n  - "[[Tree Company]]"\ntags:\n  - meeting\n')
    for rel, old in before.items():
        new = (notes / rel).read_text(encoding="utf-8")
        assert split(new).body == split(old).body, rel
        old_lines, new_lines = old.splitlines(), new.splitlines()
        closing = len(split(old).yaml_text.splitlines()) + 1  # the closing --- line's index
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
            # a key's own lines rewritten in place, never their neighbours; keys added at the end
            # of the front matter (just before its closing ---); nothing removed
            assert op in ("equal", "replace", "insert"), (rel, op, old_lines[i1:i2])
            rewritten = i2 - i1 if op == "replace" else 0
            assert j2 - j1 >= rewritten, (rel, old_lines[i1:i2], new_lines[j1:j2])
            assert op == "equal" or j2 - j1 == rewritten or i2 == closing, (rel, op, new_lines[j1:j2])


def test_a_renamed_key_keeps_its_value_text(notes):
    migrated(notes)
    ana = (notes / "People/Ana Ruiz.md").read_text(encoding="utf-8").splitlines()
    assert 'phone: "+1 503 555 0142"' in ana and "email: ana.ruiz@treecompany.example" in ana
    assert "role: Fleet manager" in ana and "created: 2026-10-02" in ana  # the quoted date unquoted
    ben = (notes / "People/Ben Okafor.md").read_text(encoding="utf-8").splitlines()
    assert 'phone: "0612345678"' in ben  # a number to YAML: quoted as written, leading zero kept
    assert 'account: "[[Bolt Builders]]"' in ben and "tags: [crm, prospect]" in ben


def test_a_second_run_is_a_no_op(notes):
    migrated(notes)
    after = snapshot(notes)
    again = run(notes, "migrate", "--map", str(MAP), "--apply")
    assert again.exit_code == 0 and "nothing to migrate" in again.output, again.output
    assert snapshot(notes) == after


def test_templates_are_left_alone_and_ignored(notes):
    templates = {p.name: p.read_bytes() for p in (notes / "Templates").iterdir()}
    migrated(notes)
    assert {p.name: p.read_bytes() for p in (notes / "Templates").iterdir()} == templates
    assert "<% tp.date.now(\"YYYY-MM-DD\") %>" in (notes / "Templates/Person.md").read_text()
    assert "\nignore: [Templates]\n" in (notes / "salesmd.yaml").read_text()
    assert (notes / "Daily notes/2026-11-21.md").read_text() == (OBSIDIAN / "Daily notes/2026-11-21.md").read_text()


def test_commit_makes_one_commit_of_the_files_written(notes, monkeypatch):
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "t@example.com")
    git(notes, "add", "-A")
    git(notes, "commit", "-qm", "notes as they were")
    result = run(notes, "migrate", "--map", str(MAP), "--apply", "--commit")
    assert result.exit_code == 0 and "committed" in result.output, result.output
    assert git(notes, "log", "-1", "--format=%s").strip() == \
        "migrate 9 notes: 2 accounts, 3 activities, 3 contacts, 1 lead"
    assert git(notes, "status", "--porcelain").strip() == ""
    written = [line for line in git(notes, "show", "--name-only", "--format=", "HEAD").splitlines() if line]
    assert len(written) == 10  # the 9 notes and salesmd.yaml


# ------------------------------------------------------------------------ options and edge cases

@pytest.fixture
def small(tmp_path):
    return make_vault(tmp_path / "v", {
        "Companies/Tree Co.md": "---\ntype: company\nName: Tree Company\n---\n",
        "People/Ana.md": "---\ntype: person\nName: Ana Ruiz\nCompany: Tree Company\n---\n",
        "Leads/Oak.md": "---\ntype: prospect\nName: Oak inquiry\nCompany: Tree Company\n---\n",
    }, base=False)


OPTIONS = ("--type", "person=contact", "--type", "company=account", "--type", "prospect=lead",
           "--key", "Name=name", "--key", "Company=account")


def test_options_map_types_and_keys_and_a_name_becomes_a_link_on_link_keys_only(small):
    small.run(*TODAY, "migrate", *OPTIONS, "--default", "lead.stage=contacted", "--apply", ok=True)
    assert 'account: "[[Tree Co]]"' in small.read("People/Ana.md")  # found by its name; linked by its id
    oak = small.read("Leads/Oak.md")
    assert "account: Tree Company" in oak  # a lead's `account` is no link key: its text stays
    assert "stage: contacted" in oak  # --default wins over the placeholder
    assert small.run(*TODAY, "check").exit_code == 0


def test_a_name_no_record_bears_is_listed_and_apply_refuses(small):
    small.write("People/Li.md", "---\ntype: person\nName: Li Wei\nCompany: Nowhere Ltd\n---\n")
    before = small.snapshot()
    dry = small.run(*TODAY, "migrate", *OPTIONS)
    assert dry.exit_code == 1
    assert "People/Li.md:4: account: 'Nowhere Ltd' left as text: no account is named 'Nowhere Ltd'" in dry.output
    assert "People/Li.md:4: error[link-format]" in dry.stderr and "--apply would refuse" in dry.stderr
    applied = small.run(*TODAY, "migrate", *OPTIONS, "--apply")
    assert applied.exit_code == 1 and "nothing was written" in applied.stderr
    assert small.snapshot() == before


def test_a_key_renamed_onto_one_the_note_has_is_located_and_nothing_is_written(small):
    small.write("People/Bo.md", "---\ntype: person\nName: Bo\nname: Bo Li\n---\n")
    before = small.snapshot()
    result = small.run(*TODAY, "migrate", *OPTIONS, "--apply")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "People/Bo.md:3: error[migrate-key-clash]: 'Name' would be renamed 'name'" in result.stderr
    assert small.snapshot() == before


def test_a_note_of_a_mapped_type_that_is_not_yaml_is_located(small):
    small.write("People/Bad.md", "---\ntype: person\nName: [unclosed\n---\n")
    result = small.run(*TODAY, "migrate", *OPTIONS)
    assert result.exit_code == 1 and re.search(r"People/Bad.md:\d+: error\[migrate-unreadable\]: ", result.stderr)


def test_dates_editors_write_are_read_as_dates_on_date_keys(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "notes/n.md": '---\ntype: note\ntitle: T\ndate: "2026-11-20"\ncreated: 2026-11-19T00:00:00.000Z\n---\n',
        "activities/a.md": '---\ntype: activity\nsubject: S\nkind: call\nstatus: done\nstart: "2026-11-20 14:30"\n---\n',
        "contacts/c.md": '---\ntype: contact\nname: C\nphone: 5035550142\ntags: [2026, vip]\n---\n',
        "accounts/acme.md": '---\ntype: account\nname: A\ncreated: 2026-11-20 10:15  # Templater\'s creation_date\n---\n',
    }, base=False)
    out = vault.run(*TODAY, "migrate", "--apply", ok=True).output
    assert "created: 2026-11-20T10:15 -> 2026-11-20 (the time of day dropped: 'created' takes a date)" in out
    assert "created: 2026-11-20  # Templater's creation_date\n" in vault.read("accounts/acme.md")
    assert vault.read("notes/n.md") == "---\ntype: note\ntitle: T\ndate: 2026-11-20\ncreated: 2026-11-19\n---\n"
    assert "start: 2026-11-20T14:30\n" in vault.read("activities/a.md")
    assert 'phone: "5035550142"\ntags: ["2026", vip]\n' in vault.read("contacts/c.md")
    assert vault.run(*TODAY, "check").exit_code == 0


def test_an_unquoted_link_and_a_list_of_one_where_one_link_belongs(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "accounts/acme.md": "---\ntype: account\nname: Acme\n---\n",
        "contacts/c.md": '---\ntype: contact\nname: C\naccount: ["[[acme]]"]\n---\n',
        "contacts/d.md": "---\ntype: contact\nname: D\naccount: [[acme]]\n---\n",
    }, base=False)
    vault.run(*TODAY, "migrate", "--apply", ok=True)
    assert 'account: "[[acme]]"' in vault.read("contacts/c.md") and 'account: "[[acme]]"' in vault.read("contacts/d.md")
    assert vault.run(*TODAY, "check").exit_code == 0


def test_a_template_outside_the_templates_folder_is_named_and_left(small):
    small.write("People/New person.md", "---\ntype: person\nName: <% tp.file.title %>\n---\n")
    result = small.run(*TODAY, "migrate", *OPTIONS, ok=True)
    assert "People/New person.md: its front matter holds template commands" in result.output
    assert "+++ b/People/New person.md" not in result.output


@pytest.mark.parametrize("text, line, words", [
    ("types:\n  person: contakt\n", 2, "'contakt' is not a record type (did you mean 'contact'?)"),
    ("types:\n  meeting:\n    keys: {date: start}\n", 2, "say which record type it becomes"),
    ("keys:\n  Name: [name]\n", 2, "a key must be a name on one line"),
    ("kinds:\n  a: b\n", 1, "unknown section 'kinds'"),
    ("types: [person]\n", 1, "types: must be `name: value` lines"),
])
def test_a_mistake_in_the_mapping_file_is_located(small, tmp_path, text, line, words):
    bad = tmp_path / "map.yaml"
    bad.write_text(text)
    result = small.run("migrate", "--map", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}:{line}: error[migrate-map]: " in result.stderr and words in result.stderr


def test_a_bad_option_is_a_usage_error(small):
    result = small.run("migrate", "--type", "person=contakt")
    assert result.exit_code == 2 and "did you mean 'contact'" in result.stderr
    assert small.run("migrate", "--key", "Name").exit_code == 2


def test_a_salesmd_vault_has_nothing_to_migrate(tmp_path):
    root = tmp_path / "example"
    shutil.copytree(Path(__file__).parent.parent / "example-vault", root, ignore=shutil.ignore_patterns(".salesmd"))
    before = snapshot(root)
    result = run(root, "migrate", "--apply")
    assert result.exit_code == 0 and "nothing to migrate" in result.output, result.output
    assert snapshot(root) == before


def test_a_name_of_a_note_whose_type_is_not_mapped_says_which_type_to_map(notes):
    result = run(notes, "migrate", "--type", "person=contact", "--key", "Company=account")
    assert result.exit_code == 1
    assert ("People/Ana Ruiz.md:4: account: 'Tree Company' left as text: Companies/Tree Company.md is of type "
            "'company', which is not mapped (--type company=account would make it a record)") in result.output
    assert "2 notes of type 'company', which is not mapped (--type company=TYPE makes them records)" in result.output


def test_a_windows_note_keeps_its_bom_and_crlf(small):
    small.write("People/Win.md", b"\xef\xbb\xbf---\r\ntype: person\r\nName: Win Doe\r\nCompany: Tree Company\r\n"
                                 b"tags:\r\n- crm\r\n---\r\nbody\r\n")
    small.run(*TODAY, "migrate", *OPTIONS, "--apply", ok=True)
    assert (small.root / "People/Win.md").read_bytes() == (
        b'\xef\xbb\xbf---\r\ntype: contact\r\nname: Win Doe\r\naccount: "[[Tree Co]]"\r\ntags:\r\n- crm\r\n'
        b"---\r\nbody\r\n")
