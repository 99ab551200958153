"""Commands that write: each leaves a diff of exactly the lines it meant to change, or nothing."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import git, make_vault
from salesmd.write import files


@pytest.fixture
def committed(tmp_path):
    vault = make_vault(tmp_path / "v")
    vault.commit("initial")
    return vault


def numstat(vault) -> dict[str, tuple[int, int]]:
    git(vault.root, "add", "-A", "--intent-to-add")
    out = git(vault.root, "diff", "--numstat")
    return {line.split("\t")[2]: (int(line.split("\t")[0]), int(line.split("\t")[1]))
            for line in out.splitlines()}


def test_new_fills_the_skeleton_and_checks_clean(committed):
    result = committed.run("--today", "2026-11-24", "new", "lead", "Bolt & Nut <Co>", "--company", "Bolt",
                           "--phone", "0123", "--owner", "dev", ok=True)
    assert "created" in result.output and "leads/bolt-nut-co.md" in result.output
    text = committed.read("leads/bolt-nut-co.md")
    assert 'name: Bolt & Nut <Co>\nstage: new\ncreated: 2026-11-24\n' in text
    assert 'phone: "0123"' in text
    committed.run("check", ok=True)
    assert committed.json("show", "bolt-nut-co")["fields"]["phone"] == "0123"


def test_new_refuses_an_existing_id_ignoring_case(committed):
    before = committed.snapshot()
    result = committed.run("new", "account", "ACME Corp")
    assert result.exit_code == 1 and "already used by accounts/acme-corp.md" in result.stderr
    assert committed.snapshot() == before


def test_new_uses_the_vaults_own_skeleton(committed):
    committed.write("templates/skeletons/note.md", "---\ntype: note\ntitle: {{ name | yaml }}\n"
                                                    "date: {{ today | yaml }}\n---\n## Outcome (ours)\n")
    committed.run("new", "note", "Pricing call", ok=True)
    assert "## Outcome (ours)" in committed.read("notes/pricing-call.md")
    committed.run("check", ok=True)  # the vault's templates/ folder is not read as records


def test_new_refuses_values_that_would_break_the_record(committed):
    result = committed.run("new", "opportunity", "Odd deal", "--stage", "proposal")
    assert result.exit_code == 1 and "stage-requires" in result.stderr
    assert not (committed.root / "opportunities/odd-deal.md").exists()


def test_dry_run_prints_the_diff_and_writes_nothing(committed):
    before = committed.snapshot()
    result = committed.run("move", "acme-fleet-renewal", "negotiation", "--dry-run", ok=True)
    assert "-stage: proposal\n+stage: negotiation\n" in result.output
    assert committed.snapshot() == before


def test_move_changes_one_line_and_commits(committed):
    result = committed.run("move", "acme-fleet-renewal", "negotiation", ok=True)
    assert numstat(committed) == {"opportunities/acme-fleet-renewal.md": (1, 1)}
    git(committed.root, "checkout", "--", ".")
    committed.run("move", "acme-fleet-renewal", "negotiation", "--commit", ok=True)
    subject = git(committed.root, "log", "-1", "--format=%s").strip()
    assert subject == "move opportunity acme-fleet-renewal: proposal -> negotiation"
    assert git(committed.root, "status", "--porcelain") == ""
    assert "edited" in result.output


@pytest.mark.parametrize("args,message", [
    (["move", "acme-fleet-renewal", "negotation"], "did you mean 'negotiation'"),
    (["move", "bolt-builders", "converted"], "salesmd convert bolt-builders"),
    (["move", "jane-doe", "won"], "is a contact"),
])
def test_move_refusals(committed, args, message):
    before = committed.snapshot()
    result = committed.run(*args)
    assert result.exit_code == 1 and message in result.stderr and "nothing was written" in result.stderr
    assert committed.snapshot() == before


def test_move_names_the_missing_keys_and_how_to_set_them(tmp_path):
    vault = make_vault(tmp_path / "v", {"opportunities/new-deal.md":
                                        "---\ntype: opportunity\nname: New deal\nstage: qualification\n---\n"})
    result = vault.run("move", "new-deal", "proposal")
    assert result.exit_code == 1
    assert "requires amount, close_date" in result.stderr
    assert "salesmd move new-deal proposal --set amount=... --set close_date=..." in result.stderr
    vault.run("move", "new-deal", "proposal", "--set", "amount=12000", "--set", "close_date=2027-01-15", ok=True)
    fields = vault.json("show", "new-deal")["fields"]
    assert fields["amount"] == 12000 and fields["close_date"] == "2027-01-15"


def test_won_sets_the_actual_close_date_and_is_final(committed):
    committed.run("--today", "2026-11-24", "won", "acme-fleet-renewal", "--commit", ok=True)
    fields = committed.json("show", "acme-fleet-renewal")["fields"]
    assert fields["stage"] == "won" and fields["close_date"] == "2026-11-24"
    again = committed.run("move", "acme-fleet-renewal", "proposal")
    assert again.exit_code == 1 and "terminal stage" in again.stderr


def test_lost_needs_and_records_a_reason(committed):
    committed.run("lost", "acme-fleet-renewal", "--reason", "went with a used fleet", ok=True)
    fields = committed.json("show", "acme-fleet-renewal")["fields"]
    assert fields["stage"] == "lost" and fields["lost_reason"] == "went with a used fleet"
    assert numstat(committed)["opportunities/acme-fleet-renewal.md"] == (3, 2)  # stage, close_date; + reason


def test_convert_creates_everything_linked_both_ways(committed):
    committed.write("leads/bolt-builders.md", committed.read("leads/bolt-builders.md").replace(
        "stage: contacted\n", "stage: qualified\ncompany: Bolt Builders\nperson: Ana Ruiz\nemail: ana@bolt.example\n"))
    committed.commit("qualified")
    result = committed.run("--today", "2026-11-24", "convert", "bolt-builders", "--amount", "36000",
                           "--close-date", "2027-01-31", "--commit", ok=True)
    assert "created opportunity" not in result.stderr
    lead = committed.json("show", "bolt-builders")["fields"]
    opp_id = lead["converted_to"][2:-2]
    assert lead["stage"] == "converted" and lead["converted_on"] == "2026-11-24"
    opp = committed.json("show", opp_id)
    assert opp["fields"]["lead"] == "[[bolt-builders]]" and opp["fields"]["amount"] == 36000
    links = {(l["key"], l["type"]) for l in opp["links"]}
    assert ("account", "account") in links and ("contacts", "contact") in links
    contact = committed.json("show", "ana-ruiz")["fields"]
    assert contact["email"] == "ana@bolt.example" and contact["lead"] == "[[bolt-builders]]"
    committed.run("check", ok=True)
    assert git(committed.root, "log", "-1", "--format=%s").strip() == f"convert lead bolt-builders -> opportunity {opp_id}"
    assert git(committed.root, "status", "--porcelain") == ""
    refused = committed.run("convert", "bolt-builders")
    assert refused.exit_code == 1 and "already 'converted'" in refused.stderr


def test_convert_links_an_existing_account(committed):
    committed.write("leads/bolt-builders.md", committed.read("leads/bolt-builders.md").replace(
        "stage: contacted\n", "stage: qualified\ncompany: ACME corp\n"))
    committed.run("convert", "bolt-builders", "--name", "Acme forklifts, phase 2", ok=True)
    opp = committed.json("show", "acme-forklifts-phase-2")
    assert opp["fields"]["account"] == "[[acme-corp]]"
    assert not (committed.root / "accounts/acme-corp-2.md").exists()


def test_convert_that_fails_half_way_leaves_nothing(committed, monkeypatch):
    committed.write("leads/bolt-builders.md", committed.read("leads/bolt-builders.md").replace(
        "stage: contacted\n", "stage: qualified\ncompany: Bolt Builders\nperson: Ana Ruiz\n"))
    committed.commit("qualified")
    before = committed.snapshot()
    real = files.atomic_write
    calls = []

    def failing(path, content, **kw):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(path, content, **kw)

    monkeypatch.setattr("salesmd.write.journal.atomic_write", failing)
    result = committed.run("convert", "bolt-builders")
    assert result.exit_code == 1 and "disk full" in result.stderr and "Traceback" not in result.output
    assert committed.snapshot() == before, "a failed convert must leave every file as it was"
    assert not list(committed.root.rglob(".*.tmp"))


def test_a_file_changed_since_it_was_read_is_not_overwritten(committed):
    from salesmd.write.changes import ChangeSet
    from salesmd.write.files import Snapshot, WriteError

    path = committed.root / "tasks/chase-quote.md"
    snap = Snapshot.read(path)
    changes = ChangeSet(committed.root, "x")
    changes.add_edit("tasks/chase-quote.md", snap, snap.text.replace("status: open", "status: done"))
    path.write_text(snap.text + "edited by hand meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk"):
        changes.apply()
    assert path.read_text().endswith("edited by hand meanwhile\n")


def test_log_records_an_activity(committed):
    result = committed.run("--today", "2026-11-24", "log", "call", "--related", "acme-fleet-renewal",
                           "--related", "jane-doe", "--outcome", "agreed to a site visit", ok=True)
    rel = result.output.split("created ", 1)[1].split()[0]
    assert "2026-11-24-call-acme-fleet-renewal" in rel
    data = committed.json("show", rel.rsplit("/", 1)[1][:-3])["fields"]
    assert data["status"] == "done" and data["kind"] == "call" and data["owner"] == "maria"
    assert data["related"] == ["[[acme-fleet-renewal]]", "[[jane-doe]]"]
    committed.run("check", ok=True)
    planned = committed.run("log", "meeting", "--related", "acme-corp", "--planned", "--start", "2026-12-01T10:00",
                            "--subject", "Fleet review", ok=True)
    assert "2026-12-01-meeting-fleet-review" in planned.output
    bad = committed.run("log", "lunch", "--related", "acme-corp")
    assert bad.exit_code == 1 and "not an activity kind" in bad.stderr


def test_done_completes_and_creates_the_follow_up(committed):
    committed.run("done", "chase-quote", "--outcome", "PO signed", "--follow-up", "Book delivery",
                  "--due", "2026-12-01", ok=True)
    changed = numstat(committed)
    assert changed["tasks/chase-quote.md"] == (2, 1)  # status replaced, outcome added
    assert set(changed) == {"tasks/chase-quote.md", "tasks/book-delivery.md"}
    follow = committed.json("show", "book-delivery")["fields"]
    assert follow["follows"] == "[[chase-quote]]" and follow["due"] == "2026-12-01" and follow["status"] == "open"
    assert follow["related"] == ["[[acme-fleet-renewal]]"] and follow["owner"] == "maria"
    committed.run("check", ok=True)
    again = committed.run("done", "chase-quote")
    assert again.exit_code == 1 and "already done" in again.stderr


def test_done_on_a_task_that_cannot_be_read_points_at_its_file(committed):
    path = committed.root / "tasks" / "chase-quote.md"
    path.write_text(path.read_text().replace("subject:", "subject: [oops\nx:", 1))
    before = committed.snapshot()
    result = committed.run("done", "chase-quote")
    assert result.exit_code == 1
    assert "tasks/chase-quote.md cannot be read as a record" in result.stderr
    assert "`salesmd check` says why" in result.stderr
    assert committed.snapshot() == before


def test_edits_keep_crlf_bom_comments_and_body(tmp_path):
    text = ("\ufeff---\r\ntype: task\r\nsubject: Call back   # from the web form\r\nstatus: open  # !\r\n"
            "due: 2026-11-30\r\n---\r\nBody stays\r\nexactly.\r\n")
    vault = make_vault(tmp_path / "v", {"tasks/call-back.md": text.encode("utf-8")})
    vault.commit("initial")
    vault.run("done", "call-back", "--outcome", "left a voicemail", ok=True)
    after = (vault.root / "tasks/call-back.md").read_bytes().decode("utf-8")
    assert after == text.replace("status: open  # !\r\n", "status: done  # !\r\n").replace(
        "due: 2026-11-30\r\n", "due: 2026-11-30\r\noutcome: left a voicemail\r\n")


def test_new_with_edit_opens_the_editor_on_the_new_file(committed, monkeypatch):
    monkeypatch.setenv("EDITOR", "sed -i '$ a Met at the trade show.'")
    committed.run("new", "lead", "Trade Show Lead", "--edit", ok=True)
    text = committed.read("leads/trade-show-lead.md")
    assert text.startswith("---\ntype: lead\nname: Trade Show Lead\n") and text.endswith("Met at the trade show.\n")
    committed.run("check", ok=True)


def test_a_record_that_is_a_link_is_written_through_and_stays_a_link(committed):
    shared = committed.root / ".shared/bolt-builders.md"  # where the record really lives
    shared.parent.mkdir()
    (committed.root / "leads/bolt-builders.md").rename(shared)
    (committed.root / "leads/bolt-builders.md").symlink_to("../.shared/bolt-builders.md")
    committed.run("move", "bolt-builders", "qualified", ok=True)
    link = committed.root / "leads/bolt-builders.md"
    assert link.is_symlink() and os.readlink(link) == "../.shared/bolt-builders.md"
    assert "stage: qualified\n" in shared.read_text()
    assert committed.json("show", "bolt-builders")["fields"]["stage"] == "qualified"
    assert not list(committed.root.rglob(".*.tmp"))
    committed.commit("the record lives in .shared/")
    committed.run("move", "bolt-builders", "new", "--commit", ok=True)
    assert git(committed.root, "status", "--porcelain") == "", "the commit holds the file the link leads to"
    assert "stage: new\n" in git(committed.root, "show", "HEAD:.shared/bolt-builders.md")


def test_a_link_that_leads_out_of_the_vault_is_not_written_through(committed, tmp_path):
    from salesmd.write.changes import ChangeSet
    from salesmd.write.files import Snapshot, WriteError

    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\ntype: task\nsubject: x\nstatus: open\ndue: 2026-11-26\n---\n")
    link = committed.root / "tasks/elsewhere.md"
    link.symlink_to(outside)
    changes = ChangeSet(committed.root, "x")
    snap = Snapshot.read(link)
    changes.add_edit("tasks/elsewhere.md", snap, snap.text.replace("status: open", "status: done"))
    with pytest.raises(WriteError, match="tasks/elsewhere.md: error: .*symbolic link"):
        changes.apply()
    assert "status: open" in outside.read_text() and link.is_symlink()


@pytest.mark.parametrize("args", [["done", "chase-quote", "--follow-up", "Call again", "--due", "2026-12-01"],
                                  ["move", "acme-fleet-renewal", "negotiation"]])
def test_a_read_only_record_is_refused_and_nothing_is_written(committed, args):
    rel = "tasks/chase-quote.md" if args[0] == "done" else "opportunities/acme-fleet-renewal.md"
    (committed.root / rel).chmod(0o444)
    before = committed.snapshot()
    result = committed.run(*args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{rel}: error: " in result.stderr and "read-only" in result.stderr
    assert committed.snapshot() == before, "nothing is written: not the follow-up either"
    assert stat.S_IMODE((committed.root / rel).stat().st_mode) == 0o444
    assert not list(committed.root.rglob(".*.tmp"))


def test_a_write_that_fails_and_cannot_be_undone_is_finished_by_the_next_command(committed, monkeypatch):
    from salesmd.write import journal

    real, calls = journal.put, []

    def failing(root, entry, data, current, before_rename=None, **staged):
        calls.append(entry.rel)
        if len(calls) in (2, 3):  # the follow-up's write fails, then so does undoing the task's
            raise OSError("disk full")
        return real(root, entry, data, current, before_rename, **staged)

    monkeypatch.setattr(journal, "put", failing)
    result = committed.run("done", "chase-quote", "--follow-up", "Call again", "--due", "2026-12-01")
    assert result.exit_code == 1 and "disk full" in result.stderr and "Traceback" not in result.output
    monkeypatch.undo()
    result = committed.run("list", "task", ok=True)
    assert "finished 'done task chase-quote" in result.stderr
    assert "status: done" in committed.read("tasks/chase-quote.md")
    assert 'follows: "[[chase-quote]]"' in committed.read("tasks/call-again.md")


def test_every_write_refuses_a_read_only_file_not_only_records(committed, tmp_path):
    out = tmp_path / "contacts.csv"
    out.write_text("kept\n")
    out.chmod(0o444)
    result = committed.run("export", "contact", "--format", "csv", "-o", str(out))
    assert result.exit_code == 1 and "read-only" in result.stderr and "Traceback" not in result.output
    assert out.read_text() == "kept\n" and not list(tmp_path.glob(".*.tmp"))


def test_a_record_folder_that_is_a_link_out_of_the_vault_is_not_written_into(committed, tmp_path):
    import shutil

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.rmtree(committed.root / "notes")
    os.symlink(outside, committed.root / "notes")
    result = committed.run("new", "note", "Call back", "--date", "2026-12-01")
    assert result.exit_code != 0 and "outside the vault" in result.output and "nothing was written" in result.output
    assert list(outside.iterdir()) == []


def test_a_value_that_starts_with_a_dash_is_the_keys_value_not_short_options(committed):
    # '-vip segment' once read as -v (--verbose) and the unknown -ip: a corrupted value, exit 0
    result = committed.run("new", "account", "Vip Co", "--industry", "-vip segment", "--dry-run", ok=True)
    assert '+industry: "-vip segment"' in result.stdout and "total" not in result.output
    result = committed.run("new", "task", "Call", "--due", "2026-12-01", "--purpose", "-v", "--dry-run", ok=True)
    assert '+purpose: "-v"' in result.stdout
