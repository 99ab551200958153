"""Tests for the mutants tests/mutate.py found alive (docs/mutation.md): each one a bug a user would see."""

from __future__ import annotations

import pytest

import salesmd.checks as checks


def test_a_check_that_crashes_is_reported_and_the_other_checks_still_run(vault, monkeypatch):
    def exploding(record, config):
        if record.id == "bolt-builders":
            raise KeyError("boom")
        return []

    monkeypatch.setattr(checks, "RECORD_CHECKS", [exploding, *checks.RECORD_CHECKS])
    vault.write("leads/jane-doe-inquiry.md", vault.read("leads/jane-doe-inquiry.md").replace("stage: converted",
                                                                                             "stage: convertd"))
    monkeypatch.chdir(vault.root)
    result = vault.run("--no-cache", "check")
    assert result.exit_code == 1 and "Traceback" not in result.output
    crash = [line for line in result.output.splitlines() if "error[internal-error]" in line]
    assert len(crash) == 1 and crash[0].startswith("leads/bolt-builders.md:")
    assert "check exploding failed: KeyError: 'boom'" in crash[0]
    assert "leads/jane-doe-inquiry.md:4: error[stage-unknown]" in result.output  # the others' results stay


def test_deals_past_their_close_date_come_most_overdue_first(tmp_path):
    from conftest import make_vault

    def late(name: str, close: str) -> str:
        return (f"---\ntype: opportunity\nname: {name}\nstage: proposal\namount: 1000\nclose_date: {close}\n"
                f"owner: maria\ncreated: 2026-09-01\n---\n")

    vault = make_vault(tmp_path / "v", {
        "opportunities/aaa-a-little-late.md": late("A little late", "2026-11-20"),
        "opportunities/mmm-later.md": late("Later", "2026-11-01"),
        "opportunities/zzz-very-late.md": late("Very late", "2026-10-01"),
    })
    report = vault.json("--today", "2026-11-24", "agenda")
    assert [(d["id"], d["days"]) for d in report["overdue_deals"]] == [
        ("zzz-very-late", 54), ("mmm-later", 23), ("aaa-a-little-late", 4)]
    text = vault.run("--today", "2026-11-24", "agenda", ok=True).output
    section = text.split("Past their close date", 1)[1]
    assert section.index("zzz-very-late") < section.index("mmm-later") < section.index("aaa-a-little-late")


def _deal(name: str, stage: str, amount: int, currency: str = "USD", close: str = "2026-11-10") -> str:
    lines = ["---", "type: opportunity", f"name: {name}", f"stage: {stage}", f"amount: {amount}",
             f"currency: {currency}", f"close_date: {close}"] + ["lost_reason: price"] * (stage == "lost")
    return "\n".join(lines + ["---", ""])


def test_win_rate_by_value_when_as_much_was_won_as_lost(tmp_path):
    from conftest import make_vault

    vault = make_vault(tmp_path / "v", {
        "opportunities/won-usd.md": _deal("Won", "won", 10000),
        "opportunities/lost-usd.md": _deal("Lost", "lost", 10000),
        "opportunities/lost-eur.md": _deal("Lost in euros", "lost", 500, "EUR"),
    })
    outcome = vault.json("--today", "2026-11-24", "pipeline")["outcome"]
    assert outcome["win_rate_by_value"] == {"USD": 0.5, "EUR": 0.0}
    text = vault.run("--today", "2026-11-24", "pipeline", ok=True).output
    assert "USD 50%, EUR 0% by value" in text


def test_each_stage_lists_the_home_currency_first(tmp_path):
    from conftest import make_vault

    vault = make_vault(tmp_path / "v", {  # the euro deal's id sorts before the dollar deals'
        "opportunities/aaa-euro.md": _deal("Euro deal", "proposal", 7000, "EUR"),
    })
    proposal = next(s for s in vault.json("--today", "2026-11-24", "pipeline")["stages"] if s["stage"] == "proposal")
    assert list(proposal["by_currency"]) == ["USD", "EUR"]
    lines = vault.run("--today", "2026-11-24", "pipeline", ok=True).output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("proposal "))
    assert "USD" in lines[at] and "48,000" in lines[at]
    assert lines[at + 1].split() == ["EUR", "7,000", "3,500"]


@pytest.mark.parametrize("period, ok", [("1900", True), ("9000", True), ("1899", False), ("9001", False)])
def test_periods_from_1900_to_9000_are_accepted(vault, period, ok):
    result = vault.run("pipeline", "--period", period)
    assert result.exit_code == (0 if ok else 2), result.output
    assert ("Traceback" not in result.output) and ((f"period {period}:" in result.output) == ok)


def test_open_deals_come_soonest_close_date_first_and_undated_ones_last(tmp_path):
    from conftest import make_vault

    vault = make_vault(tmp_path / "v", {
        "opportunities/aaa-undated.md": "---\ntype: opportunity\nname: Undated\nstage: prospecting\n---\n",
        "opportunities/bbb-later.md": _deal("Later", "qualification", 100, close="2027-03-01"),
        "opportunities/ccc-sooner.md": _deal("Sooner", "qualification", 100, close="2026-12-01"),
    })
    order = ["ccc-sooner", "acme-fleet-renewal", "bbb-later", "aaa-undated"]  # acme: 2026-12-15
    assert [d["id"] for d in vault.json("--today", "2026-11-24", "pipeline", "--deals")["deals"]] == order
    text = vault.run("--today", "2026-11-24", "pipeline", ok=True).output.split("Open deals", 1)[1]
    assert [text.index(i) for i in order] == sorted(text.index(i) for i in order)


# ---------------------------------------------------------------------------------------------
# Writes (tests/mutate.py --modules salesmd/write/files.py salesmd/write/changes.py salesmd/io/export.py --seed 2)

def test_a_new_record_never_replaces_a_file_that_appeared_since_the_plan(vault):
    from salesmd.write.changes import ChangeSet
    from salesmd.write.files import WriteError

    before = vault.snapshot()
    change = ChangeSet(vault.root, "new account acme-corp")  # planned when the name was free
    change.add_new("accounts/new-one.md", "---\ntype: account\nname: New one\n---\n")
    change.add_new("accounts/acme-corp.md", "---\ntype: account\nname: Another Acme\n---\n")  # taken since
    with pytest.raises(WriteError, match="already exists"):
        change.apply()
    assert vault.snapshot() == before  # the other record kept, and the first new file undone


def test_new_works_on_a_file_system_without_hard_links(vault, monkeypatch):
    import errno
    import os

    import salesmd.write.files

    def no_links(src, dst):  # exFAT, some network shares: link() is not supported
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(salesmd.write.files.os, "link", no_links)
    vault.run("new", "account", "Cobalt Cranes", ok=True)
    assert (vault.root / "accounts" / "cobalt-cranes.md").is_file()
    assert "name: Cobalt Cranes" in vault.read("accounts/cobalt-cranes.md")
    assert sorted(os.listdir(vault.root / "accounts")) == ["acme-corp.md", "cobalt-cranes.md"]  # no temp left


def test_writes_leave_no_file_descriptor_open(tmp_path):
    import os

    from salesmd.write.files import atomic_write

    fds = "/proc/self/fd"
    if not os.path.isdir(fds):
        pytest.skip("needs /proc/self/fd to count open files")
    atomic_write(tmp_path / "warm-up.md", "x")
    before = len(os.listdir(fds))
    for i in range(50):  # `salesmd watch` rebuilds the site for hours: a leak per write ends in EMFILE
        atomic_write(tmp_path / f"page-{i % 5}.html", f"<p>{i}</p>")
    assert len(os.listdir(fds)) == before


def test_a_vcard_uid_with_colons_is_exported_whole(vault, tmp_path):
    vault.write("contacts/li-wei.md", '---\ntype: contact\nname: Li Wei\n'
                                      'source_id: "vcard:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"\n---\n')
    vault.run("export", "contact", "--format", "vcard", "-o", str(tmp_path / "c.vcf"), ok=True)
    text = (tmp_path / "c.vcf").read_bytes().decode("utf-8")
    assert "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\n" in text


def test_a_deal_whose_currency_is_not_a_code_is_named_not_silently_dropped(tmp_path):
    from conftest import make_vault

    vault = make_vault(tmp_path / "v", {
        "opportunities/dollars.md": _deal("Dollars", "proposal", 9000, currency="dollars"),
    })
    result = vault.run("--today", "2026-11-24", "pipeline", ok=True)
    assert "opportunities/dollars.md: currency 'dollars' is not a currency code" in result.output
    report = vault.json("--today", "2026-11-24", "pipeline")
    assert [s["id"] for s in report["skipped"]] == ["dollars"]
    proposal = next(s for s in report["stages"] if s["stage"] == "proposal")
    assert (proposal["count"], proposal["no_amount"], proposal["by_currency"]["USD"]["amount"]) == (2, 1, 48000)


@pytest.fixture
def utc(monkeypatch):
    """The machine's local time is UTC for the test (and what it was again after)."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_an_activity_written_with_an_offset_is_shown_at_local_time(vault, utc):
    vault.write("activities/late-call.md", "---\ntype: activity\nsubject: Late call\nkind: call\nstatus: planned\n"
                                           "start: 2026-11-25T23:30:00-08:00\nrelated: [\"[[acme-fleet-renewal]]\"]\n"
                                           "owner: maria\n---\n")
    report = vault.json("--today", "2026-11-24", "agenda")
    items = [(day["date"], i["id"], i["when"]) for day in report["schedule"] for o in day["owners"] for i in o["items"]]
    assert ("2026-11-26", "late-call", "2026-11-26T07:30:00") in items  # 23:30 in California is 07:30 UTC
    text = vault.run("--today", "2026-11-24", "agenda", ok=True).output
    thursday = text.split("Thu 2026-11-26", 1)[1].split("\n\n", 1)[0]
    assert "07:30" in thursday and "Late call" in thursday
