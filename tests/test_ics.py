"""salesmd agenda --format ics: a calendar file that subscribed calendars update, never duplicate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner
from icalendar import Calendar

from conftest import make_vault
from salesmd.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ["--vault", str(ROOT / "example-vault")]


def run(*args: str):
    result = CliRunner().invoke(main, [*EXAMPLE, *args])
    assert result.exit_code == 0, result.output
    return result


def components(ics: bytes, name: str) -> list:
    return [c for c in Calendar.from_ical(ics).walk(name)]


def test_ics_matches_the_json_agenda():
    report = json.loads(run("agenda", "--days", "14", "--format", "json").stdout)
    ics = run("agenda", "--days", "14", "--format", "ics").stdout_bytes
    items = report["overdue"] + [i for d in report["schedule"] for o in d["owners"] for i in o["items"]]
    todos, events = components(ics, "VTODO"), components(ics, "VEVENT")
    assert len(todos) == sum(i["type"] == "task" for i in items) > 0
    assert len(events) == sum(i["type"] == "activity" for i in items) > 0
    assert {str(t["UID"]) for t in todos} == {f"{i['id']}@salesmd" for i in items if i["type"] == "task"}


def test_uids_are_stable_across_runs_and_unique():
    first = run("agenda", "--format", "ics").stdout_bytes
    second = run("agenda", "--format", "ics").stdout_bytes
    uids = [str(c["UID"]) for c in components(first, "VTODO") + components(first, "VEVENT")]
    assert len(uids) == len(set(uids)) > 5
    assert uids == [str(c["UID"]) for c in components(second, "VTODO") + components(second, "VEVENT")]
    assert "harbor-freight-revised-quote@salesmd" in uids


def test_tasks_are_todos_with_due_status_and_their_deal():
    todos = {str(t["UID"]): t for t in components(run("agenda", "--format", "ics").stdout_bytes, "VTODO")}
    quote = todos["harbor-freight-revised-quote@salesmd"]
    assert quote["SUMMARY"] == "Send the revised quote with trade-in credit"
    assert quote.decoded("DUE") == dt.date(2026, 11, 25)
    assert quote["STATUS"] == "NEEDS-ACTION"
    assert "Deal: Harbor Freight Logistics - fleet renewal" in quote["DESCRIPTION"]
    assert "DTSTAMP" in quote
    ce_pack = todos["nordhafen-send-ce-pack@salesmd"]
    assert ce_pack.decoded("DUE") == dt.datetime(2026, 11, 27, 9, 0)  # a due time is kept


def test_activities_are_events_with_their_end_or_half_an_hour(tmp_path):
    v = make_vault(tmp_path / "v", {
        "activities/no-end.md": """\
            ---
            type: activity
            subject: Quick call
            kind: call
            status: planned
            start: 2026-11-25T10:00
            related: ["[[acme-fleet-renewal]]"]
            ---
            """,
        "activities/with-end.md": """\
            ---
            type: activity
            subject: Long demo
            kind: meeting
            status: planned
            start: 2026-11-26T13:00
            end: 2026-11-26T15:00
            ---
            """,
        "activities/all-day.md": """\
            ---
            type: activity
            subject: Trade fair
            kind: event
            status: planned
            start: 2026-11-27
            ---
            """,
    })
    ics = v.run("--today", "2026-11-24", "agenda", "--format", "ics", ok=True).stdout_bytes
    events = {str(e["UID"]): e for e in components(ics, "VEVENT")}
    call = events["no-end@salesmd"]
    assert call.decoded("DTSTART") == dt.datetime(2026, 11, 25, 10, 0)
    assert call.decoded("DURATION") == dt.timedelta(minutes=30) and "DTEND" not in call
    assert "Deal: Acme fleet renewal" in call["DESCRIPTION"] and "LOCATION" not in call
    demo = events["with-end@salesmd"]
    assert demo.decoded("DTEND") == dt.datetime(2026, 11, 26, 15, 0)
    fair = events["all-day@salesmd"]
    assert fair.decoded("DTSTART") == dt.date(2026, 11, 27) and fair.decoded("DTEND") == dt.date(2026, 11, 28)
    assert components(ics, "VTODO")[0]["UID"] == "chase-quote@salesmd"


def test_a_time_written_with_its_offset_is_the_same_instant_in_the_calendar(tmp_path):
    v = make_vault(tmp_path / "v", {"activities/berlin.md": """\
        ---
        type: activity
        subject: Call with Berlin
        kind: call
        status: planned
        start: 2026-11-25T10:00:00+01:00
        end: 2026-11-25T10:30:00+01:00
        ---
        """})
    ics = v.run("--today", "2026-11-24", "agenda", "--format", "ics", ok=True).stdout_bytes
    call = {str(e["UID"]): e for e in components(ics, "VEVENT")}["berlin@salesmd"]
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert call.decoded("DTSTART") == dt.datetime(2026, 11, 25, 10, 0, tzinfo=berlin)
    assert call.decoded("DTSTART").tzinfo is not None  # an instant, not a floating local time
    assert call.decoded("DTEND") == dt.datetime(2026, 11, 25, 10, 30, tzinfo=berlin)


def test_start_with_an_offset_and_end_without_keep_their_length(tmp_path):
    v = make_vault(tmp_path / "v", {"activities/mixed.md": """\
        ---
        type: activity
        subject: Mixed zones
        kind: meeting
        status: planned
        start: 2026-11-25T10:00:00+01:00
        end: 2026-11-25T11:00:00
        ---
        """})
    ics = v.run("--today", "2026-11-24", "agenda", "--format", "ics", ok=True).stdout_bytes
    meeting = {str(e["UID"]): e for e in components(ics, "VEVENT")}["mixed@salesmd"]
    start = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    end = dt.datetime(2026, 11, 25, 11, 0).astimezone()  # written without an offset: local time
    assert meeting.decoded("DTSTART") == start and meeting.decoded("DTEND") == end
    assert "DURATION" not in meeting


def test_owner_filter_applies_to_the_calendar():
    ics = run("agenda", "--owner", "dev", "--format", "ics").stdout_bytes
    cal = Calendar.from_ical(ics)
    assert cal["X-WR-CALNAME"] == "Sales agenda (dev)"
    assert all("Owner: dev" in c["DESCRIPTION"] for c in cal.walk("VTODO") + cal.walk("VEVENT"))

