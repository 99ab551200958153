"""Editing records in place from the command line: set, done on an activity, cancel, reschedule,
tag and untag. Each leaves a diff of exactly the lines it meant to change, or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import git, make_vault
from test_write import numstat  # noqa: F401 - the lines each file changed, as test_write counts them
from salesmd.config import default_config_text
from salesmd.when import parse_when
from salesmd.write.yamledit import read_back, render_value
from salesmd.write.yamllist import set_list

TODAY = ["--today", "2026-11-24"]  # a Tuesday

EXTRA = {
    "activities/fleet-review.md": """\
        ---
        type: activity
        subject: Fleet review with Jane
        kind: meeting
        status: planned
        start: 2026-12-01T09:00
        end: 2026-12-01T10:30  # ninety minutes
        related: ["[[acme-fleet-renewal]]", "[[jane-doe]]"]
        owner: maria
        ---
        Agenda: the trade-in.
        """,
    "activities/depot-visit.md": """\
        ---
        type: activity
        subject: Depot visit
        kind: in-person
        status: cancelled
        start: "2026-11-28 14:00"
        related: ["[[acme-corp]]"]
        ---
        """,
    "accounts/bolt-works.md": """\
        ---
        type: account
        name: Bolt Works
        tags:
          - prospect   # from the trade show
          - "Fleet"
        ---
        """,
}


@pytest.fixture
def committed(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    vault.commit("initial")
    return vault


def refused(vault, *args, says: str, code: int = 1):
    """Run a command that must be refused with `says` in its message, writing nothing."""
    before = vault.snapshot()
    result = vault.run(*args)
    assert result.exit_code == code, result.output
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert vault.snapshot() == before
    return result


def last_commit(vault) -> str:
    return git(vault.root, "log", "-1", "--format=%s").strip()


# ------------------------------------------------------------------------------------------- set

def test_set_changes_only_the_lines_of_its_keys(committed):
    committed.run("set", "acme-fleet-renewal", "amount=52000", "close_date=2026-12-20", ok=True)
    assert numstat(committed) == {"opportunities/acme-fleet-renewal.md": (2, 2)}
    text = committed.read("opportunities/acme-fleet-renewal.md")
    assert "amount: 52000\nclose_date: 2026-12-20\n" in text
    assert text.endswith("---\nTwelve electric forklifts to replace the propane fleet.\n")
    fields = committed.json("show", "acme-fleet-renewal")["fields"]
    assert fields["amount"] == 52000 and fields["close_date"] == "2026-12-20"
    committed.run("check", ok=True)


def test_set_types_each_value_as_its_key_takes_it(committed):
    committed.run("set", "jane-doe", "phone=0123456", "role=CFO", "emails=jane@home.example,j@acme.example",
                  "keep_in_touch=30", ok=True)
    committed.run("set", "acme-fleet-renewal", "account=acme-corp", "contacts=jane-doe", "probability=70", ok=True)
    contact = committed.read("contacts/jane-doe.md")
    assert 'phone: "0123456"\n' in contact  # text stays text, its leading zero kept
    assert "emails: [jane@home.example, j@acme.example]\n" in contact and "keep_in_touch: 30\n" in contact
    fields = committed.json("show", "jane-doe")["fields"]
    assert fields["keep_in_touch"] == 30 and fields["emails"] == ["jane@home.example", "j@acme.example"]
    assert committed.json("show", "acme-fleet-renewal")["fields"]["probability"] == 70
    assert numstat(committed)["opportunities/acme-fleet-renewal.md"] == (1, 0)  # links already so: probability added
    committed.run("check", ok=True)


def test_set_writes_a_date_as_the_old_one_was_written_and_takes_days_from_today(committed):
    rel = "opportunities/acme-fleet-renewal.md"
    committed.write(rel, committed.read(rel).replace("close_date: 2026-12-15", 'close_date: "2026-12-15"'))
    committed.run(*TODAY, "set", "acme-fleet-renewal", "close_date=+30d", ok=True)
    assert 'close_date: "2026-12-24"\n' in committed.read(rel)
    committed.run(*TODAY, "set", "chase-quote", "due=fri", ok=True)
    assert "due: 2026-11-27\n" in committed.read("tasks/chase-quote.md")


def test_set_and_unset_together_and_commit(committed):
    result = committed.run("set", "acme-fleet-renewal", "stage=negotiation", "amount=50000", "--unset", "territory",
                           "--commit", ok=True)
    assert "committed" in result.output
    assert last_commit(committed) == ("set opportunity acme-fleet-renewal: stage proposal -> negotiation, amount; "
                                      "unset territory")
    text = committed.read("opportunities/acme-fleet-renewal.md")
    assert "stage: negotiation\n" in text and "territory" not in text
    assert git(committed.root, "status", "--porcelain") == ""


def test_set_takes_a_list_as_commas_or_as_a_yaml_flow_list(committed):
    committed.run("set", "acme-corp", 'tags=[fleet, "Reno, NV"]', ok=True)
    committed.run("set", "acme-fleet-renewal", "contacts=[jane-doe]", ok=True)
    assert 'tags: [fleet, "Reno, NV"]\n' in committed.read("accounts/acme-corp.md")
    assert committed.json("show", "acme-fleet-renewal")["fields"]["contacts"] == ["[[jane-doe]]"]
    committed.run("new", "account", "Reno Depot", "--tags", "[depot, 'Reno, NV']", ok=True)
    assert committed.json("show", "reno-depot")["fields"]["tags"] == ["depot", "Reno, NV"]


def test_set_a_list_keeps_its_block_style(committed):
    committed.run("set", "bolt-works", "tags=prospect,fleet,dealer", ok=True)
    text = committed.read("accounts/bolt-works.md")
    assert "tags:\n  - prospect   # from the trade show\n  - fleet\n  - dealer\n---\n" in text


def test_set_dry_run_shows_the_diff_and_writes_nothing(committed):
    before = committed.snapshot()
    result = committed.run("set", "acme-fleet-renewal", "amount=52000", "--dry-run", ok=True)
    assert "-amount: 48000\n+amount: 52000\n" in result.output
    assert committed.snapshot() == before


def test_set_to_what_the_file_holds_changes_nothing(committed):
    before = committed.snapshot()
    result = committed.run("set", "acme-fleet-renewal", "amount=48000", "stage=proposal", "--commit", ok=True)
    assert "nothing to change" in result.stderr
    assert committed.snapshot() == before and last_commit(committed) == "initial"


def test_set_a_custom_key_warns_only_when_it_looks_like_a_typo(committed):
    typo = committed.run("set", "acme-fleet-renewal", "amout=5", ok=True)
    assert "opportunities/acme-fleet-renewal.md:12: warning[key-unknown]: unknown key 'amout' " \
           "(did you mean 'amount'?)" in typo.stderr
    assert "amout: 5\n" in committed.read("opportunities/acme-fleet-renewal.md")  # custom keys are allowed
    custom = committed.run("set", "acme-fleet-renewal", "champion=Jane", ok=True)
    assert "warning" not in custom.stderr


@pytest.mark.parametrize("args,says", [
    (["set", "acme-fleet-renewal", "type=lead"], "a record's type cannot change"),
    (["set", "acme-fleet-renewal", "id=acme-2"], "the id is the file name"),
    (["set", "acme-fleet-renewal", "--unset", "name"], "'name' is required for an opportunity"),
    (["set", "acme-fleet-renewal", "--unset", "amout"], "has no key 'amout' (did you mean 'amount'?)"),
    (["set", "acme-fleet-renewl", "amount=1"], "no record with id 'acme-fleet-renewl' (did you mean "
                                               "'acme-fleet-renewal'?)"),
    (["set", "acme-fleet-renewal", "amount=lots"], "error[value-type]: 'amount' must be a plain number"),
    (["set", "acme-fleet-renewal", "stage=lost"], "stage 'lost' requires lost_reason, which acme-fleet-renewal "
                                                  "does not have; set it in the same command: salesmd set "
                                                  "acme-fleet-renewal stage=lost lost_reason=..."),
    (["set", "acme-fleet-renewal", "stage=negotiaton"], "did you mean 'negotiation'?"),
    (["set", "acme-fleet-renewal", "stage=proposal", "close_date=soon"], "error[value-type]: 'close_date'"),
    (["set", "acme-fleet-renewal", "--unset", "amount"], "stage-requires"),
    (["set", "bolt-builders", "stage=converted"], "salesmd convert bolt-builders"),
    (["set", "jane-doe-inquiry", "stage=qualified"], "'converted', a terminal stage: it stays there"),
    (["set", "acme-fleet-renewal", "--unset", "lead"], "error[conversion"),
    (["set", "acme-fleet-renewal", "account=nobody"], "error[link-broken]"),
    (["set", "acme-fleet-renewal", "amount=1", "--unset", "amount"], "'amount' is both set and unset"),
])
def test_set_refusals_say_why_and_write_nothing(committed, args, says):
    result = refused(committed, *args, says=says)
    assert "nothing was written" in result.stderr


def test_set_cannot_take_a_won_deal_back_even_through_another_key(committed):
    committed.run("won", "acme-fleet-renewal", "--commit", ok=True)
    refused(committed, "set", "acme-fleet-renewal", "stage=negotiation", says="'won', a terminal stage")


@pytest.mark.parametrize("args,says", [
    (["set", "acme-fleet-renewal"], "give what to change: KEY=VALUE pairs, or --unset KEY"),
    (["set", "acme-fleet-renewal", "amount"], "'amount': write it as KEY=VALUE"),
    (["set", "acme-fleet-renewal", "lost_reason="], "give a value after '=' (to remove the key: --unset lost_reason)"),
    (["set", "acme-fleet-renewal", "amount=1", "amount=2"], "'amount' is given twice"),
])
def test_set_command_line_mistakes_exit_2(committed, args, says):
    refused(committed, *args, says=says, code=2)


def test_set_on_a_read_only_file_is_refused(committed):
    rel = "opportunities/acme-fleet-renewal.md"
    (committed.root / rel).chmod(0o444)
    try:
        refused(committed, "set", "acme-fleet-renewal", "amount=1", says="read-only")
    finally:
        (committed.root / rel).chmod(0o644)


# ------------------------------------------------------------------------------------------ done

def test_done_closes_a_planned_activity_with_its_outcome(committed):
    committed.run("done", "fleet-review", "--outcome", "they want 14 trucks", "--commit", ok=True)
    assert numstat(committed) == {}
    assert last_commit(committed) == "done activity fleet-review"
    fields = committed.json("show", "fleet-review")["fields"]
    assert fields["status"] == "done" and fields["outcome"] == "they want 14 trucks"
    again = refused(committed, "done", "fleet-review", says="activity fleet-review is already done")
    assert "nothing was written" in again.stderr
    refused(committed, "done", "depot-visit", says="activity depot-visit was cancelled")


def test_done_on_an_activity_makes_a_follow_up_task_with_its_related_records(committed):
    committed.run(*TODAY, "done", "fleet-review", "--follow-up", "Send the trade-in offer", "--due", "+2d", ok=True)
    follow = committed.json("show", "send-the-trade-in-offer")["fields"]
    assert follow["due"] == "2026-11-26" and follow["related"] == ["[[acme-fleet-renewal]]", "[[jane-doe]]"]
    assert "follows" not in follow and follow["owner"] == "maria"
    committed.run("check", ok=True)


def test_done_refuses_other_types(committed):
    refused(committed, "done", "acme-fleet-renewal", says="is an opportunity, not a task or an activity")
    refused(committed, "done", "fleet-reviw", says="did you mean 'fleet-review'?")


# ---------------------------------------------------------------------------------------- cancel

def test_cancel_an_open_task_with_its_reason(committed):
    committed.run("cancel", "chase-quote", "--reason", "they signed already", "--commit", ok=True)
    assert last_commit(committed) == "cancel task chase-quote: they signed already"
    text = committed.read("tasks/chase-quote.md")
    assert "status: cancelled\n" in text and "outcome: they signed already\n" in text


def test_cancel_a_planned_activity(committed):
    committed.run("cancel", "fleet-review", ok=True)
    assert numstat(committed) == {"activities/fleet-review.md": (1, 1)}
    assert committed.json("show", "fleet-review")["fields"]["status"] == "cancelled"


@pytest.mark.parametrize("args,says", [
    (["cancel", "send-quote"], "task send-quote is done: it is too late to cancel it"),
    (["cancel", "depot-visit"], "activity depot-visit is already cancelled; to take it up again, reopen it first: "
                                "salesmd set depot-visit status=planned"),
    (["cancel", "acme-corp"], "'acme-corp' is an account, not a task or an activity"),
    (["cancel", "chase-qoute"], "did you mean 'chase-quote'?"),
])
def test_cancel_refusals(committed, args, says):
    refused(committed, *args, says=says)


# ------------------------------------------------------------------------------------ reschedule

def test_reschedule_a_task_keeps_its_date_style(committed):
    rel = "tasks/chase-quote.md"
    committed.write(rel, committed.read(rel).replace("due: 2026-11-26", "due: '2026-11-26'"))
    committed.run(*TODAY, "reschedule", "chase-quote", "tomorrow", "--commit", ok=True)
    assert "due: '2026-11-25'\n" in committed.read(rel)
    assert last_commit(committed) == "reschedule task chase-quote: 2026-11-26 -> 2026-11-25"


def test_reschedule_moves_an_activitys_start_and_end_together(committed):
    rel = "activities/fleet-review.md"
    committed.run(*TODAY, "reschedule", "fleet-review", "fri", "14:00", ok=True)
    text = committed.read(rel)
    assert "start: 2026-11-27T14:00\nend: 2026-11-27T15:30  # ninety minutes\n" in text
    assert numstat(committed) == {rel: (2, 2)}
    committed.run(*TODAY, "reschedule", "fleet-review", "2026-12-03", ok=True)  # a day alone keeps the time
    assert "start: 2026-12-03T14:00\nend: 2026-12-03T15:30" in committed.read(rel)
    committed.run(*TODAY, "reschedule", "fleet-review", "-1d", ok=True)  # not an option: a day back
    assert "start: 2026-11-23T14:00\n" in committed.read(rel)


def test_reschedule_keeps_an_offset_and_a_space_before_the_time(tmp_path):
    vault = make_vault(tmp_path / "v", {"activities/call-hamburg.md": """\
        ---
        type: activity
        subject: Call Hamburg
        kind: call
        status: planned
        start: 2026-12-01 09:00+01:00
        end: 2026-12-01 09:45+01:00
        related: ["[[acme-corp]]"]
        ---
        """})
    vault.run(*TODAY, "reschedule", "call-hamburg", "2026-12-04T16:00", ok=True)
    assert "start: 2026-12-04 16:00+01:00\nend: 2026-12-04 16:45+01:00\n" in vault.read("activities/call-hamburg.md")


def test_reschedule_to_the_same_time_changes_nothing(committed):
    before = committed.snapshot()
    result = committed.run("reschedule", "chase-quote", "2026-11-26", ok=True)
    assert "nothing to change" in result.stderr and committed.snapshot() == before


@pytest.mark.parametrize("args,says,code", [
    (["reschedule", "send-quote", "+3d"], "task send-quote is done: it is too late to move it", 1),
    (["reschedule", "depot-visit", "+3d"], "activity depot-visit is already cancelled", 1),
    (["reschedule", "acme-corp", "+3d"], "is an account, not a task or an activity", 1),
    (["reschedule", "chase-qoute", "+3d"], "did you mean 'chase-quote'?", 1),
    (["reschedule", "chase-quote", "someday"], "'someday' is not a date (2026-11-25)", 2),
    (["reschedule", "chase-quote", "2026-02-30"], "is not a date", 2),
])
def test_reschedule_refusals(committed, args, says, code):
    refused(committed, *args, says=says, code=code)


@pytest.mark.parametrize("text,expected", [
    ("2026-12-01", dt.date(2026, 12, 1)),
    ("2026-12-01T10:30", dt.datetime(2026, 12, 1, 10, 30)),
    ("2026-12-01 10:30", dt.datetime(2026, 12, 1, 10, 30)),
    ("today", dt.date(2026, 11, 24)),
    ("Tomorrow", dt.date(2026, 11, 25)),
    ("yesterday", dt.date(2026, 11, 23)),
    ("+3d", dt.date(2026, 11, 27)),
    ("-1d", dt.date(2026, 11, 23)),
    ("+2w", dt.date(2026, 12, 8)),
    ("fri", dt.date(2026, 11, 27)),
    ("tuesday", dt.date(2026, 12, 1)),  # said on a Tuesday: the next one
    ("mon 9:05", dt.datetime(2026, 11, 30, 9, 5)),
    ("tomorrow 14:00", dt.datetime(2026, 11, 25, 14, 0)),
    ("t", None), ("tu", None), ("+3", None), ("3d", None), ("tomorrow 25:00", None), ("someday", None),
])
def test_when_reads_dates_and_days_from_today(text, expected):
    assert parse_when(text, dt.date(2026, 11, 24)) == expected


def test_log_and_done_take_days_from_today_too(committed):
    result = committed.run(*TODAY, "log", "meeting", "--related", "acme-corp", "--planned", "--start", "thu 10:00",
                           "--subject", "Quarterly review", ok=True)
    assert "2026-11-26-meeting-quarterly-review" in result.output
    committed.run(*TODAY, "done", "chase-quote", "--follow-up", "Call back", "--due", "+1w", ok=True)
    assert committed.json("show", "call-back")["fields"]["due"] == "2026-12-01"
    committed.run(*TODAY, "new", "task", "Send brochure", "--due", "mon", ok=True)
    assert committed.json("show", "send-brochure")["fields"]["due"] == "2026-11-30"
    committed.run(*TODAY, "move", "acme-fleet-renewal", "negotiation", "--set", "close_date=+2w", ok=True)
    assert committed.json("show", "acme-fleet-renewal")["fields"]["close_date"] == "2026-12-08"


# ------------------------------------------------------------------------------------ tag, untag

def test_tag_adds_to_each_list_in_its_own_style(committed):
    rel = "opportunities/acme-fleet-renewal.md"
    committed.write(rel, committed.read(rel).replace("territory: west\n", "territory: west\ntags: [renewal]\n"))
    committed.commit("tagged")
    result = committed.run("tag", "fleet,#dealer", "acme-fleet-renewal", "bolt-works", "acme-corp", "--commit",
                           ok=True)
    assert "tags: [renewal, fleet, dealer]\n" in committed.read(rel)
    assert "  - \"Fleet\"\n  - dealer\n---\n" in committed.read("accounts/bolt-works.md")  # Fleet is fleet
    assert "tags: [fleet, dealer]\n---\n" in committed.read("accounts/acme-corp.md")
    assert last_commit(committed) == "tag fleet, dealer: acme-fleet-renewal, bolt-works, acme-corp"
    assert result.output.count("edited") == 3
    committed.run("check", ok=True)
    again = committed.run("tag", "fleet", "acme-corp", ok=True)
    assert "already tagged fleet: acme-corp" in again.stderr and "nothing to change" in again.stderr


def test_tag_names_a_record_once_however_often_it_is_given(committed):
    committed.run("tag", "vip", "acme-corp", "ACME-corp", "acme-corp", ok=True)
    assert committed.read("accounts/acme-corp.md").count("tags: [vip]\n") == 1


def test_tag_turns_a_single_tag_into_a_list(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/solo.md": "---\ntype: account\nname: Solo\ntags: hot\n---\n"})
    vault.run("tag", "vip", "solo", ok=True)
    assert "tags: [hot, vip]\n" in vault.read("accounts/solo.md")


def test_untag_removes_any_case_and_a_list_left_empty(committed):
    committed.run("untag", "fleet", "bolt-works", ok=True)
    assert committed.read("accounts/bolt-works.md").endswith("tags:\n  - prospect   # from the trade show\n---\n")
    result = committed.run("untag", "prospect,vip", "bolt-works", "acme-corp", ok=True)
    assert "not tagged prospect, vip: acme-corp" in result.stderr
    assert "tags" not in committed.read("accounts/bolt-works.md")


def test_tag_is_all_or_nothing(committed):
    result = refused(committed, "tag", "vip", "acme-corp", "bolt-wroks", "nobody-at-all",
                     says="no record with id 'bolt-wroks' (did you mean 'bolt-works'?)")
    assert "no record with id 'nobody-at-all'" in result.stderr and "nothing was written" in result.stderr


def test_tag_refuses_tags_that_are_not_a_list(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/odd.md": "---\ntype: account\nname: Odd\ntags: {a: 1}\n---\n"})
    before = vault.snapshot()
    result = vault.run("tag", "vip", "odd", "acme-corp")
    assert result.exit_code == 1 and "accounts/odd.md:4: 'tags' of odd is not a list of tags" in result.stderr
    assert vault.snapshot() == before


def test_tag_dry_run_shows_every_files_diff(committed):
    before = committed.snapshot()
    result = committed.run("tag", "vip", "acme-corp", "bolt-works", "--dry-run", ok=True)
    assert "+tags: [vip]\n" in result.output and "+  - vip\n" in result.output
    assert committed.snapshot() == before


@pytest.mark.parametrize("args", [["tag", ",", "acme-corp"], ["tag", "vip"], ["untag", "vip,,x", "acme-corp"]])
def test_tag_command_line_mistakes_exit_2(committed, args):
    before = committed.snapshot()
    assert committed.run(*args).exit_code == 2
    assert committed.snapshot() == before


def test_an_error_the_change_makes_in_another_file_refuses_it_but_an_old_one_does_not(committed):
    # unsetting the deal's `lead` undoes the conversion its lead records: an error in the lead's file
    result = refused(committed, "set", "acme-fleet-renewal", "--unset", "lead", says="leads/jane-doe-inquiry.md:")
    assert "error[conversion]" in result.stderr
    # a broken link already there, whose did-you-mean a new record changes, is no new error
    committed.write("notes/typo.md", "---\ntype: note\ntitle: Typo\ndate: 2026-11-20\nrelated: [\"[[zzqx-corp]]\"]\n---\n")
    committed.commit("a broken link")
    committed.run("new", "account", "Zzqx Corpo", ok=True)
    assert "did you mean 'zzqx-corpo'?" in committed.run("check").output


def test_reschedule_warns_of_a_day_over_its_owners_capacity(tmp_path):
    vault = make_vault(tmp_path / "v", config=default_config_text().replace("tasks_per_day: 6", "tasks_per_day: 1"))
    vault.write("tasks/second.md", "---\ntype: task\nsubject: Second\nstatus: open\ndue: 2026-11-30\nowner: maria\n---\n")
    result = vault.run("reschedule", "second", "2026-11-26", ok=True)
    assert ("tasks/second.md:5: warning[over-capacity]: maria: 2 open tasks due on 2026-11-26 with this one, "
            "capacity 1 a day") in result.stderr
    assert "due: 2026-11-26\n" in vault.read("tasks/second.md")  # written all the same


def test_tab_offers_the_open_tasks_and_planned_activities_to_reschedule(committed):
    from test_complete import complete

    v = f"salesmd --vault {committed.root}"
    assert complete(f"{v} reschedule ") == ["chase-quote", "fleet-review"]  # not done, not cancelled
    assert complete(f"{v} set bolt") == ["bolt-builders", "bolt-works"]


def test_set_takes_an_owners_alias_as_its_id(tmp_path):
    config = default_config_text() + "owners:\n  maria: {aliases: [\"Maria Lopez\"]}\n  dev: {}\n"
    vault = make_vault(tmp_path / "v", config=config)
    vault.run("set", "bolt-builders", "owner=Maria Lopez", ok=True)
    assert "owner: maria\n" in vault.read("leads/bolt-builders.md")


def test_a_flow_list_keeps_its_spacing_and_quotes(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/spaced.md":
                                        "---\ntype: account\nname: Spaced\ntags: [ \"vip\", q4 ]  # ours\n---\n"})
    vault.run("tag", "fleet", "spaced", ok=True)
    assert 'tags: [ "vip", q4, fleet ]  # ours\n' in vault.read("accounts/spaced.md")
    vault.run("untag", "q4", "spaced", ok=True)
    assert 'tags: [ "vip", fleet ]  # ours\n' in vault.read("accounts/spaced.md")


TAG = st.text(alphabet="ab Z:,#-[]\"'é", min_size=1, max_size=6).filter(lambda t: t == t.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=st.lists(TAG, min_size=1, max_size=5), added=st.lists(TAG, max_size=3), block=st.booleans(),
       data=st.data())
def test_a_list_edit_reads_back_as_asked_keeps_its_style_and_the_rest(old, added, block, data):
    kept = [t for t, stays in zip(old, data.draw(st.lists(st.booleans(), min_size=len(old), max_size=len(old))))
            if stays]
    if block:
        value = "\n" + "".join(f"  - {render_value(t)}\n" for t in old)
    else:
        value = " [" + ", ".join(render_value(t, flow=True) for t in old) + "]  # ours\n"
    text = f"---\ntype: account\nname: X\ntags:{value}owner: m\n---\nbody\n"
    out = set_list(text, "tags", kept + added)
    assert read_back(out).get("tags", []) == kept + added
    assert out.startswith("---\ntype: account\nname: X\n") and out.endswith("owner: m\n---\nbody\n")
    if kept + added:
        assert ("tags:\n  - " in out) if block else ("tags: [" in out and "]  # ours\n" in out)
    else:
        assert "tags" not in out
