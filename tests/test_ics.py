"""The calendar feed (agenda.ics in the site, `salesmd agenda --format ics`): a horizon of weeks back
and months ahead, times in the vault's time zone with its VTIMEZONE, UIDs that subscribed
calendars update and never duplicate. Read back by icalendar and, independently, by vobject."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import vobject
from click.testing import CliRunner
from icalendar import Calendar

from conftest import make_vault
from salesmd.cli import main
from salesmd.config import default_config_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ["--vault", str(ROOT / "example-vault")]
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc


def run(*args: str):
    result = CliRunner().invoke(main, [*EXAMPLE, *args])
    assert result.exit_code == 0, result.output
    return result


def components(ics: bytes, name: str) -> list:
    return [c for c in Calendar.from_ical(ics).walk(name)]


def by_uid(ics: bytes, name: str = "VEVENT") -> dict:
    return {str(c["UID"]): c for c in components(ics, name)}


def activity(subject: str, start: str, status: str = "planned", end: str | None = None) -> str:
    return (f"---\ntype: activity\nsubject: {subject}\nkind: meeting\nstatus: {status}\nstart: {start}\n"
            + (f"end: {end}\n" if end else "") + 'related: ["[[acme-fleet-renewal]]"]\nowner: maria\n---\n')


def feed(vault, *args: str) -> bytes:
    return vault.run("--today", "2026-11-24", "agenda", "--format", "ics", *args, ok=True).stdout_bytes


def test_the_feed_holds_every_item_of_the_agenda_and_uids_from_the_ids():
    report = json.loads(run("agenda", "--days", "14", "--format", "json").stdout)
    ics = run("agenda", "--days", "14", "--format", "ics").stdout_bytes
    items = report["overdue"] + [i for d in report["schedule"] for o in d["owners"] for i in o["items"]]
    todos, events = by_uid(ics, "VTODO"), by_uid(ics, "VEVENT")
    assert {f"{i['id']}@salesmd" for i in items if i["type"] == "task"} <= set(todos)
    assert {f"{i['id']}@salesmd" for i in items if i["type"] == "activity"} <= set(events)
    assert all(str(todos[f"{i['id']}@salesmd"]["STATUS"]) == "NEEDS-ACTION" for i in items if i["type"] == "task")


def test_uids_are_stable_across_runs_and_unique():
    first = run("agenda", "--format", "ics").stdout_bytes
    second = run("agenda", "--format", "ics").stdout_bytes
    uids = [str(c["UID"]) for c in components(first, "VTODO") + components(first, "VEVENT")]
    assert len(uids) == len(set(uids)) > 5
    assert uids == [str(c["UID"]) for c in components(second, "VTODO") + components(second, "VEVENT")]
    assert "harbor-freight-revised-quote@salesmd" in uids


def test_tasks_are_todos_with_due_status_and_their_deal(monkeypatch):
    monkeypatch.setenv("TZ", "America/Chicago")  # the example vault names no zone: the machine's is used
    todos = by_uid(run("agenda", "--format", "ics").stdout_bytes, "VTODO")
    quote = todos["harbor-freight-revised-quote@salesmd"]
    assert quote["SUMMARY"] == "Send the revised quote with trade-in credit"
    assert quote.decoded("DUE") == dt.date(2026, 11, 25)
    assert quote["STATUS"] == "NEEDS-ACTION"
    assert "Deal: Harbor Freight Logistics - fleet renewal" in quote["DESCRIPTION"]
    assert "DTSTAMP" in quote
    ce_pack = todos["nordhafen-send-ce-pack@salesmd"]  # a due time is kept, in the zone
    assert ce_pack.decoded("DUE") == dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert ce_pack["DUE"].params["TZID"] == "America/Chicago"


def test_the_feed_covers_30_days_back_and_90_ahead_not_the_agendas_week(tmp_path):
    v = make_vault(tmp_path / "v", {
        "activities/met-30-days-ago.md": activity("Met 30 days ago", "2026-10-25T10:00", "done"),
        "activities/met-31-days-ago.md": activity("Met 31 days ago", "2026-10-24T10:00", "done"),
        "activities/in-90-days.md": activity("In 90 days", "2027-02-22T10:00"),
        "activities/in-91-days.md": activity("In 91 days", "2027-02-23T10:00"),
        "activities/called-off.md": activity("Called off", "2026-11-30T10:00", "cancelled"),
        "tasks/long-overdue.md": "---\ntype: task\nsubject: Long overdue\nstatus: open\ndue: 2026-08-01\n---\n",
        "tasks/long-done.md": "---\ntype: task\nsubject: Long done\nstatus: done\ndue: 2026-08-01\n---\n",
    })
    ics = feed(v)
    events, todos = by_uid(ics), by_uid(ics, "VTODO")
    # a meeting stays in subscribers' calendars once it is logged as done, for days_back days
    assert {"met-30-days-ago@salesmd", "call-jane@salesmd", "in-90-days@salesmd"} <= set(events)
    assert "met-31-days-ago@salesmd" not in events and "in-91-days@salesmd" not in events
    assert events["called-off@salesmd"]["STATUS"] == "CANCELLED"
    assert "STATUS" not in events["in-90-days@salesmd"]
    # open tasks however late; done ones within the horizon, as completed
    assert todos["long-overdue@salesmd"]["STATUS"] == "NEEDS-ACTION" and "long-done@salesmd" not in todos
    assert todos["send-quote@salesmd"]["STATUS"] == "COMPLETED"
    assert todos["chase-quote@salesmd"]["STATUS"] == "NEEDS-ACTION"
    week = v.run("--today", "2026-11-24", "agenda", "--format", "json", ok=True).stdout
    assert "in-90-days" not in week  # the agenda itself still shows its week

    v.write("salesmd.yaml", default_config_text().replace("days_back: 30", "days_back: 0")
            .replace("days_ahead: 90", "days_ahead: 6"))
    narrow = by_uid(feed(v))
    assert "called-off@salesmd" in narrow and "call-jane@salesmd" not in narrow and "in-90-days@salesmd" not in narrow
    assert "in-90-days@salesmd" in by_uid(feed(v, "--days", "91"))  # --days sets the days ahead


def test_a_visit_at_15_00_in_hamburg_is_15_00_hamburg_time_in_two_parsers(tmp_path):
    config = default_config_text().replace("days_ahead: 90", "days_ahead: 250") + "timezone: Europe/Berlin\n"
    v = make_vault(tmp_path / "v", {
        "activities/winter-visit.md": activity("Hamburg site visit", "2026-12-02T15:00", end="2026-12-02T16:30"),
        "activities/summer-visit.md": activity("Hamburg summer visit", "2027-06-16T15:00"),
        "activities/new-york-call.md": activity("Call from New York", "2026-12-03T09:00:00-05:00"),
        "tasks/ce-pack.md": "---\ntype: task\nsubject: Send the CE pack\nstatus: open\ndue: 2026-12-04T09:00\n---\n",
    }, config=config)
    ics = feed(v)
    assert b"X-WR-TIMEZONE:Europe/Berlin" in ics and b"BEGIN:VTIMEZONE" in ics

    # icalendar: TZID on every time, and the instants of CET (winter) and CEST (summer)
    events = by_uid(ics)
    winter, summer, call = (events[f"{n}@salesmd"] for n in ("winter-visit", "summer-visit", "new-york-call"))
    assert winter["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert winter.decoded("DTSTART") == dt.datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert winter.decoded("DTEND") == dt.datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    assert summer.decoded("DTSTART") == dt.datetime(2027, 6, 16, 13, 0, tzinfo=UTC)
    assert call["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert call.decoded("DTSTART").astimezone(BERLIN).replace(tzinfo=None) == dt.datetime(2026, 12, 3, 15, 0)
    assert [str(t["TZID"]) for t in components(ics, "VTIMEZONE")] == ["Europe/Berlin"]

    # vobject, with the zone renamed so that only the feed's VTIMEZONE can say what the offsets are
    # (as for a reader that knows no IANA names: Outlook's are Windows names)
    unknown = ics.decode().replace("Europe/Berlin", "Salesmd-Test-Zone")
    cal = vobject.readOne(unknown)
    got = {e.uid.value: e for e in cal.vevent_list}
    assert got["winter-visit@salesmd"].dtstart.value.astimezone(UTC) == dt.datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    assert got["winter-visit@salesmd"].dtend.value.astimezone(UTC) == dt.datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    assert got["summer-visit@salesmd"].dtstart.value.astimezone(UTC) == dt.datetime(2027, 6, 16, 13, 0, tzinfo=UTC)
    assert got["new-york-call@salesmd"].dtstart.value.astimezone(UTC) == dt.datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert got["summer-visit@salesmd"].dtstart.value.replace(tzinfo=None) == dt.datetime(2027, 6, 16, 15, 0)
    todo = {t.uid.value: t for t in cal.vtodo_list}["ce-pack@salesmd"]
    assert todo.due.value.astimezone(UTC) == dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def test_the_agenda_shows_a_time_written_with_an_offset_in_the_vaults_zone_as_the_feed_does(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")  # a machine whose own zone is not the vault's
    time.tzset()
    try:
        v = make_vault(tmp_path / "v", {"activities/ny-call.md": activity("Call from New York", "2026-11-25T09:00:00-05:00")},
                       config=default_config_text() + "timezone: Europe/Berlin\n")
        text = v.run("--today", "2026-11-24", "agenda", ok=True).stdout
        assert next(line for line in text.splitlines() if "Call from New York" in line).split()[0] == "15:00"
        agenda = v.json("--today", "2026-11-24", "agenda")
        assert [i["when"] for d in agenda["schedule"] for o in d["owners"] for i in o["items"]
                if i["id"] == "ny-call"] == ["2026-11-25T15:00:00"]
        call = by_uid(feed(v))["ny-call@salesmd"]
        assert call.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2026, 11, 25, 15, 0)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_without_a_timezone_setting_the_machines_zone_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    v = make_vault(tmp_path / "v", {"activities/visit.md": activity("Visit", "2026-11-25T10:00")})
    ics = feed(v)
    visit = by_uid(ics)["visit@salesmd"]
    assert visit["DTSTART"].params["TZID"] == "America/New_York"
    assert visit.decoded("DTSTART") == dt.datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    parsed = {e.uid.value: e for e in vobject.readOne(ics.decode()).vevent_list}["visit@salesmd"]
    assert parsed.dtstart.value.astimezone(UTC) == dt.datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def test_tasks_as_all_day_events_for_calendars_that_ignore_todos(tmp_path):
    config = default_config_text().replace("# tasks: events", "tasks: events") + "timezone: Europe/Berlin\n"
    v = make_vault(tmp_path / "v", {
        "tasks/ce-pack.md": "---\ntype: task\nsubject: Send the CE pack\nstatus: open\ndue: 2026-11-27T09:00\n---\n",
    }, config=config)
    ics = feed(v)
    assert components(ics, "VTODO") == []
    events = by_uid(ics)
    chase = events["chase-quote@salesmd"]
    assert chase["SUMMARY"] == "[ ] Chase the quote"
    assert chase.decoded("DTSTART") == dt.date(2026, 11, 26) and chase.decoded("DTEND") == dt.date(2026, 11, 27)
    assert chase["TRANSP"] == "TRANSPARENT"  # a to-do does not make its owner look busy
    assert events["send-quote@salesmd"]["SUMMARY"] == "[x] Send the revised quote"
    ce_pack = events["ce-pack@salesmd"]
    assert ce_pack.decoded("DTSTART") == dt.date(2026, 11, 27) and "Due: 09:00" in ce_pack["DESCRIPTION"]
    assert events["call-jane@salesmd"]["SUMMARY"] == "Call Jane about the trade-in"  # activities as before
    parsed = {e.uid.value: e for e in vobject.readOne(ics.decode()).vevent_list}
    assert parsed["chase-quote@salesmd"].dtstart.value == dt.date(2026, 11, 26)


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
        "activities/with-end.md": activity("Long demo", "2026-11-26T13:00", end="2026-11-26T15:00"),
        "activities/all-day.md": activity("Trade fair", "2026-11-27"),
    }, config=default_config_text() + "timezone: Europe/Berlin\n")
    events = by_uid(feed(v))
    call = events["no-end@salesmd"]
    assert call.decoded("DTSTART") == dt.datetime(2026, 11, 25, 10, 0, tzinfo=BERLIN)
    assert call.decoded("DURATION") == dt.timedelta(minutes=30) and "DTEND" not in call
    assert "Deal: Acme fleet renewal" in call["DESCRIPTION"] and "LOCATION" not in call
    demo = events["with-end@salesmd"]
    assert demo.decoded("DTEND") == dt.datetime(2026, 11, 26, 15, 0, tzinfo=BERLIN)
    fair = events["all-day@salesmd"]
    assert fair.decoded("DTSTART") == dt.date(2026, 11, 27) and fair.decoded("DTEND") == dt.date(2026, 11, 28)


def test_a_time_written_with_its_offset_is_the_same_instant_in_the_calendar(tmp_path):
    v = make_vault(tmp_path / "v", {"activities/berlin.md": activity(
        "Call with Berlin", "2026-11-25T10:00:00+01:00", end="2026-11-25T10:30:00+01:00")})
    call = by_uid(feed(v))["berlin@salesmd"]
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert call.decoded("DTSTART") == dt.datetime(2026, 11, 25, 10, 0, tzinfo=berlin)
    assert call.decoded("DTSTART").tzinfo is not None  # an instant, not a floating local time
    assert call.decoded("DTEND") == dt.datetime(2026, 11, 25, 10, 30, tzinfo=berlin)


def test_start_with_an_offset_and_end_without_keep_their_length(tmp_path):
    v = make_vault(tmp_path / "v", {"activities/mixed.md": activity(
        "Mixed zones", "2026-11-25T10:00:00+01:00", end="2026-11-25T11:00:00")},
        config=default_config_text() + "timezone: Europe/Berlin\n")
    meeting = by_uid(feed(v))["mixed@salesmd"]
    start = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    end = dt.datetime(2026, 11, 25, 11, 0, tzinfo=BERLIN)  # written without an offset: the vault's zone
    assert meeting.decoded("DTSTART") == start and meeting.decoded("DTEND") == end
    assert "DURATION" not in meeting


def test_owner_filter_applies_to_the_calendar():
    ics = run("agenda", "--owner", "dev", "--format", "ics").stdout_bytes
    cal = Calendar.from_ical(ics)
    assert cal["X-WR-CALNAME"] == "Sales agenda (dev)"
    assert all("Owner: dev" in c["DESCRIPTION"] for c in cal.walk("VTODO") + cal.walk("VEVENT"))


def test_the_sites_agenda_ics_is_the_feed(tmp_path):
    config = default_config_text() + "timezone: Asia/Tokyo\n"
    v = make_vault(tmp_path / "v", {"activities/in-60-days.md": activity("In 60 days", "2027-01-23T10:00")},
                   config=config)
    v.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    ics = (tmp_path / "site" / "agenda.ics").read_bytes()
    event = by_uid(ics)["in-60-days@salesmd"]  # beyond the agenda page's week
    assert event.decoded("DTSTART") == dt.datetime(2027, 1, 23, 1, 0, tzinfo=UTC)
    assert vobject.readOne(ics.decode()).vevent_list  # and a second parser reads it


def test_wrong_calendar_settings_are_problems_at_their_line_and_no_feed(tmp_path):
    config = default_config_text().replace("  days_back: 30", "  days_back: -3").replace(
        "  # tasks: events", "  tasks: google") + "timezone: Hamburg\n"
    v = make_vault(tmp_path / "v", config=config)
    lines = config.splitlines()
    line = {k: next(n for n, text in enumerate(lines, 1) if text.startswith(k))
            for k in ("  days_back", "  tasks", "timezone")}
    check = v.run("check")
    assert check.exit_code == 1 and "Traceback" not in check.output
    assert f"salesmd.yaml:{line['  days_back']}: error[config-calendar]: 'calendar.days_back'" in check.stdout
    assert f"salesmd.yaml:{line['  tasks']}: error[config-calendar]: 'calendar.tasks'" in check.stdout
    assert f"salesmd.yaml:{line['timezone']}: error[config-calendar]: 'timezone'" in check.stdout
    agenda = v.run("agenda", "--format", "ics")
    assert agenda.exit_code == 2 and agenda.stdout == "" and "Traceback" not in agenda.output
    assert f"salesmd.yaml:{line['timezone']}: error[config-calendar]" in agenda.stderr
    assert v.run("agenda", ok=True).stdout.startswith("Agenda")  # the text agenda needs no calendar settings


def test_a_mistyped_zone_or_setting_gets_the_name_it_meant(tmp_path):
    for given, meant in (("Europe/Berln", "Europe/Berlin"), ("berlin", "Europe/Berlin"),
                         ("new york", "America/New_York")):
        v = make_vault(tmp_path / given.replace("/", "-"), config=default_config_text() + f"timezone: {given}\n")
        assert f"(did you mean '{meant}'?)" in v.run("check").stdout, given
    v = make_vault(tmp_path / "flow", config="calendar: {days_ahed: 10, tasks: [todo]}\ntimezone: 7\n")
    out = v.run("check").stdout
    assert "salesmd.yaml:1: warning[config-unknown-key]: unknown calendar setting 'days_ahed' (did you mean " \
           "'days_ahead'?)" in out
    assert "salesmd.yaml:1: error[config-calendar]: 'calendar.tasks'" in out
    assert "salesmd.yaml:2: error[config-calendar]: 'timezone'" in out
    bad = make_vault(tmp_path / "scalar", config="calendar: 90\n").run("check").stdout
    assert "salesmd.yaml:1: error[config-calendar]: 'calendar' must be a mapping" in bad


def test_ics_tasks_events_in_one_line_as_the_issue_writes_it(tmp_path):
    config = default_config_text() + "ics_tasks: events\ntimezone: Europe/Berlin\n"
    v = make_vault(tmp_path / "v", config=config)
    ics = feed(v)
    assert components(ics, "VTODO") == []
    assert by_uid(ics)["chase-quote@salesmd"].decoded("DTSTART") == dt.date(2026, 11, 26)
    clash = default_config_text().replace("# tasks: events", "tasks: todo") + "ics_tasks: events\n"
    assert "  tasks: todo" in clash
    bad = make_vault(tmp_path / "bad", config=clash)
    result = bad.run("check")
    assert "salesmd.yaml:" in result.output and "error[config-calendar]" in result.output and "keep one" in result.output
    typo = make_vault(tmp_path / "typo", config=default_config_text() + "ics_tasks: event\n")
    assert "'ics_tasks' must be todo" in typo.run("check").output
