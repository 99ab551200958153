"""salesmd agenda: overdue items, the days ahead by owner, capacity, stale and late deals."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from conftest import make_vault
from salesmd.cli import main
from salesmd.config import default_config_text

ROOT = Path(__file__).resolve().parent.parent
TODAY = ["--today", "2026-11-24"]


def task(subject: str, due: str, *, owner: str = "maria", status: str = "open",
         related: str = '["[[acme-fleet-renewal]]"]', extra: str = "") -> str:
    return f"""\
        ---
        type: task
        subject: {subject}
        status: {status}
        due: {due}
        related: {related}
        owner: {owner}
        {extra}
        ---
        """


def activity(subject: str, start: str, *, status: str = "planned", owner: str = "maria",
             related: str = '["[[acme-fleet-renewal]]"]', end: str | None = None) -> str:
    return f"""\
        ---
        type: activity
        subject: {subject}
        kind: meeting
        status: {status}
        start: {start}
        {f"end: {end}" if end else ""}
        related: {related}
        owner: {owner}
        ---
        """


def deal(name: str, *, stage: str = "proposal", owner: str = "maria", close: str = "2027-01-15",
         created: str | None = "2026-10-01", amount: int = 10000, territory: str = "west") -> str:
    return f"""\
        ---
        type: opportunity
        name: {name}
        stage: {stage}
        amount: {amount}
        close_date: {close}
        owner: {owner}
        territory: {territory}
        {f"created: {created}" if created else ""}
        {"lost_reason: price" if stage == "lost" else ""}
        ---
        """


def ids(items) -> set[str]:
    return {i["id"] for i in items}


def scheduled(report) -> list[dict]:
    return [i for day in report["schedule"] for o in day["owners"] for i in o["items"]]


def test_overdue_items_are_in_overdue_and_not_in_the_days(tmp_path):
    v = make_vault(tmp_path / "v", {
        "tasks/late-task.md": task("Call back about the invoice", "2026-11-20"),
        "tasks/done-task.md": task("Already done", "2026-11-20", status="done"),
        "activities/missed-meeting.md": activity("Demo that never got logged", "2026-11-21T10:00"),
        "activities/held-meeting.md": activity("Held meeting", "2026-11-21T11:00", status="done"),
        "tasks/due-thursday.md": task("Prepare the Thursday review", "2026-11-26"),
    })
    report = v.json(*TODAY, "agenda")
    assert ids(report["overdue"]) == {"late-task", "missed-meeting"}
    assert ids(scheduled(report)) == {"due-thursday", "chase-quote"}
    assert not ids(report["overdue"]) & ids(scheduled(report))
    text = v.run(*TODAY, "agenda", ok=True).output
    overdue_part, days_part = text.split("Overdue (2)")[1].split("Thu 2026-11-26")
    assert "Call back about the invoice" in overdue_part and "4 days" in overdue_part
    assert "Call back about the invoice" not in days_part and "Already done" not in text


def test_each_day_groups_items_by_owner_with_their_deal(tmp_path):
    v = make_vault(tmp_path / "v", {
        "tasks/dev-task.md": task("Dev's follow-up", "2026-11-26", owner="dev"),
        "activities/site-visit.md": activity("Site visit", "2026-11-26T09:00", end="2026-11-26T10:30"),
    })
    report = v.json(*TODAY, "agenda", "--days", "3")
    assert [d["date"] for d in report["schedule"]] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    thursday = report["schedule"][2]
    assert [o["owner"] for o in thursday["owners"]] == ["dev", "maria"]
    maria = thursday["owners"][1]["items"]
    assert [i["id"] for i in maria] == ["site-visit", "chase-quote"]  # timed first, then the day's tasks
    assert maria[1]["deal"] == {"id": "acme-fleet-renewal", "type": "opportunity", "title": "Acme fleet renewal"}
    text = v.run(*TODAY, "agenda", "--days", "3").output
    assert "09:00-10:30  meeting   Site visit  (deal: Acme fleet renewal)" in text


def test_date_and_days_choose_the_window(tmp_path):
    v = make_vault(tmp_path / "v", {"tasks/december.md": task("December task", "2026-12-10")})
    assert "december" not in ids(scheduled(v.json(*TODAY, "agenda")))
    report = v.json(*TODAY, "agenda", "--days", "20")
    assert "december" in ids(scheduled(report)) and report["end"] == "2026-12-13"
    later = v.json(*TODAY, "agenda", "--date", "2026-12-10", "--days", "1")
    assert ids(scheduled(later)) == {"december"}
    assert "chase-quote" in ids(later["overdue"])  # still open from before the date shown


def test_capacity_flag_fires_at_seven_tasks_not_six(tmp_path):
    files = {f"tasks/t{n}.md": task(f"Task {n}", "2026-11-25", owner="dev") for n in range(6)}
    v = make_vault(tmp_path / "v", files)
    assert v.json(*TODAY, "agenda")["capacity"] == []
    assert "capacity" not in v.run(*TODAY, "agenda").output
    v.write("tasks/t6.md", task("Task 6", "2026-11-25", owner="dev"))
    report = v.json(*TODAY, "agenda")
    assert report["capacity"] == [{"owner": "dev", "date": "2026-11-25", "tasks": 7, "capacity": 6,
                                   "message": "dev: 7 tasks on 2026-11-25, capacity 6"}]
    text = v.run(*TODAY, "agenda").output
    assert "dev: 7 tasks on 2026-11-25, capacity 6" in text
    assert "dev  - 7 tasks, over capacity (6 a day)" in text


def test_capacity_follows_tasks_per_day_and_ignores_done_tasks(tmp_path):
    files = {f"tasks/t{n}.md": task(f"Task {n}", "2026-11-25", owner="dev") for n in range(3)}
    files["tasks/done.md"] = task("Done", "2026-11-25", owner="dev", status="done")
    config = default_config_text().replace("tasks_per_day: 6", "tasks_per_day: 2")
    assert "tasks_per_day: 2" in config
    v = make_vault(tmp_path / "v", files, config=config)
    assert [c["tasks"] for c in v.json(*TODAY, "agenda")["capacity"]] == [3]


def test_stale_deal_fires_and_a_recently_touched_deal_does_not(tmp_path):
    v = make_vault(tmp_path / "v", {
        "opportunities/quiet-deal.md": deal("Quiet deal"),
        "activities/old-call.md": activity("Old call", "2026-10-20T10:00", status="done",
                                           related='["[[quiet-deal]]"]'),
        "activities/cancelled-call.md": activity("Cancelled call", "2026-11-20T10:00", status="cancelled",
                                                 related='["[[quiet-deal]]"]'),
        "opportunities/busy-deal.md": deal("Busy deal"),
        "activities/recent-call.md": activity("Recent call", "2026-11-21T10:00", status="done",
                                              related='["[[busy-deal]]"]'),
        "opportunities/untouched-deal.md": deal("Untouched deal", created="2026-11-01"),
        "opportunities/new-deal.md": deal("New deal", created="2026-11-20"),
        "opportunities/closed-deal.md": deal("Closed deal", stage="lost", created="2026-01-01"),
    })
    stale = {d["id"]: d for d in v.json(*TODAY, "agenda")["stale_deals"]}
    assert set(stale) == {"quiet-deal", "untouched-deal"}
    assert (stale["quiet-deal"]["days"], stale["quiet-deal"]["since_source"]) == (35, "activity")
    assert stale["quiet-deal"]["last_activity"] == "old-call"
    assert (stale["untouched-deal"]["days"], stale["untouched-deal"]["since_source"]) == (23, "created")
    text = v.run(*TODAY, "agenda").output.split("Stale deals")[1]
    assert "35 days (last activity 2026-10-20)" in text
    assert "23 days (created, no activity since 2026-11-01)" in text
    assert "busy-deal" not in text and "new-deal" not in text and "closed-deal" not in text


def test_stale_days_counts_from_the_last_activity_at_the_threshold(vault):
    """acme's last activity is 2026-11-20: stale from 14 days later, not a day before."""
    assert vault.json("--today", "2026-12-03", "agenda")["stale_deals"] == []
    assert [d["id"] for d in vault.json("--today", "2026-12-04", "agenda")["stale_deals"]] == ["acme-fleet-renewal"]


def test_deals_past_their_close_date(tmp_path):
    v = make_vault(tmp_path / "v", {
        "opportunities/slipped.md": deal("Slipped", close="2026-11-10"),
        "opportunities/on-time.md": deal("On time", close="2026-11-24"),
        "opportunities/won-late.md": deal("Won late", stage="won", close="2026-11-01"),
    })
    late = v.json(*TODAY, "agenda")["overdue_deals"]
    assert [(d["id"], d["days"], d["close_date"]) for d in late] == [("slipped", 14, "2026-11-10")]
    assert "slipped" in v.run(*TODAY, "agenda").output.split("Past their close date")[1]


def test_owner_and_territory_filter_every_section(tmp_path):
    files = {f"tasks/m{n}.md": task(f"Maria {n}", "2026-11-25") for n in range(7)}
    files.update({
        "tasks/dev-late.md": task("Dev late", "2026-11-20", owner="dev", related='["[[dev-deal]]"]'),
        "tasks/dev-soon.md": task("Dev soon", "2026-11-25", owner="dev", related='["[[dev-deal]]"]'),
        "opportunities/dev-deal.md": deal("Dev deal", owner="dev", close="2026-11-01", territory="east"),
        "opportunities/maria-deal.md": deal("Maria deal", close="2026-11-01"),
        "tasks/maria-late.md": task("Maria late", "2026-11-19"),
        "tasks/no-owner.md": task("Dev's by its deal", "2026-11-26", owner="", related='["[[dev-deal]]"]'),
    })
    v = make_vault(tmp_path / "v", files)
    dev = v.json(*TODAY, "agenda", "--owner", "Dev")
    assert ids(dev["overdue"]) == {"dev-late"}
    assert ids(scheduled(dev)) == {"dev-soon", "no-owner"}
    assert dev["capacity"] == []
    assert ids(dev["overdue_deals"]) == {"dev-deal"} and ids(dev["stale_deals"]) == {"dev-deal"}
    maria = v.json(*TODAY, "agenda", "--owner", "maria")
    assert "dev-late" not in ids(maria["overdue"]) and [c["owner"] for c in maria["capacity"]] == ["maria"]
    assert ids(maria["overdue_deals"]) == {"maria-deal"}
    east = v.json(*TODAY, "agenda", "--territory", "east")
    assert ids(east["overdue_deals"]) == {"dev-deal"}
    assert ids(east["overdue"]) == {"dev-late"}  # no territory of its own: its deal's
    text = v.run(*TODAY, "agenda", "--owner", "dev").output
    assert "Maria" not in text and "Dev soon" in text


def test_unreadable_values_are_left_out_and_listed(tmp_path):
    v = make_vault(tmp_path / "v", {
        "tasks/bad-due.md": task("Bad due", '"next week"'),
        "opportunities/typo-stage.md": deal("Typo", stage="negotation", close="2026-11-01"),
        "opportunities/odd-owner.md": deal("Odd owner", owner="[x, y]", close="2026-11-01"),
    })
    result = v.run(*TODAY, "agenda", ok=True)
    assert "tasks/bad-due.md: due 'next week' is not a date" in result.output
    assert "opportunities/typo-stage.md: stage 'negotation' is not in the opportunity pipeline" in result.output
    report = v.json(*TODAY, "agenda")
    assert {s["id"] for s in report["skipped"]} == {"bad-due", "typo-stage"}
    assert "odd-owner" in ids(report["overdue_deals"])  # an owner that is not text shows as unknown
    assert "odd-owner" not in ids(v.json(*TODAY, "agenda", "--owner", "x")["overdue_deals"])


def test_csv_has_a_row_per_item_and_flag(vault):
    rows = list(csv.DictReader(io.StringIO(vault.run("--today", "2026-12-20", "agenda", "--format", "csv",
                                                     ok=True).output)))
    assert [(r["section"], r["id"]) for r in rows] == [
        ("overdue", "chase-quote"), ("stale_deal", "acme-fleet-renewal"), ("overdue_deal", "acme-fleet-renewal")]
    assert rows[0]["deal_title"] == "Acme fleet renewal" and rows[0]["days"] == "24"


def test_example_vault_agenda_reads_well():
    result = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "agenda"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("Agenda 2026-11-24 to 2026-11-30 (today is Tue 2026-11-24)")
    assert "maria: 7 tasks on 2026-11-25, capacity 6" in text
    assert "Stale deals: no activity for 14 days or more (2)" in text
    assert "Past their close date (2)" in text
    assert "Traceback" not in text and "Left out" not in text


def test_progress_is_silent_off_a_terminal(vault, monkeypatch):
    from salesmd.cli import progress

    assert vault.run("agenda").stderr == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("CI", raising=False)
    assert progress.enabled(Tty()) and not progress.enabled(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not progress.enabled(Tty())
    assert list(progress.track([1, 2, 3], "counting")) == [1, 2, 3]


def test_an_inherited_owner_and_territory_count_alike_in_list_export_agenda_pipeline_and_site(tmp_path):
    v = make_vault(tmp_path / "v", {
        "opportunities/dev-deal.md": deal("Dev deal", owner="dev", territory="east"),
        "tasks/ownerless.md": task("Book the demo", "2026-11-25", owner="", related='["[[dev-deal]]"]'),
        "activities/ownerless-call.md": activity("Demo call", "2026-11-25T10:00", owner="",
                                                 related='["[[dev-deal]]"]'),
    })
    for filters in (["--owner", "dev"], ["--territory", "east"], ["--where", "owner=dev"]):
        listed = v.run(*TODAY, "list", "task", *filters, "--format", "csv", ok=True).stdout
        assert [r["id"] for r in csv.DictReader(io.StringIO(listed))] == ["ownerless"], filters
        exported = v.run(*TODAY, "export", "activity", *filters, ok=True).stdout
        assert [r["id"] for r in csv.DictReader(io.StringIO(exported))] == ["ownerless-call"], filters
    shown = {r["id"]: r["owner"] for r in csv.DictReader(io.StringIO(
        v.run(*TODAY, "list", "task", "--format", "csv", ok=True).stdout))}
    assert shown["ownerless"] == "dev"  # the list shows the owner it filtered by
    exported = v.run(*TODAY, "export", "task", "--owner", "dev", ok=True).stdout
    assert next(csv.DictReader(io.StringIO(exported)))["owner"] == ""  # export keeps the file as written
    agenda = v.json(*TODAY, "agenda", "--owner", "dev")
    assert ids(scheduled(agenda)) == {"ownerless", "ownerless-call"}
    assert v.json(*TODAY, "pipeline", "--owner", "dev", "--deals")["deals"][0]["id"] == "dev-deal"
    v.run(*TODAY, "report", "--out", str(tmp_path / "site"), ok=True)
    tasks_page = (tmp_path / "site" / "tasks.html").read_text(encoding="utf-8")
    row_html = tasks_page.split("Book the demo", 1)[1].split("</tr>", 1)[0]
    assert '<td data-sort="dev"><a href="owners/dev.html">dev</a></td>' in row_html  # the owner column
    assert "Book the demo" in (tmp_path / "site" / "territories" / "east.html").read_text(encoding="utf-8")
