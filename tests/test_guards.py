"""Guards on what a user would lose: each test here fails if one line of the product goes wrong.

They were written against deliberate one-line bugs that the rest of the suite let through
(tests/mutate.py finds such lines; docs/mutation.md lists them). Each asserts what a user sees:
the command's output, the files on disk, the exit code.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading

import pytest

from conftest import make_vault
from salesmd.write.files import atomic_write

TODAY = ["--today", "2026-11-24"]


def deal(name: str, stage: str, close: str, amount, **extra) -> str:
    lines = ["---", "type: opportunity", f"name: {name}", f"stage: {stage}", f"close_date: {close}",
             f"amount: {amount}", "owner: maria"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["lost_reason: price"] * (stage == "lost")
    return "\n".join(lines + ["---", ""])


# ---------------------------------------------------------------------------------------------
# CSV export: a cell a spreadsheet would run as a formula, also behind a leading tab.

def test_a_cell_starting_with_a_tab_and_a_formula_is_neutralised(vault):
    vault.write("opportunities/tabbed.md", "---\ntype: opportunity\n"
                                           "name: \"\\t=HYPERLINK(\\\"http://evil.example\\\")\"\n"
                                           "stage: prospecting\nowner: \"\\t@maria\"\n---\n")
    for command in (["export", "opportunity"], ["list", "opportunity", "--format", "csv"]):
        result = vault.run(*command, ok=True)
        row = next(r for r in csv.DictReader(io.StringIO(result.output)) if r["id"] == "tabbed")
        assert row["name"] == "'\t=HYPERLINK(\"http://evil.example\")", command
        # export writes the file's owner as it is; list shows the owner as the filters read it
        assert row["owner"] == ("'\t@maria" if command[0] == "export" else "'@maria"), command


# ---------------------------------------------------------------------------------------------
# Writes: a reader sees the old file or the new one, never half of one.

def test_a_command_replaces_the_file_by_rename_so_an_open_reader_keeps_the_old_bytes(vault):
    vault.commit("initial")
    path = vault.root / "opportunities" / "acme-fleet-renewal.md"
    os.chmod(path, 0o640)
    before = path.read_bytes()
    inode = path.stat().st_ino
    with open(path, "rb") as reader:  # e.g. an editor or `git add` in the middle of reading it
        vault.run("move", "acme-fleet-renewal", "negotiation", ok=True)
        assert reader.read() == before  # a rewrite in place would have truncated it under the reader
    assert "stage: negotiation" in path.read_text()
    assert path.stat().st_ino != inode  # a new file took the name
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # its mode kept
    assert sorted(p.name for p in path.parent.iterdir()) == ["acme-fleet-renewal.md"]  # no temp file left


def test_a_reader_in_a_loop_never_sees_a_partial_file(tmp_path):
    path = tmp_path / "big.md"
    versions = [bytes([65 + i]) * 2_000_000 for i in range(4)]
    atomic_write(path, versions[0])
    seen: set[int] = set()
    partial: list[int] = []
    done = threading.Event()

    def read_loop():
        while not done.is_set():
            data = path.read_bytes()
            if data not in versions:
                partial.append(len(data))
            seen.add(len(data))

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for i in range(40):
            atomic_write(path, versions[i % 4])
    finally:
        done.set()
        reader.join()
    assert partial == [], f"a reader saw {len(partial)} partial files (sizes {sorted(set(partial))[:5]})"
    assert [p.name for p in tmp_path.iterdir()] == ["big.md"]


# ---------------------------------------------------------------------------------------------
# The index cache: a cache built under another salesmd.yaml is not used.

def _age_files(root, seconds: int = 60) -> None:
    import time

    old = time.time() - seconds
    for path in root.rglob("*.md"):
        os.utime(path, (old, old))


def test_a_cache_built_under_another_config_is_not_used(vault):
    vault.write("opportunities/demo-deal.md", "---\ntype: opportunity\nname: Demo deal\nstage: demo\n---\n")
    _age_files(vault.root)
    first = vault.run("check")
    assert first.exit_code == 1 and "opportunities/demo-deal.md:4: error[stage-unknown]" in first.output
    config = vault.read("salesmd.yaml")
    stage = "      - name: prospecting\n        probability: 10\n"
    assert stage in config
    vault.write("salesmd.yaml", config.replace(stage, stage + "      - name: demo\n        probability: 20\n", 1))
    again = vault.run("check")
    assert again.exit_code == 0, again.output  # the stage is known now: no stale cached problem
    assert "stage-unknown" not in again.output
    assert vault.json("list", "opportunity", "--stage", "demo")[0]["id"] == "demo-deal"


# ---------------------------------------------------------------------------------------------
# The site's clean-up removes old pages inside --out only.

def test_a_rebuild_never_deletes_files_outside_the_site_folder(vault, tmp_path):
    site = tmp_path / "site"
    vault.run("report", "--out", str(site), ok=True)
    precious = tmp_path / "precious.md"
    precious.write_text("my notes\n")
    absolute = tmp_path / "elsewhere" / "keep.txt"
    absolute.parent.mkdir()
    absolute.write_text("keep me\n")
    manifest_path = site / ".salesmd-site.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["../precious.md"] = "0" * 32  # a manifest edited by hand, or from another tool
    manifest[str(absolute)] = "0" * 32
    manifest_path.write_text(json.dumps(manifest))
    result = vault.run("report", "--out", str(site), ok=True)
    assert precious.is_file() and precious.read_text() == "my notes\n"
    assert absolute.is_file() and absolute.read_text() == "keep me\n"
    assert "precious" not in result.output and "keep.txt" not in result.output
    assert "../precious.md" not in json.loads(manifest_path.read_text())


# ---------------------------------------------------------------------------------------------
# Periods include their first and last days.

@pytest.mark.parametrize("period, first, last", [
    ("2026-Q4", "2026-10-01", "2026-12-31"),
    ("2026-11", "2026-11-01", "2026-11-30"),
    ("2026-02", "2026-02-01", "2026-02-28"),
    ("2026", "2026-01-01", "2026-12-31"),
])
def test_a_deal_closing_on_a_periods_first_or_last_day_counts_in_it(tmp_path, period, first, last):
    vault = make_vault(tmp_path / "v", {
        "opportunities/acme-fleet-renewal.md": None,
        "opportunities/won-first.md": deal("Won first", "won", first, 1000),
        "opportunities/won-last.md": deal("Won last", "won", last, 2000),
        "opportunities/lost-last.md": deal("Lost last", "lost", last, 400),
        "opportunities/open-first.md": deal("Open first", "proposal", first, 10000),
        "opportunities/open-last.md": deal("Open last", "proposal", last, 20000),
    })
    report = vault.json(*TODAY, "pipeline", "--period", period)
    assert report["period"]["start"] == first and report["period"]["end"] == last
    assert report["outcome"]["won"]["count"] == 2
    assert report["outcome"]["won"]["by_currency"]["USD"]["amount"] == 3000
    assert report["outcome"]["lost"]["count"] == 1
    assert report["expected"]["count"] == 2
    assert report["expected"]["by_currency"]["USD"]["amount"] == 30000
    text = vault.run(*TODAY, "pipeline", "--period", period, ok=True).output
    assert "3,000" in text and "30,000" in text


# ---------------------------------------------------------------------------------------------
# A deal's own probability, 0 included.

def test_probability_zero_weighs_nothing_and_100_weighs_everything(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "opportunities/long-shot.md": deal("Long shot", "negotiation", "2026-12-01", 10000, probability=0),
        "opportunities/sure-thing.md": deal("Sure thing", "prospecting", "2026-12-01", 3000, probability=100),
    })
    report = vault.json(*TODAY, "pipeline", "--deals")
    deals = {d["id"]: d for d in report["deals"]}
    assert deals["long-shot"]["probability"] == 0 and deals["long-shot"]["weighted"] == 0
    assert deals["sure-thing"]["probability"] == 100 and deals["sure-thing"]["weighted"] == 3000
    negotiation = next(s for s in report["stages"] if s["stage"] == "negotiation")
    assert negotiation["by_currency"]["USD"] == {"count": 1, "amount": 10000, "weighted": 0}
    listed = vault.run(*TODAY, "pipeline", "--format", "csv", ok=True).output
    row = next(r for r in csv.DictReader(io.StringIO(listed)) if r["id"] == "long-shot")
    assert row["probability"] == "0" and row["weighted"] == "0"


# ---------------------------------------------------------------------------------------------
# The forecast by month keeps each deal's currency.

def test_forecast_by_month_never_adds_two_currencies(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "opportunities/euro-deal.md": deal("Euro deal", "proposal", "2026-12-20", 5000, currency="EUR"),
        "opportunities/dollar-deal.md": deal("Dollar deal", "proposal", "2026-12-05", 7000),
    })
    forecast = vault.json(*TODAY, "pipeline")["forecast_by_month"]
    december = {f["currency"]: f["amount"] for f in forecast if f["month"] == "2026-12"}
    assert december == {"USD": 7000 + 48000, "EUR": 5000}  # acme-fleet-renewal: 48000 USD in December


# ---------------------------------------------------------------------------------------------
# Days in stage: from git when git saw the move; from the file when the first commit has the stage.

def _commit_on(vault, monkeypatch, day: str, message: str) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{day}T12:00:00+00:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"{day}T12:00:00+00:00")
    vault.commit(message)


def test_days_in_stage_ignores_the_commit_that_imported_a_deal_already_in_its_stage(tmp_path, monkeypatch):
    vault = make_vault(tmp_path / "v", {
        "opportunities/imported.md": deal("Imported", "proposal", "2027-01-15", 9000, created="2026-09-25"),
        "opportunities/edited.md": deal("Edited", "proposal", "2027-01-15", 7000, created="2026-09-25"),
        "opportunities/moved.md": deal("Moved", "qualification", "2027-01-15", 8000, created="2026-09-25"),
    })
    _commit_on(vault, monkeypatch, "2026-11-20", "import from the old CRM")
    vault.write("opportunities/moved.md", vault.read("opportunities/moved.md").replace("qualification", "proposal"))
    vault.write("opportunities/edited.md", vault.read("opportunities/edited.md").replace("7000", "7500"))
    _commit_on(vault, monkeypatch, "2026-11-22", "move moved -> proposal, edited's amount")
    deals = {d["id"]: d for d in vault.json(*TODAY, "pipeline", "--deals")["deals"]}
    # every commit in proposal, the first one included: the first says when the deal was imported,
    # not when it got to proposal, so the file's `created` stands in
    for name in ("imported", "edited"):
        assert (deals[name]["stage_since_source"], deals[name]["days_in_stage"]) == ("file", 60), name
    assert (deals["moved"]["stage_since_source"], deals["moved"]["days_in_stage"]) == ("git", 2)
    assert deals["imported"]["age_days"] == deals["moved"]["age_days"] == 60
    lines = {line.split()[1]: line.split() for line in vault.run(*TODAY, "pipeline", ok=True).output.splitlines()
             if line[:4].isdigit()}
    assert lines["imported"][-2:] == ["60d", "60d"] and lines["moved"][-2:] == ["60d", "2d"]  # age, in stage


# ---------------------------------------------------------------------------------------------
# ignore: in salesmd.yaml.

def test_ignored_paths_are_never_read_and_their_neighbours_are(tmp_path):
    from salesmd.config import default_config_text

    config = default_config_text().replace("ignore: []", 'ignore: [archive, "drafts/*.md", leads/old-*.md]')
    broken = "---\ntype: lead\nname: [unclosed\n---\n"
    vault = make_vault(tmp_path / "v", {
        "archive/2025/leads/x.md": broken,
        "drafts/idea.md": broken,
        "leads/old-one.md": broken,
        "archive-notes/kept.md": "---\ntype: note\ntitle: Kept\ndate: 2026-11-01\n---\n",
        "leads/new-one.md": "---\ntype: lead\nname: New one\nstage: new\n---\n",
    }, config=config)
    result = vault.run("check")
    assert result.exit_code == 0, result.output
    assert "archive/" not in result.output and "drafts/" not in result.output and "old-one" not in result.output
    leads = {r["id"] for r in vault.json("list", "lead")}
    assert "new-one" in leads and "old-one" not in leads and "x" not in leads
    assert {r["id"] for r in vault.json("list", "note")} == {"kept", "trade-in-terms"}
    vault.write("archive-notes/kept.md", broken.replace("type: lead", "type: note"))
    assert "archive-notes/kept.md" in vault.run("check", ok=False).output  # a neighbour is still read
