"""Phone numbers compared in E.164, likely duplicates (`dupes`), `merge` and `rm`: on real vaults
in git repositories, as a user runs them."""

from __future__ import annotations

import os

import pytest

from conftest import VaultDir, default_config_text, make_vault
from salesmd.phones import e164

US = default_config_text() + "\nphone_region: US\n"


# --- phone numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, region, expected", [
    ("(503) 555-0143", "US", "+15035550143"),
    ("+1 503 555 0143", None, "+15035550143"),
    ("+1 503 555 0143", "DE", "+15035550143"),
    ("503.555.0143", "US", "+15035550143"),
    ("503-555-0143", "US", "+15035550143"),
    ("+49 40 5550 1000", None, "+494055501000"),
    ("0049 40 5550 1000", None, "+494055501000"),
    ("0049 40 5550 1000", "US", "+494055501000"),
    ("040 5550 1000", "DE", "+494055501000"),
    ("+1 503 555 0143 ext. 12", None, "+15035550143;ext=12"),
    ("503.555.0143", None, None),   # no country code and no region: not compared
    ("555-01", "US", None),         # not a possible number
    ("call reception", "US", None),
])
def test_numbers_compare_in_e164_whatever_way_they_were_typed(typed, region, expected):
    assert e164(typed, region) == expected


def test_check_warns_of_a_phone_that_cannot_be_a_number_and_passes_the_real_world_forms(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/ann.md": """\
            ---
            type: contact
            name: Ann Lee
            phone: "(503) 555-0143"
            phones: ["503.555.0144", "+49 40 5550 1000", "0049 40 5550 1001", "555-01"]
            ---
            """,
        "leads/bo.md": """\
            ---
            type: lead
            name: Bo inquiry
            stage: new
            phone: "+1 503 55"
            emails: [bo@bo.example]
            ---
            """,
        "accounts/cy.md": """\
            ---
            type: account
            name: Cy Corp
            email: info@cy.example
            phones: ["+1 503 555 0199"]
            ---
            """,
    }, config=US)
    result = vault.run("check")
    assert result.exit_code == 0, result.output  # warnings only
    lines = [line for line in result.output.splitlines() if "phone-invalid" in line]
    assert len(lines) == 2, result.output
    assert "contacts/ann.md:5: warning[phone-invalid]: phones: '555-01' is not a possible" in lines[0]
    assert "leads/bo.md:5: warning[phone-invalid]: phone: '+1 503 55'" in lines[1]
    assert "key-unknown" not in result.output  # emails/phones on leads, email/phones on accounts are known keys


def test_without_a_region_only_international_numbers_are_judged(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/ann.md": "---\ntype: contact\nname: Ann Lee\nphone: \"555-01\"\nphones: [\"+1 503 55\"]\n---\n",
    })
    result = vault.run("check")
    assert "contacts/ann.md:5: warning[phone-invalid]: phones: '+1 503 55'" in result.output
    assert "'555-01'" not in result.output


def test_a_phone_region_that_is_no_country_is_a_config_problem(tmp_path):
    vault = make_vault(tmp_path / "v", config=default_config_text() + "\nphone_region: Narnia\n")
    result = vault.run("check")
    assert "salesmd.yaml:" in result.output and "error[config-value]: 'phone_region' must be a country code" in result.output


# --- dupes --------------------------------------------------------------------------------------

# Jane Doe imported a second time from a phone's vCard: another id, her email in capitals, her
# number written the American way, a second number, another role, and a note linking to her.
JANE_AGAIN = {
    "contacts/jane-doe-2.md": """\
        ---
        type: contact
        name: Jane Doe
        account: "[[acme-corp]]"
        email: Jane@Acme.example
        phone: "(503) 555-0142"
        phones: ["503.555.0199"]
        role: Fleet manager
        source_id: "vcard:77"
        ---
        Prefers calls before 10. Her card: [[jane-doe-2]].
        """,
    "notes/fleet-call.md": """\
        ---
        type: note
        title: Fleet call notes
        date: 2026-11-21
        related: ["[[jane-doe-2]]", "[[acme-fleet-renewal]]"]
        ---
        Spoke with [[jane-doe-2|Jane]] and [[Jane-Doe-2#Phone]]; | [[jane-doe-2\\|Jane]] | in a table.
        """,
    "tasks/call-jane-back.md": """\
        ---
        type: task
        subject: Call Jane back
        status: open
        due: 2026-11-27
        related: "[[jane-doe-2]]"
        ---
        """,
}


@pytest.fixture
def dup_vault(tmp_path):
    vault = make_vault(tmp_path / "vault", JANE_AGAIN, config=US)
    vault.commit("start")
    return vault


def test_dupes_groups_a_contact_imported_twice_and_says_why(dup_vault):
    result = dup_vault.run("dupes", ok=True)
    out = result.output
    assert "1 group of likely duplicates" in out
    assert "contact: Jane Doe" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "contacts/jane-doe.md" in line)
    assert "contacts/jane-doe-2.md" in lines[first + 1]  # the older, shorter id first: the one to keep
    assert "why: same email jane@acme.example (also written 'Jane@Acme.example')" in out
    assert "why: same phone +15035550142 ('+1 503 555 0142', '(503) 555-0142')" in out
    assert "why: same name 'Jane Doe'" in out
    assert "merge: salesmd merge jane-doe jane-doe-2" in out


def test_dupes_json_lists_each_group_with_its_records_and_reasons(dup_vault):
    report = dup_vault.json("dupes")
    assert report["compared"] == 5  # 2 leads, 2 contacts, 1 account
    [group] = report["groups"]
    assert [r["id"] for r in group["records"]] == ["jane-doe", "jane-doe-2"]
    rules = {r["rule"]: r for r in group["reasons"]}
    assert set(rules) == {"email", "phone", "name"}
    assert rules["phone"]["value"] == "+15035550142" and rules["phone"]["ids"] == ["jane-doe", "jane-doe-2"]


def test_a_number_under_a_custom_key_such_as_mobile_is_compared_too(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/ana-ruiz.md": "---\ntype: contact\nname: Ana Ruiz\nphone: \"+1 503 555 0177\"\n---\n",
        "contacts/a-ruiz.md": "---\ntype: contact\nname: A. Ruiz-Lopez\nmobile: \"(503) 555-0177\"\n---\n",
    }, config=US)
    [group] = vault.json("dupes", "--type", "contact")["groups"]
    assert sorted(r["id"] for r in group["records"]) == ["a-ruiz", "ana-ruiz"]
    assert [r["value"] for r in group["reasons"] if r["rule"] == "phone"] == ["+15035550177"]


def test_dupes_finds_companies_under_legal_suffixes_and_close_names_but_not_different_people(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "accounts/acme-inc.md": "---\ntype: account\nname: ACME, Inc.\n---\n",
        "accounts/mueller.md": "---\ntype: account\nname: Müller GmbH & Co. KG\n---\n",
        "accounts/muller-2.md": "---\ntype: account\nname: Muller\n---\n",
        "accounts/globex.md": "---\ntype: account\nname: Globex S.A.\n---\n",
        "contacts/jon-smith.md": "---\ntype: contact\nname: Jon Smith\n---\n",
        "contacts/john-smith.md": "---\ntype: contact\nname: John Smith\n---\n",
        "contacts/tom-becker.md": "---\ntype: contact\nname: Tom Becker\n---\n",
        "contacts/tim-becker.md": "---\ntype: contact\nname: Tim Becker\n---\n",
        "contacts/smith-jon.md": "---\ntype: contact\nname: \"Smith, Jon\"\n---\n",
    }, config=US)
    groups = vault.json("dupes")["groups"]
    ids = sorted(sorted(r["id"] for r in g["records"]) for g in groups)
    assert ids == [["acme-corp", "acme-inc"], ["john-smith", "jon-smith", "smith-jon"], ["mueller", "muller-2"]]
    smiths = next(g for g in groups if g["type"] == "contact")
    rules = {r["rule"] for r in smiths["reasons"]}
    assert rules == {"name", "close-name"}  # "Smith, Jon" is Jon Smith; John is close to Jon
    only = vault.json("dupes", "--type", "account")["groups"]
    assert {g["type"] for g in only} == {"account"}
    text = vault.run("dupes", "--type", "contact").output
    assert "why: close names 'John Smith' ~ 'Jon Smith' (0.95) (jon-smith, smith-jon, john-smith)" in text


def test_close_names_are_compared_within_blocks_only(monkeypatch):
    """3,000 different names cost a few comparisons each, not 3,000 each."""
    import difflib

    from salesmd.reports import dupes

    calls = []
    real = difflib.SequenceMatcher

    class Counting(real):
        def set_seq1(self, a):  # one name compared with another
            calls.append(1)
            super().set_seq1(a)

    monkeypatch.setattr(dupes.difflib, "SequenceMatcher", Counting)
    names = {f"{a}{b}{c} {d}{e}son": {n} for n, (a, b, c, d, e) in enumerate(
        (a, b, c, d, e) for a in "bcdfg" for b in "aeiou" for c in "lmnrt" for d in "klmnp" for e in "aeiou")}
    assert len(names) == 3125
    list(dupes._close_pairs(names))
    assert len(calls) < 3125 * 120  # each name meets only its blocks (<= MAX_BLOCK each), never all 3,125


def test_no_dupes_says_so(vault):
    result = vault.run("dupes", ok=True)
    assert "no likely duplicates among 4 records" in result.output


# --- merge --------------------------------------------------------------------------------------

@pytest.fixture
def conflicted(dup_vault):
    """jane-doe says she buys and is maria's; her second copy says fleet manager, and dev's."""
    dup_vault.write("contacts/jane-doe.md", dup_vault.read("contacts/jane-doe.md").replace(
        "lead:", "role: Buyer\nowner: maria\nlead:"))
    dup_vault.write("contacts/jane-doe-2.md", dup_vault.read("contacts/jane-doe-2.md").replace(
        "source_id:", "owner: dev\nsource_id:"))
    dup_vault.commit("roles")
    return dup_vault


def test_merge_refuses_a_conflict_listing_each_key_with_both_values_and_writes_nothing(conflicted):
    before = conflicted.snapshot()
    result = conflicted.run("merge", "jane-doe", "jane-doe-2")
    assert result.exit_code == 1
    err = result.stderr
    assert ("contacts/jane-doe-2.md:8: error[merge-conflict]: 'role' is 'Fleet manager' here and 'Buyer' in "
            "contacts/jane-doe.md:7; choose with --take role (this one's), --prefer keep or --prefer other") in err
    assert "contacts/jane-doe-2.md:9: error[merge-conflict]: 'owner' is 'dev' here and 'maria' in contacts/jane-doe.md:8" in err
    assert "refused: jane-doe-2 and jane-doe disagree on 2 keys; nothing was written" in err
    assert "email" not in err and "phone" not in err  # the same address and number, written otherwise: no conflict
    assert conflicted.run("merge", "jane-doe", "jane-doe-2", "--take", "role").exit_code == 1  # owner still open
    assert conflicted.snapshot() == before


def test_merge_takes_the_chosen_values_and_keeps_the_others_under_the_heading(conflicted):
    conflicted.run("merge", "jane-doe", "jane-doe-2", "--take", "role", "--prefer", "keep", ok=True)
    jane = conflicted.read("contacts/jane-doe.md")
    front = jane.split("---\n")[1]
    assert "role: Fleet manager" in front and "owner: maria" in front and "owner: dev" not in front
    assert "Values of jane-doe-2 not kept:\n\n- owner: dev\n" in jane
    assert conflicted.run("check").exit_code == 0


def test_merge_prefer_other_takes_every_conflicting_value_of_other(conflicted):
    conflicted.run("merge", "jane-doe", "jane-doe-2", "--prefer", "other", ok=True)
    jane = conflicted.read("contacts/jane-doe.md")
    assert "role: Fleet manager" in jane and "owner: dev" in jane and "not kept" not in jane


def test_merge_take_of_a_key_other_lacks_is_refused(conflicted):
    result = conflicted.run("merge", "jane-doe", "jane-doe-2", "--take", "industry")
    assert result.exit_code == 1 and "--take industry: jane-doe-2 has no 'industry'; nothing was written" in result.stderr


def test_merge_folds_other_into_keep_rewrites_every_link_and_deletes_other(dup_vault):
    result = dup_vault.run("merge", "jane-doe", "jane-doe-2", "--commit", ok=True)
    assert "contacts/jane-doe-2.md" in result.output.splitlines()[-2] and result.output.splitlines()[-2].startswith("deleted ")
    assert not (dup_vault.root / "contacts/jane-doe-2.md").exists()
    jane = dup_vault.read("contacts/jane-doe.md")
    # the keys jane-doe lacked are added; the same email and number (written otherwise) are not repeated
    assert 'phone: "+1 503 555 0142"' in jane and "email: jane@acme.example" in jane
    assert "role: Fleet manager" in jane and "source_id: vcard:77" in jane
    assert "phones: [503.555.0199]" in jane or "phones: ['503.555.0199']" in jane or 'phones: ["503.555.0199"]' in jane
    assert "(503) 555-0142" not in jane and "Jane@Acme.example" not in jane
    # its body, under a heading saying where it came from (its link to itself now leads to jane-doe)
    assert "## Merged from jane-doe-2\n\nFrom `contacts/jane-doe-2.md`, merged on" in jane
    assert jane.endswith("Prefers calls before 10. Her card: [[jane-doe]].\n")
    # front-matter links (in a list and alone) and body wikilinks, alias, heading and table forms kept
    note = dup_vault.read("notes/fleet-call.md")
    assert 'related: ["[[jane-doe]]", "[[acme-fleet-renewal]]"]' in note
    assert "Spoke with [[jane-doe|Jane]] and [[jane-doe#Phone]]; | [[jane-doe\\|Jane]] | in a table." in note
    assert 'related: "[[jane-doe]]"' in dup_vault.read("tasks/call-jane-back.md")
    assert dup_vault.run("check").exit_code == 0
    from conftest import git
    assert git(dup_vault.root, "log", "-1", "--format=%s").strip() == "merge contact jane-doe-2 into jane-doe"
    assert git(dup_vault.root, "status", "--porcelain").strip() == ""  # the deletion is committed too


def test_merge_dry_run_shows_every_files_diff_and_writes_nothing(dup_vault):
    before = dup_vault.snapshot()
    result = dup_vault.run("merge", "jane-doe", "jane-doe-2", "--dry-run", ok=True)
    out = result.output
    for rel in ("contacts/jane-doe.md", "notes/fleet-call.md", "tasks/call-jane-back.md"):
        assert f"--- a/{rel}\n+++ b/{rel}\n" in out
    assert "--- a/contacts/jane-doe-2.md\n+++ /dev/null\n" in out
    assert '-related: "[[jane-doe-2]]"\n+related: "[[jane-doe]]"' in out
    assert dup_vault.snapshot() == before


@pytest.mark.parametrize("args, says", [
    (("jane-doe", "jane-doe"), "KEEP and OTHER are the same record (contacts/jane-doe.md): there is nothing to merge"),
    (("jane-doe", "JANE-DOE"), "KEEP and OTHER are the same record"),
    (("jane-doe", "acme-corp"), "'jane-doe' is a contact and 'acme-corp' an account: only records of one type merge"),
    (("jane-doe", "jane-do"), "no record with id 'jane-do' (did you mean one of: 'jane-doe', 'jane-doe-2'?); nothing was written"),
    (("jane-dough", "jane-doe-2"), "no record with id 'jane-dough' (did you mean 'jane-doe'"),
])
def test_merge_refuses_with_the_reason_and_writes_nothing(dup_vault, args, says):
    before = dup_vault.snapshot()
    result = dup_vault.run("merge", *args)
    assert result.exit_code == 1 and says in result.stderr
    assert dup_vault.snapshot() == before


def test_merge_refuses_leads_converted_into_different_opportunities(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "leads/jane-again.md": """\
            ---
            type: lead
            name: Jane Doe inquiry
            stage: converted
            company: Acme Corp
            converted_to: "[[acme-spare-parts]]"
            converted_on: 2026-10-20
            ---
            """,
        "opportunities/acme-spare-parts.md": """\
            ---
            type: opportunity
            name: Acme spare parts
            stage: prospecting
            account: "[[acme-corp]]"
            lead: "[[jane-again]]"
            ---
            """,
    })
    vault.commit("two conversions")
    before = vault.snapshot()
    result = vault.run("merge", "jane-doe-inquiry", "jane-again")
    assert result.exit_code == 1
    assert ("lead 'jane-doe-inquiry' was converted into 'acme-fleet-renewal' and 'jane-again' into "
            "'acme-spare-parts': a converted lead keeps its opportunity") in result.stderr
    assert vault.snapshot() == before


def test_a_merge_that_check_would_refuse_is_not_written(dup_vault):
    """Two tasks, one following the other: merged, the task would follow itself (follows-cycle)."""
    dup_vault.run("merge", "send-quote", "chase-quote", "--prefer", "keep", ok=False)
    assert (dup_vault.root / "tasks/chase-quote.md").exists()
    assert "follows" not in dup_vault.read("tasks/send-quote.md")


# --- rm -----------------------------------------------------------------------------------------

def test_rm_refuses_while_links_lead_to_the_record_listing_each_place(dup_vault):
    before = dup_vault.snapshot()
    result = dup_vault.run("rm", "jane-doe-2", "--yes")
    assert result.exit_code == 1
    err = result.stderr
    assert "notes/fleet-call.md:5: error[rm-linked]: 'related' links to jane-doe-2: [[jane-doe-2]]" in err
    assert "notes/fleet-call.md:7: error[rm-linked]: its text links to jane-doe-2: [[jane-doe-2|Jane]]" in err
    assert "notes/fleet-call.md:7: error[rm-linked]: its text links to jane-doe-2: [[Jane-Doe-2#Phone]]" in err
    assert "tasks/call-jane-back.md:6: error[rm-linked]: 'related' links to jane-doe-2: [[jane-doe-2]]" in err
    assert "refused: 5 links lead to jane-doe-2; give --to ID to move them to another record" in err
    assert dup_vault.snapshot() == before


def test_rm_to_relinks_then_deletes_all_or_nothing(dup_vault):
    result = dup_vault.run("rm", "jane-doe-2", "--to", "jane-doe", "--yes", "--commit", ok=True)
    assert not (dup_vault.root / "contacts/jane-doe-2.md").exists()
    assert 'related: "[[jane-doe]]"' in dup_vault.read("tasks/call-jane-back.md")
    assert "[[jane-doe|Jane]] and [[jane-doe#Phone]]" in dup_vault.read("notes/fleet-call.md")
    assert "committed" in result.output and "rm contact jane-doe-2, its links moved to jane-doe" in result.output
    assert dup_vault.run("check").exit_code == 0


def test_rm_asks_first_and_a_no_deletes_nothing(dup_vault):
    from click.testing import CliRunner

    from salesmd.cli import main

    before = dup_vault.snapshot()
    said_no = CliRunner().invoke(main, ["--vault", str(dup_vault.root), "rm", "call-jane-back"], input="n\n")
    assert said_no.exit_code == 1 and "Delete tasks/call-jane-back.md (task 'Call Jane back')?" in said_no.stderr
    assert dup_vault.snapshot() == before
    said_yes = CliRunner().invoke(main, ["--vault", str(dup_vault.root), "rm", "call-jane-back"], input="y\n")
    assert said_yes.exit_code == 0, said_yes.output
    assert not (dup_vault.root / "tasks/call-jane-back.md").exists()


def test_rm_dry_run_and_bad_ids_write_nothing(dup_vault):
    before = dup_vault.snapshot()
    dry = dup_vault.run("rm", "jane-doe-2", "--to", "jane-doe", "--dry-run", ok=True)
    assert "--- a/contacts/jane-doe-2.md\n+++ /dev/null\n" in dry.output and "+++ b/notes/fleet-call.md" in dry.output
    unknown = dup_vault.run("rm", "jane-doe-3", "--yes")
    assert unknown.exit_code == 1 and "no record with id 'jane-doe-3' (did you mean" in unknown.stderr
    bad_to = dup_vault.run("rm", "jane-doe-2", "--to", "jane-dooe", "--yes")
    assert bad_to.exit_code == 1 and "no record with id 'jane-dooe' (did you mean one of: 'jane-doe'" in bad_to.stderr
    itself = dup_vault.run("rm", "jane-doe-2", "--to", "jane-doe-2", "--yes")
    assert itself.exit_code == 1 and "--to jane-doe-2 is the record being removed" in itself.stderr
    assert dup_vault.snapshot() == before


def test_a_deletion_cut_short_by_a_crash_is_finished_by_the_next_command(dup_vault):
    """The journal holds a deleted file as 'after: none'; settling it removes the file."""
    from salesmd.write import journal

    rel = "tasks/call-jane-back.md"
    data = (dup_vault.root / rel).read_bytes()
    with journal.locked(dup_vault.root):
        journal.begin(dup_vault.root, "rm task call-jane-back", [journal.Entry(rel, data, None)])
    result = dup_vault.run("check")
    assert "finished 'rm task call-jane-back', which was interrupted" in result.stderr
    assert not (dup_vault.root / rel).exists()


def test_rm_to_keeps_each_link_form_path_style_md_and_heading(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/li-wei.md": "---\ntype: contact\nname: Li Wei\naccount: \"[[acme-corp]]\"\n---\n",
        "notes/forms.md": """\
            ---
            type: note
            title: Link forms
            date: 2026-11-21
            related: ["[[contacts/li-wei]]", "[[li-wei.md]]", "[[jane-doe]]"]
            ---
            [[contacts/li-wei|Li]], [[li-wei.md]], [[LI-WEI#Role]], ![[li-wei]] and [[li-weird]].
            """,
    })
    vault.commit("forms")
    vault.run("rm", "li-wei", "--to", "jane-doe", "--yes", ok=True)
    note = vault.read("notes/forms.md")
    assert 'related: ["[[contacts/jane-doe]]"]' in note  # the list named jane-doe thrice: once, as first written
    assert "[[contacts/jane-doe|Li]], [[jane-doe.md]], [[jane-doe#Role]], ![[jane-doe]] and [[li-weird]]." in note
    assert vault.run("check").exit_code == 0


def test_rm_lists_the_same_links_without_the_index(dup_vault):
    with_index = dup_vault.run("rm", "jane-doe-2", "--yes").stderr
    without = dup_vault.run("--no-cache", "rm", "jane-doe-2", "--yes").stderr
    assert with_index.count("error[rm-linked]") == 5 and without == with_index


def test_search_and_vcard_export_see_every_address_and_number(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "leads/kim.md": "---\ntype: lead\nname: Kim inquiry\nstage: new\nemail: kim@a.example\n"
                        "emails: [kim.private@b.example]\nphones: [\"+49 40 5550 1000\"]\n---\n",
        "contacts/ann.md": "---\ntype: contact\nname: Ann Lee\nemail: ann@a.example\nemails: [ann@b.example]\n"
                           "phone: \"(503) 555-0143\"\nphones: [\"+1 503 555 0199\"]\n---\n",
    }, config=US)
    found = vault.json("search", "private")
    found = found if isinstance(found, list) else found["results"]
    assert [r["id"] for r in found] == ["kim"]  # by the address in its `emails` list
    card = vault.run("export", "contact", "--format", "vcard", ok=True).output
    ann = next(block for block in card.split("END:VCARD") if "FN:Ann Lee" in block)
    assert "ann@a.example" in ann and "ann@b.example" in ann and "(503) 555-0143" in ann and "+1 503 555 0199" in ann


def test_merge_killed_before_each_rename_leaves_all_or_nothing(dup_vault, tmp_path):
    """A real `salesmd merge` process SIGKILLed before each of its renames (the journal's, each
    edited file's, the journal's end); the next command leaves the vault before or after, whole."""
    import shutil
    import signal
    import subprocess
    import sys

    from test_crash import files, leftovers

    args = ["merge", "jane-doe", "jane-doe-2"]
    reference = tmp_path / "reference"
    shutil.copytree(dup_vault.root, reference, symlinks=True)
    before = files(reference)
    subprocess.run([sys.executable, "-m", "salesmd", "--vault", str(reference), *args], check=True,
                   capture_output=True)
    after = files(reference)
    assert "contacts/jane-doe-2.md" not in after
    renames = 2 + sum(before.get(rel) != data for rel, data in after.items())
    for k in range(1, renames + 1):
        root = tmp_path / f"k{k}"
        shutil.copytree(dup_vault.root, root, symlinks=True)
        proc = subprocess.run([sys.executable, "-m", "salesmd", "--vault", str(root), *args], capture_output=True,
                              env={**os.environ, "SALESMD_TEST_KILL_AT_RENAME": str(k)})
        assert proc.returncode == -signal.SIGKILL, f"rename {k} of {renames}: not killed"
        result = VaultDir(root).run("list", "contact")
        assert "Traceback" not in result.stderr
        assert files(root) == (before if k == 1 else after), f"killed before rename {k}"
        assert leftovers(root) == []


def test_merge_keeps_both_addresses_whatever_is_preferred(conflicted):
    """A different email is never a conflict: KEEP's stays `email` (OTHER's with --take email), the
    other joins `emails`, even with --prefer other."""
    conflicted.write("contacts/jane-doe-2.md", conflicted.read("contacts/jane-doe-2.md").replace(
        "Jane@Acme.example", "jane.doe@home.example"))
    conflicted.run("merge", "jane-doe", "jane-doe-2", "--prefer", "other", ok=True)
    front = conflicted.read("contacts/jane-doe.md").split("---\n")[1]
    assert "email: jane@acme.example" in front and "emails: [jane.doe@home.example]" in front


def test_merge_take_email_makes_others_address_the_main_one(conflicted):
    conflicted.write("contacts/jane-doe-2.md", conflicted.read("contacts/jane-doe-2.md").replace(
        "Jane@Acme.example", "jane.doe@home.example"))
    conflicted.run("merge", "jane-doe", "jane-doe-2", "--take", "email", "--prefer", "keep", ok=True)
    front = conflicted.read("contacts/jane-doe.md").split("---\n")[1]
    assert "email: jane.doe@home.example" in front and "emails: [jane@acme.example]" in front


def test_rm_to_a_record_the_links_cannot_lead_to_is_refused_by_the_check(dup_vault):
    """The task and the note may relate to any customer record, but an opportunity's contacts
    must be contacts: moving jane-doe's links to the account would break that one."""
    before = dup_vault.snapshot()
    result = dup_vault.run("rm", "jane-doe", "--to", "acme-corp", "--yes")
    assert result.exit_code == 1
    assert "opportunities/acme-fleet-renewal.md:6: error[link-type]" in result.stderr
    assert "refused: the change would add the problems above; nothing was written" in result.stderr
    assert dup_vault.snapshot() == before


def test_merge_keeps_crlf_line_endings_in_what_it_appends(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "contacts/ann.md": b"---\r\ntype: contact\r\nname: Ann Lee\r\nemail: ann@a.example\r\n---\r\nFirst body.\r\n",
        "contacts/ann-2.md": b"---\r\ntype: contact\r\nname: Ann Lee\r\nemail: ANN@a.example\r\nrole: CFO\r\n---\r\n"
                             b"Second body.\r\nline two\r\n",
    })
    vault.commit("crlf")
    vault.run("merge", "ann", "ann-2", ok=True)
    text = (vault.root / "contacts/ann.md").read_bytes()
    assert b"\n" not in text.replace(b"\r\n", b"")  # every line break is CRLF
    assert text.startswith(b"---\r\ntype: contact\r\nname: Ann Lee\r\nemail: ann@a.example\r\nrole: CFO\r\n---\r\n"
                           b"First body.\r\n\r\n## Merged from ann-2\r\n\r\nFrom `contacts/ann-2.md`, merged on ")
    assert text.endswith(b".\r\n\r\nSecond body.\r\nline two\r\n")


def test_dupes_names_an_open_lead_that_is_already_a_contact_with_the_convert_to_run(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "leads/webform-jane.md": "---\ntype: lead\nname: Web form - forklift quote\nstage: new\n"
                                 "email: JANE@acme.example\nphone: \"(503) 555-0142\"\n---\n",
        # a converted lead shares its contact's address by design: not reported
        "leads/jane-doe-inquiry.md": "---\ntype: lead\nname: Jane Doe inquiry\nstage: converted\ncompany: Acme Corp\n"
                                     "email: jane@acme.example\nconverted_to: \"[[acme-fleet-renewal]]\"\n"
                                     "converted_on: 2026-10-02\nowner: maria\n---\n",
    }, config=US)
    text = vault.run("dupes", ok=True).output
    assert "open lead, already a contact: Web form - forklift quote" in text
    assert "why: same email JANE@acme.example (also written 'jane@acme.example')" in text
    assert "why: same phone +15035550142 ('(503) 555-0142', '+1 503 555 0142')" in text
    assert "convert: salesmd convert webform-jane --contact jane-doe" in text
    assert "convert jane-doe-inquiry" not in text  # (the two leads are a group of leads: same email)
    [group] = [g for g in vault.json("dupes")["groups"] if g["known_contact"]]
    assert group["suggest"] == ["salesmd convert webform-jane --contact jane-doe"]
    assert [g for g in vault.json("dupes", "--type", "lead")["groups"] if g["known_contact"]] == []
