"""`check` says which Markdown files with front matter it did not read as records, and why, the
same from the check state (the quick check) as from reading every file."""

from __future__ import annotations

import pytest

from conftest import make_vault

NOTES = {
    "People/Ann Lee.md": "---\ntype: person\nName: Ann Lee\n---\n",
    "People/Bo Chen.md": "---\ntype: person\nName: Bo Chen\n---\n",
    "Meetings/Kickoff.md": "---\ntype: meeting\ndate: 2026-11-20\n---\n",
    "Daily/2026-11-24.md": "---\ntags: [daily]\n---\nA daily note.\n",
    "Daily/2026-11-25.md": "---\n---\nAn empty front matter.\n",
    "Daily/draft.md": "---\ntitle: [unclosed\n---\n",
    "contacts/to-sort.md": "---\nname: Someone\n---\n",  # a record folder, but no type: not a record
    "Daily/plain.md": "No front matter: not counted.\n",
}
LINE = ('7 files with front matter are not records (3 without a type, 2 with type "person", '
        '1 with type "meeting", 1 whose front matter could not be read)')
LISTED = """\
  Daily/2026-11-24.md: no type
  Daily/2026-11-25.md: no type
  Daily/draft.md: front matter that could not be read
  Meetings/Kickoff.md: type "meeting"
  People/Ann Lee.md: type "person"
  People/Bo Chen.md: type "person"
  contacts/to-sort.md: no type
"""


def _check(vault, *args: str):
    """A check from the state (the quick way) and one reading every file: they say the same."""
    quick = vault.run("-v", "check", *args)
    assert "state" in quick.stderr and "used" in quick.stderr, quick.stderr
    full = vault.run("-v", "--no-cache", "check", *args)
    assert (quick.exit_code, quick.stdout) == (full.exit_code, full.stdout)
    return quick


def test_check_counts_the_files_that_are_not_records_and_why(tmp_path, monkeypatch):
    vault = make_vault(tmp_path / "v", NOTES)
    monkeypatch.chdir(vault.root)  # paths are shown from where the user stands
    out = vault.run("check", ok=True).stdout
    assert out.endswith(f"9 records checked: 0 errors, 0 warnings\n{LINE}; -v lists them\n")
    listed = _check(vault).stdout
    assert listed.endswith(f"9 records checked: 0 errors, 0 warnings\n{LINE}:\n{LISTED}")
    not_records = vault.json("check")["not_records"]
    assert not_records[0] == {"path": "Daily/2026-11-24.md", "reason": "no-type", "type": None}
    assert {"path": "People/Ann Lee.md", "reason": "type", "type": "person"} in not_records
    assert {"path": "Daily/draft.md", "reason": "not-read", "type": None} in not_records
    assert len(not_records) == 7


def test_one_file_and_a_vault_with_none(tmp_path):
    vault = make_vault(tmp_path / "v")
    assert vault.run("check", ok=True).stdout == "9 records checked: 0 errors, 0 warnings\n"
    vault.write("People/Ann Lee.md", NOTES["People/Ann Lee.md"])
    assert vault.run("check", ok=True).stdout.endswith(
        '\n1 file with front matter is not a record (1 with type "person"); -v lists it\n')


def test_the_quick_check_says_the_same_as_files_change(tmp_path, monkeypatch):
    vault = make_vault(tmp_path / "v", NOTES)
    monkeypatch.chdir(vault.root)
    vault.commit("start")
    vault.run("check")  # the full check writes the state
    assert LINE in _check(vault).stdout
    vault.write("People/Ann Lee.md", "---\ntype: contact\nname: Ann Lee\n---\n")  # brought in
    vault.write("People/Cy Ode.md", "---\ntype: company\n---\n")
    (vault.root / "Daily/draft.md").unlink()
    vault.write("Daily/2026-11-24.md", "---\ntype: daily\n---\n")
    out = _check(vault).stdout
    assert ('6 files with front matter are not records (2 without a type, 1 with type "company", 1 with type "daily", '
            '1 with type "meeting", 1 with type "person"):') in out
    assert "  People/Ann Lee.md" not in out and '  People/Cy Ode.md: type "company"' in out
    assert _check(vault, "--format", "json").stdout == vault.run("--no-cache", "check", "--format", "json").stdout
    assert _check(vault, str(vault.root / "People")).stdout.endswith(  # a folder asked for: only its files
        '2 files with front matter are not records (1 with type "company", 1 with type "person"):\n'
        '  People/Bo Chen.md: type "person"\n  People/Cy Ode.md: type "company"\n')


@pytest.mark.parametrize("rel, text, line", [
    ("contacts/ann.md", "---\ntype: person\nname: Ann\n---\n", "contacts/ann.md:2: error[type-unknown]: type 'person'"),
    ("People/Ann.md", "---\ntype: Contact\nname: Ann\n---\n",
     "People/Ann.md:2: error[type-unknown]: type 'Contact' is not one of lead, contact, account, opportunity, "
     "activity, task, note, issue (did you mean 'contact'?)"),
    ("Deals/big.md", "---\ntype: opportunty\nname: Big\n---\n", "(did you mean 'opportunity'?)"),
])
def test_an_unknown_type_in_a_record_folder_or_one_typo_away_stays_an_error(tmp_path, rel, text, line):
    vault = make_vault(tmp_path / "v", {rel: text})
    out = vault.run("check", ok=False).stdout
    assert line in out
    assert "not a record" not in out
