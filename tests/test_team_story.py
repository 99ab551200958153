"""Issue 14's "done when", as one story with real git: a bare remote with the server hook, Maria's
and Dev's clones with the merge driver, a fortnight of dated commits; then `diff` and `--as-of`
give the figures worked out by hand below.

    10-01 Maria  the vault: acme-fleet-renewal in proposal, 48,000, closing 2026-12-15
    10-05 Maria  amount 52,000                  (pushed first)
    10-05 Dev    close_date 2027-01-31          (the line below: merged by the driver, no conflict)
    10-08 Maria  amount 50,000                  (pushed first)
    10-08 Dev    amount 55,000                  (the same key: a conflict `check` reports; Dev keeps his)
    10-12 Maria  stage won                      (pushed)
    10-14 Dev    stage negotiation              (a won deal reopened: the server refuses the push)
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_vault
from test_team import git, salesmd

OPP = "opportunities/acme-fleet-renewal.md"


def change(clone: Path, old: str, new: str) -> None:
    path = clone / "crm" / OPP
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, text)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_two_reps_a_fortnight_of_one_deal(tmp_path: Path):
    remote = tmp_path / "crm.git"
    git("admin", tmp_path, "init", "-q", "--bare", "-b", "main", str(remote), day="2026-10-01")
    salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote), "--vault-path", "crm")
    maria, dev = tmp_path / "maria", tmp_path / "dev"
    git("Maria", tmp_path, "clone", "-q", str(remote), str(maria), day="2026-10-01")
    make_vault(maria / "crm", git_init=False)
    salesmd(maria / "crm", "hooks", "install")
    assert "added" in salesmd(maria / "crm", "merge-driver", "install").stdout
    git("Maria", maria, "add", "-A", day="2026-10-01")
    git("Maria", maria, "commit", "-qm", "The vault", day="2026-10-01")
    git("Maria", maria, "push", "-q", "origin", "main", day="2026-10-01")
    git("Dev", tmp_path, "clone", "-q", str(remote), str(dev), day="2026-10-01")
    salesmd(dev / "crm", "hooks", "install")
    installed = salesmd(dev / "crm", "merge-driver", "install").stdout  # .gitattributes came with the clone
    assert "merge.salesmd.driver" in installed and ".gitattributes" not in installed

    # Different keys on adjacent lines: merged key by key, cleanly, and the push goes through.
    change(maria, "amount: 48000", "amount: 52000")
    git("Maria", maria, "commit", "-qam", "Acme: new quote", day="2026-10-05")
    git("Maria", maria, "push", "-q", "origin", "main", day="2026-10-05")
    change(dev, "close_date: 2026-12-15", "close_date: 2027-01-31")
    git("Dev", dev, "commit", "-qam", "Acme: the board meets in January", day="2026-10-05")
    git("Dev", dev, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main", day="2026-10-05")
    text = (dev / "crm" / OPP).read_text(encoding="utf-8")
    assert "amount: 52000\nclose_date: 2027-01-31\n" in text and "<<<<<<<" not in text
    salesmd(dev / "crm", "check")
    git("Dev", dev, "push", "-q", "origin", "main", day="2026-10-05")

    # The same key changed two ways: a conflict around that key only, which `check` reports at its line.
    git("Maria", maria, "pull", "-q", "--no-rebase", "origin", "main", day="2026-10-08")
    change(maria, "amount: 52000", "amount: 50000")
    git("Maria", maria, "commit", "-qam", "Acme: discount", day="2026-10-08")
    git("Maria", maria, "push", "-q", "origin", "main", day="2026-10-08")
    change(dev, "amount: 52000", "amount: 55000")
    git("Dev", dev, "commit", "-qam", "Acme: two more trucks", day="2026-10-08")
    git("Dev", dev, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main", ok=False, day="2026-10-08")
    lines = (dev / "crm" / OPP).read_text(encoding="utf-8").splitlines()
    at = lines.index("amount: 55000") + 1
    assert lines[at - 2].startswith("<<<<<<<") and "amount: 50000" in lines[at:at + 2]
    assert "close_date: 2027-01-31" in lines and "stage: proposal" in lines  # the rest merged
    checked = salesmd(dev / "crm", "check", ok=False)
    assert f"{OPP}:{at - 1}: error[conflict-marker]: merge conflict on 'amount'" in checked.stdout
    assert "55000" in checked.stdout and "50000" in checked.stdout
    git("Dev", dev, "checkout", "--ours", "--", f"crm/{OPP}", day="2026-10-08")
    git("Dev", dev, "commit", "-qam", "Acme: keep two more trucks", day="2026-10-08")
    git("Dev", dev, "push", "-q", "origin", "main", day="2026-10-08")

    # Won, then reopened by the other rep: the server refuses the push, naming the commit and its author.
    git("Maria", maria, "pull", "-q", "--no-rebase", "origin", "main", day="2026-10-12")
    change(maria, "stage: proposal", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed", day="2026-10-12")
    git("Maria", maria, "push", "-q", "origin", "main", day="2026-10-12")
    git("Dev", dev, "pull", "-q", "--no-rebase", "origin", "main", day="2026-10-14")
    change(dev, "stage: won", "stage: negotiation")
    git("Dev", dev, "commit", "-qam", "Acme wants to talk again", "--no-verify", day="2026-10-14")
    reopen = git("Dev", dev, "rev-parse", "--short=7", "HEAD", day="2026-10-14").stdout.strip()
    refused = git("Dev", dev, "push", "origin", "main", ok=False, day="2026-10-14")
    assert f"commit {reopen} by Dev: Acme wants to talk again" in refused.stderr
    assert f"crm/{OPP}:4: error[terminal-left]: was 'won' in " in refused.stderr
    assert "Maria" in refused.stderr.split("terminal-left", 1)[1]
    git("Dev", dev, "reset", "-q", "--hard", "origin/main", day="2026-10-14")

    # The fortnight in figures, worked out by hand above.
    vault = maria / "crm"
    report = json.loads(salesmd(vault, "diff", "2026-10-01", "2026-10-13", "--format", "json").stdout)
    rows = {section: [(r["id"], *(r[k] for k in keys), r["author"]) for r in report[section]]
            for section, keys in {"amounts": ("old", "new", "change"), "close_dates": ("old", "new", "days"),
                                  "won": ("was", "amount")}.items()}
    assert rows == {"amounts": [("acme-fleet-renewal", 48000, 55000, 7000, "Dev")],
                    "close_dates": [("acme-fleet-renewal", "2026-12-15", "2027-01-31", 47, "Dev")],
                    "won": [("acme-fleet-renewal", "proposal", 55000, "Maria")]}
    assert report["totals"]["amount_change"] == {"USD": 7000}

    def deal_as_of(day: str) -> dict:
        rows = json.loads(salesmd(vault, "list", "opportunity", "--as-of", day, "--format", "json").stdout)
        return next(r for r in rows if r["id"] == "acme-fleet-renewal")

    assert (deal_as_of("2026-10-04")["amount"], deal_as_of("2026-10-04")["stage"]) == (48000, "proposal")
    assert deal_as_of("2026-10-06")["amount"] == 52000 and deal_as_of("2026-10-06")["close_date"] == "2027-01-31"
    assert deal_as_of("2026-10-09")["amount"] == 55000
    assert deal_as_of("2026-10-14")["stage"] == "won"  # Dev's reopening never reached the remote
