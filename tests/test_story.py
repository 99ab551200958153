"""A deal's whole story (issue 12 item 4) and losing touch (item 5).

The story: `show` of a converted deal also lists its lead's activities, tasks and notes (marked as
from the lead), and the activities about its account or contacts in general that fall inside the
deal's life; the agenda's stale rule reads the same story. Losing touch: the agenda's contacts and
accounts whose last done activity is older than their limit.
"""

from __future__ import annotations

import json
import os
import subprocess

from conftest import make_vault

TODAY = ["--today", "2026-11-24"]


def rec(**keys) -> str:
    lines = ["---"] + [f"{k}: {v}" for k, v in keys.items() if v is not None] + ["---", ""]
    return "\n".join(lines)


def act(subject, start, related, status="done", owner="maria"):
    return rec(type="activity", subject=subject, kind="call", status=status, start=start,
               related=related, owner=owner)


ACCOUNT = rec(type="account", name="Acme Corp", owner="maria")
CONTACT = rec(type="contact", name="Jane Doe", account='"[[acme]]"', owner="maria")
LEAD = rec(type="lead", name="Acme forklifts", stage="converted", converted_to='"[[acme-fleet]]"',
           converted_on="2026-10-01", created="2026-09-01", owner="maria")


def deal(created="2026-10-01", stage="proposal", close="2027-01-15", lead='"[[acme-lead]]"', name="Acme fleet"):
    return rec(type="opportunity", name=name, stage=stage, account='"[[acme]]"', contacts='["[[jane]]"]',
               amount=48000, close_date=close, created=created, lead=lead, owner="maria",
               lost_reason="price" if stage == "lost" else None)


def story_vault(tmp_path, extra=None, **deal_keys):
    return make_vault(tmp_path / "v", {
        "accounts/acme.md": ACCOUNT, "contacts/jane.md": CONTACT, "leads/acme-lead.md": LEAD,
        "opportunities/acme-fleet.md": deal(**deal_keys), **(extra or {})}, base=False)


def timeline(v, deal_id="acme-fleet"):
    return {row["id"]: (row["from"], row["from_id"]) for row in v.json("show", deal_id, *TODAY)["timeline"]}


# --- the story -----------------------------------------------------------------------------------

def test_a_converted_deal_shows_its_leads_activities_tasks_and_notes_marked_as_from_the_lead(tmp_path):
    v = story_vault(tmp_path, {
        "activities/discovery-call.md": act("Discovery call", "2026-09-10", '["[[acme-lead]]"]'),
        "tasks/send-brochure.md": rec(type="task", subject="Send the brochure", status="done", due="2026-09-11",
                                      related='["[[acme-lead]]"]'),
        "notes/fleet-size.md": rec(type="note", title="Fleet of twelve", date="2026-09-12",
                                   related='["[[acme-lead]]"]'),
        "activities/demo.md": act("Demo", "2026-10-20", '["[[acme-fleet]]"]'),
        "activities/both.md": act("Linked to both", "2026-10-21", '["[[acme-lead]]", "[[acme-fleet]]"]'),
    })
    assert timeline(v) == {
        "discovery-call": ("lead", "acme-lead"), "send-brochure": ("lead", "acme-lead"),
        "fleet-size": ("lead", "acme-lead"), "demo": (None, None), "both": (None, None)}
    text = v.run("show", "acme-fleet", *TODAY, ok=True).output
    assert "Discovery call  (discovery-call)  [from lead acme-lead]" in text
    assert "Demo  (demo)\n" in text  # the deal's own: no marker
    # the lead's own page is unchanged: its entries are its own
    lead_rows = v.json("show", "acme-lead", *TODAY)["timeline"]
    assert {r["id"]: r["from"] for r in lead_rows} == {"discovery-call": None, "send-brochure": None,
                                                      "fleet-size": None, "both": None}


def test_the_lead_is_found_by_its_converted_to_when_the_deal_does_not_name_it(tmp_path):
    v = story_vault(tmp_path, {"activities/discovery-call.md": act("Discovery call", "2026-09-10",
                                                                  '["[[acme-lead]]"]')}, lead=None)
    assert timeline(v) == {"discovery-call": ("lead", "acme-lead")}


def test_account_and_contact_activities_show_inside_the_deals_life_only(tmp_path):
    # life: from the lead's creation (2026-09-01, earlier than the deal's 2026-10-01), open-ended
    v = story_vault(tmp_path, {
        "opportunities/other-deal.md": deal(name="Other deal", lead=None),
        "activities/before.md": act("Before the lead existed", "2026-08-20", '["[[acme]]"]'),
        "activities/account-call.md": act("Account call", "2026-09-05", '["[[acme]]"]'),
        "activities/contact-lunch.md": act("Lunch with Jane", "2026-11-01T12:30", '["[[jane]]"]'),
        "activities/about-other.md": act("About the other deal", "2026-11-02", '["[[acme]]", "[[other-deal]]"]'),
        "activities/planned-visit.md": act("Visit", "2026-12-01", '["[[acme]]"]', status="planned"),
    })
    assert timeline(v) == {"account-call": ("account", "acme"), "contact-lunch": ("contact", "jane"),
                           "planned-visit": ("account", "acme")}
    text = v.run("show", "acme-fleet", *TODAY, ok=True).output
    assert "Lunch with Jane  (contact-lunch)  [from contact jane]" in text


def test_a_closed_deals_life_ends_at_its_close_date(tmp_path):
    v = story_vault(tmp_path, {
        "activities/during.md": act("During", "2026-10-10", '["[[acme]]"]'),
        "activities/after.md": act("After the loss", "2026-11-10", '["[[acme]]"]'),
        "leads/acme-lead.md": None,
    }, stage="lost", close="2026-10-31", lead=None)
    assert timeline(v) == {"during": ("account", "acme")}


def commit_at(v, day: str, message: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_DATE=f"{day}T12:00:00", GIT_COMMITTER_DATE=f"{day}T12:00:00",
               GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="T", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "add", "-A"], cwd=v.root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=v.root, check=True, env=env)


def test_without_created_the_life_starts_at_the_deals_first_commit(tmp_path):
    v = story_vault(tmp_path, {"leads/acme-lead.md": None}, created=None, lead=None)
    commit_at(v, "2026-10-01", "the deal")
    v.write("activities/early.md", act("Before the deal", "2026-09-20", '["[[acme]]"]'))
    v.write("activities/late.md", act("After", "2026-10-05", '["[[acme]]"]'))
    commit_at(v, "2026-10-06", "activities")
    assert timeline(v) == {"late": ("account", "acme")}
    # the same deal outside git: no start known, so every account activity until today counts
    (v.root / ".git").rename(v.root / "not-git")
    assert timeline(v) == {"early": ("account", "acme"), "late": ("account", "acme")}


def stale_ids(v, *args):
    return {d["id"]: d for d in v.json("agenda", *TODAY, *args)["stale_deals"]}


def test_an_account_activity_inside_the_deals_life_keeps_it_from_going_stale(tmp_path):
    v = story_vault(tmp_path, {
        "activities/old-demo.md": act("Old demo", "2026-10-02", '["[[acme-fleet]]"]'),
    })
    assert stale_ids(v)["acme-fleet"]["last_activity"] == "old-demo"
    v.write("activities/account-call.md", act("Account call", "2026-11-20", '["[[acme]]"]'))
    assert "acme-fleet" not in stale_ids(v)
    # a call about another deal of the same account does not count for this one
    v.write("opportunities/other-deal.md", deal(name="Other deal", lead=None))
    v.write("activities/account-call.md", act("Account call", "2026-11-20", '["[[acme]]", "[[other-deal]]"]'))
    assert stale_ids(v)["acme-fleet"]["last_activity"] == "old-demo"


def test_a_leads_activity_counts_for_its_deal_and_a_planned_or_cancelled_one_does_not(tmp_path):
    v = story_vault(tmp_path, {
        "activities/lead-call.md": act("Lead call", "2026-11-18", '["[[acme-lead]]"]'),
        "activities/cancelled.md": act("Cancelled", "2026-11-23", '["[[jane]]"]', status="cancelled"),
        "activities/ahead.md": act("Ahead", "2026-11-30", '["[[jane]]"]', status="planned"),
    }, created="2026-09-15")
    assert "acme-fleet" not in stale_ids(v)
    v.write("activities/lead-call.md", act("Lead call", "2026-09-20", '["[[acme-lead]]"]'))
    flag = stale_ids(v)["acme-fleet"]
    assert (flag["last_activity"], flag["days"], flag["since"]) == ("lead-call", 65, "2026-09-20")


def test_an_account_activity_before_the_deals_life_does_not_keep_it_fresh(tmp_path):
    v = story_vault(tmp_path, {"activities/old-visit.md": act("Old visit", "2026-08-01", '["[[acme]]"]'),
                               "leads/acme-lead.md": None}, created="2026-11-01", lead=None)
    flag = stale_ids(v, "--today", "2026-11-30")["acme-fleet"]
    assert (flag["since_source"], flag["last_activity"]) == ("created", None)


def test_show_of_an_unknown_id_says_so_and_suggests(tmp_path):
    v = story_vault(tmp_path)
    result = v.run("show", "acme-flet", ok=False)
    assert "acme-fleet" in result.output and "Traceback" not in result.output


def test_the_site_record_page_marks_entries_from_the_lead_and_the_account(tmp_path):
    v = story_vault(tmp_path, {
        "activities/discovery-call.md": act("Discovery call", "2026-09-10", '["[[acme-lead]]"]'),
        "activities/account-call.md": act("Account call", "2026-10-05", '["[[acme]]"]'),
    })
    v.run("report", "--out", str(tmp_path / "site"), *TODAY, ok=True)
    page = next((tmp_path / "site").rglob("acme-fleet.html")).read_text()
    assert 'from lead <a href="' in page and "acme-lead.html\">acme-lead</a>" in page
    assert "from account" in page and "Account call" in page


# --- losing touch --------------------------------------------------------------------------------

def touch_vault(tmp_path, extra=None, config_extra=""):
    from salesmd.config import default_config_text

    return make_vault(tmp_path / "v", {
        "accounts/acme.md": ACCOUNT, "contacts/jane.md": CONTACT,
        "opportunities/acme-fleet.md": deal(lead=None),
        **(extra or {})}, base=False, config=default_config_text() + config_extra)


def touch(v, *args):
    return v.json("agenda", *TODAY, *args)["losing_touch"]


def test_contacts_and_accounts_with_open_deals_losing_touch_oldest_first_never_touched_first(tmp_path):
    v = touch_vault(tmp_path, {
        "activities/old-call.md": act("Old call with Jane", "2026-10-15", '["[[jane]]"]'),
        "activities/deal-call.md": act("Deal call", "2026-10-10", '["[[acme-fleet]]"]'),
        "contacts/quiet.md": rec(type="contact", name="Quiet Contact", keep_in_touch=14),
        "contacts/fresh.md": rec(type="contact", name="Fresh", keep_in_touch=14),
        "activities/fresh-call.md": act("Fresh call", "2026-11-20", '["[[fresh]]"]'),
        "contacts/nobody.md": rec(type="contact", name="No deal, no key"),
    })
    flags = touch(v)
    assert [(f["id"], f["days"], f["limit"], f["limit_source"], f["last_activity"]) for f in flags] == [
        ("quiet", None, 14, "keep_in_touch", None),  # never touched: first
        ("acme", 45, 30, "touch_days", "deal-call"),  # its deal's call counts for the account
        ("jane", 40, 30, "touch_days", "old-call"),  # her own call, later than her deal's
    ]
    assert flags[0]["never_touched"] is True and flags[2]["open_deals"] == ["acme-fleet"]
    text = v.run("agenda", *TODAY, ok=True).output
    section = text[text.index("Losing touch"):]
    assert section.index("quiet") < section.index("acme") < section.index("jane")
    assert "never touched; limit 14 (keep_in_touch)" in section and "Old call with Jane" in section


def test_a_planned_activity_is_no_touch_and_the_limit_is_exclusive(tmp_path):
    v = touch_vault(tmp_path, {
        "activities/call.md": act("Call", "2026-10-25", '["[[jane]]", "[[acme]]"]'),  # 30 days before today
        "activities/planned.md": act("Planned", "2026-11-20", '["[[jane]]"]', status="planned"),
    })
    assert touch(v) == []
    assert [f["id"] for f in touch(v, "--today", "2026-11-25")] == ["acme", "jane"]


def test_touch_days_in_the_config_and_a_closed_deal_leaves_the_list(tmp_path):
    v = touch_vault(tmp_path, {"activities/call.md": act("Call", "2026-11-14", '["[[jane]]", "[[acme]]"]')},
                    config_extra="touch_days: 7\n")
    assert [(f["id"], f["days"]) for f in touch(v)] == [("acme", 10), ("jane", 10)]
    v.write("opportunities/acme-fleet.md", deal(lead=None, stage="won", close="2026-11-15"))
    assert touch(v) == []


def test_losing_touch_respects_owner_and_territory(tmp_path):
    v = touch_vault(tmp_path, {
        "contacts/sams.md": rec(type="contact", name="Sam's contact", owner="sam", keep_in_touch=5),
        "contacts/unowned.md": rec(type="contact", name="No owner", territory="east"),
        "opportunities/east-deal.md": rec(type="opportunity", name="East deal", stage="proposal", amount=1,
                                          close_date="2027-01-01", owner="sam", territory="east",
                                          contacts='["[[unowned]]"]'),
    })
    assert {f["id"] for f in touch(v, "--owner", "sam")} == {"sams", "unowned"}  # unowned: its deal's owner
    assert {f["id"] for f in touch(v, "--owner", "maria")} == {"acme", "jane"}
    assert {f["id"] for f in touch(v, "--territory", "east")} == {"unowned"}


def test_losing_touch_respects_tag_as_the_rest_of_the_agenda_does(tmp_path):
    v = touch_vault(tmp_path, {
        "contacts/tagged.md": rec(type="contact", name="Tagged", keep_in_touch=10, tags="[europe]"),
        "contacts/untagged.md": rec(type="contact", name="Untagged", keep_in_touch=10),
    })
    assert {"tagged", "untagged"} <= {f["id"] for f in touch(v)}
    assert {f["id"] for f in touch(v, "--tag", "europe")} == {"tagged"}
    assert touch(v, "--tag", "no-such-tag") == []


def test_an_owners_page_counts_a_deal_stale_as_the_dashboards_agenda_does(tmp_path):
    """A deal without `created` lives from its first commit on every page: a recent account call
    from before it keeps it fresh on none of them."""
    v = story_vault(tmp_path, {"leads/acme-lead.md": None}, created=None, lead=None)
    v.write("activities/before.md", act("Just before the deal", "2026-11-20", '["[[acme]]"]'))
    commit_at(v, "2026-11-22", "the deal")
    out = tmp_path / "site"
    v.run("report", "--out", str(out), *TODAY, ok=True)
    agenda = (out / "agenda.html").read_text(encoding="utf-8")
    owner = (out / "owners" / "maria.html").read_text(encoding="utf-8")
    stale_on = {page: "Acme fleet" in text.split("Stale", 1)[1] for page, text in
                (("agenda", agenda), ("owner", owner))}
    assert stale_on == {"agenda": True, "owner": True}


def test_a_keep_in_touch_that_is_not_a_number_of_days_is_said_and_the_default_used(tmp_path):
    v = touch_vault(tmp_path, {"contacts/odd.md": rec(type="contact", name="Odd", keep_in_touch=-3)})
    report = v.json("agenda", *TODAY)
    assert {f["id"]: f["limit"] for f in report["losing_touch"]}["odd"] == 30
    assert any(s["id"] == "odd" and "keep_in_touch" in s["reason"] for s in report["skipped"])


def test_keep_in_touch_is_a_known_key_and_must_be_a_number(tmp_path):
    v = touch_vault(tmp_path, {"contacts/ok.md": rec(type="contact", name="Ok", keep_in_touch=14),
                               "accounts/bad.md": rec(type="account", name="Bad", keep_in_touch="often")})
    result = v.run("check", "--format", "json")
    problems = [(p["path"], p["code"]) for p in json.loads(result.stdout)["problems"]]
    assert [code for path, code in problems if path.endswith("contacts/ok.md")] == []
    assert [code for path, code in problems if path.endswith("accounts/bad.md")] == ["value-type"]


def test_the_site_agenda_page_lists_who_is_losing_touch(tmp_path):
    v = touch_vault(tmp_path, {"activities/call.md": act("Old call", "2026-10-01", '["[[jane]]"]')})
    v.run("report", "--out", str(tmp_path / "site"), *TODAY, ok=True)
    page = (tmp_path / "site" / "agenda.html").read_text()
    table = page[page.index('id="losing-touch"'):]
    assert 'data-id="jane"' in table and "54 days (since 2026-10-01)" in table and "Old call" in table


def test_the_index_and_a_fresh_read_agree_on_the_story_and_on_who_is_losing_touch(tmp_path):
    v = touch_vault(tmp_path, {
        "contacts/quiet.md": rec(type="contact", name="Quiet", keep_in_touch=14),
        "accounts/plain.md": rec(type="account", name="Plain"),
        "activities/call.md": act("Call", "2026-10-01", '["[[jane]]", "[[acme]]"]'),
    })
    indexed = v.json("agenda", *TODAY)
    fresh = v.json("agenda", *TODAY, "--no-cache")
    assert indexed["losing_touch"] == fresh["losing_touch"] and len(indexed["losing_touch"]) == 3
    assert v.json("show", "acme-fleet", *TODAY) == v.json("show", "acme-fleet", *TODAY, "--no-cache")
