"""A deal that every task of a long follow-up chain names (a weekly check-in kept for years): a
change to the deal, checked before it is written (`set --dry-run`) or by the next `check`, walks
the chain once as it was and once as it is, not once per task. Work is counted (the links
followed along the chain), never timed."""

from __future__ import annotations

import pytest

from salesmd.checks import affected

from conftest import make_vault

TASKS = 200


def task(i: int, follows: int | None) -> str:
    link = f'follows: "[[t-{follows:03d}]]"\n' if follows is not None else ""
    return (f"---\ntype: task\nsubject: Weekly check-in {i}\nstatus: done\ndue: 2026-01-01\n"
            f'related: ["[[acme-fleet-renewal]]"]\n{link}---\n')


@pytest.fixture
def chained(tmp_path, monkeypatch):
    """A vault whose deal is named by every task of one 200-task chain, checked and committed,
    and a count of the `follows` links looked up from then on."""
    files = {f"tasks/t-{i:03d}.md": task(i, i - 1 if i else None) for i in range(TASKS)}
    vault = make_vault(tmp_path / "v", files)
    monkeypatch.chdir(vault.root)
    vault.commit("import")
    vault.run("check", ok=True)
    calls = []
    first_linked = affected.Lookup.first_linked

    def counted(self, row, key):
        calls.append(row.path)
        return first_linked(self, row, key)

    monkeypatch.setattr(affected.Lookup, "first_linked", counted)
    return vault, calls


def test_set_dry_run_on_a_deal_of_a_long_chain_walks_it_once_per_version(chained):
    vault, calls = chained
    before = vault.snapshot()
    result = vault.run("set", "acme-fleet-renewal", "amount=50000", "--dry-run", ok=True)
    assert "+amount: 50000" in result.output
    assert vault.snapshot() == before
    # the check before the change and the one with it, each walking the chain as it was and as it
    # is: every task four times (808 links looked up; once per task of the chain, 80,400)
    assert len(calls) <= 5 * TASKS, len(calls)
    assert {f"tasks/t-{i:03d}.md" for i in range(TASKS)} <= set(calls)


def test_the_next_check_after_the_deal_changed_walks_the_chain_once_and_still_finds_a_circle(chained):
    vault, calls = chained
    text = vault.read("opportunities/acme-fleet-renewal.md")
    vault.write("opportunities/acme-fleet-renewal.md", text.replace("amount: 48000", "amount: 50000"))
    vault.write("tasks/t-000.md", task(0, TASKS - 1))  # the chain's first task now follows its last
    result = vault.run("check", ok=False)
    cycle = [line for line in result.output.splitlines() if "[follows-cycle]" in line]
    assert sorted(line.split(":")[0] for line in cycle) == [f"tasks/t-{i:03d}.md" for i in range(TASKS)]
    assert len(calls) <= 3 * TASKS, len(calls)  # the chain as it was and as it is (was 40,000)
