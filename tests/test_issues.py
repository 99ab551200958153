"""Customer issues: the `issue` type, its severities and its pipeline (new -> assessed ->
in-progress -> resolved, terminal closed), with the same rules as leads and deals."""

from __future__ import annotations

import os

import pytest

from conftest import git, make_vault
from salesmd.config import default_config_text

ISSUE = "issues/acme-battery-fault.md"
ISSUE_TEXT = """\
    ---
    type: issue
    subject: Forklift battery will not hold a charge
    severity: high
    stage: new
    account: "[[acme-corp]]"
    contact: "[[jane-doe]]"
    opportunity: "[[acme-fleet-renewal]]"
    product: EFX-25 battery
    owner: maria
    opened: 2026-11-20
    ---
    Truck 7 runs flat after two hours.
    """


@pytest.fixture
def vault(tmp_path):
    vault = make_vault(tmp_path / "v", {ISSUE: ISSUE_TEXT})
    vault.commit("initial")
    return vault


def out(result, vault) -> str:
    return result.output.replace(os.path.relpath(vault.root) + "/", "").replace(str(vault.root) + "/", "")


def test_an_issue_with_every_key_checks_clean(vault):
    assert "0 errors, 0 warnings" in vault.run("check", ok=True).output


def test_an_issue_needs_a_subject_and_a_stage(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("    subject: Forklift battery will not hold a charge\n", "")
                .replace("    stage: new\n", ""))
    text = out(vault.run("check", ok=False), vault)
    assert f"{ISSUE}:2: error[key-missing]: required key 'subject' is missing (an issue needs subject, stage)" in text
    assert "required key 'stage' is missing" in text


def test_an_unknown_severity_is_a_located_error_with_did_you_mean(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("severity: high", "severity: critcal"))
    text = out(vault.run("check", ok=False), vault)
    line = next(x for x in text.splitlines() if "severity-unknown" in x)
    assert line.startswith(f"{ISSUE}:4: error[severity-unknown]: severity 'critcal' is not a severity")
    assert "'critical'?" in line and line.endswith("expected one of: low, medium, high, critical")


def test_severities_come_from_the_config(tmp_path):
    vault = make_vault(tmp_path / "v", {ISSUE: ISSUE_TEXT.replace("severity: high", "severity: sev1")})
    assert "severity-unknown" in vault.run("check", ok=False).output
    vault.write("salesmd.yaml", default_config_text().replace("severities: [low, medium, high, critical]",
                                                              "severities: [sev3, sev2, sev1]"))
    assert "0 errors" in vault.run("check", ok=True).output


def test_an_issue_links_only_to_its_kinds_of_record(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace('account: "[[acme-corp]]"', 'account: "[[jane-doe]]"'))
    text = out(vault.run("check", ok=False), vault)
    assert f"{ISSUE}:6: error[link-type]" in text


def test_an_unknown_stage_is_a_located_error(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: asessed"))
    text = out(vault.run("check", ok=False), vault)
    assert f"{ISSUE}:5: error[stage-unknown]: stage 'asessed' is not in the issue pipeline" in text
    assert "'assessed'" in text


def test_new_issue_writes_the_skeleton_in_issues(vault):
    result = vault.run("new", "issue", "Mast chain noise", "--severity", "low", "--account", "acme-corp", ok=True)
    assert "created issues/mast-chain-noise.md" in out(result, vault)
    text = vault.read("issues/mast-chain-noise.md")
    assert "type: issue\nsubject: Mast chain noise\nstage: new\n" in text
    assert "severity: low\n" in text and 'account: "[[acme-corp]]"\n' in text
    assert "opened: " in text


def test_new_issue_with_an_unknown_severity_writes_nothing(vault):
    before = vault.snapshot()
    result = vault.run("new", "issue", "Mast chain noise", "--severity", "hgh", ok=False)
    assert "error[severity-unknown]" in result.output and "'high'" in result.output
    assert vault.snapshot() == before


def test_move_walks_an_issue_through_its_pipeline(vault):
    vault.run("move", "acme-battery-fault", "assessed", ok=True)
    vault.run("move", "acme-battery-fault", "in-progress", ok=True)
    assert "stage: in-progress\n" in vault.read(ISSUE)
    vault.run("move", "acme-battery-fault", "resolved", "--set", "resolution=Replaced the cell pack",
              "--set", "resolved=2026-11-24", ok=True)
    text = vault.read(ISSUE)
    assert "stage: resolved\n" in text and "resolution: Replaced the cell pack\n" in text
    assert "resolved: 2026-11-24\n" in text
    vault.run("move", "acme-battery-fault", "closed", "--set", "feedback=Happy with the fix", ok=True)
    assert "stage: closed\n" in vault.read(ISSUE)
    assert "0 errors" in vault.run("check", ok=True).output


def test_resolved_requires_a_resolution(vault):
    before = vault.snapshot()
    result = vault.run("move", "acme-battery-fault", "resolved", ok=False)
    assert "stage 'resolved' requires resolution" in result.output
    assert "salesmd move acme-battery-fault resolved --set resolution=..." in result.output
    assert vault.snapshot() == before


def test_move_refuses_an_unknown_stage_and_an_unknown_issue(vault):
    before = vault.snapshot()
    result = vault.run("move", "acme-battery-fault", "asessed", ok=False)
    assert "'asessed' is not a stage of the issue pipeline" in result.output and "'assessed'" in result.output
    result = vault.run("move", "acme-battery-falt", "assessed", ok=False)
    assert "no lead or opportunity or issue with id 'acme-battery-falt'" in result.output
    assert "acme-battery-fault" in result.output
    assert "Traceback" not in result.output
    assert vault.snapshot() == before


def test_move_refuses_to_leave_closed(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: closed"))
    vault.commit("closed")
    before = vault.snapshot()
    result = vault.run("move", "acme-battery-fault", "in-progress", ok=False)
    assert "acme-battery-fault is 'closed', a terminal stage: it stays there" in result.output
    assert vault.snapshot() == before


def test_a_closed_issue_reopened_by_hand_is_caught_against_git(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: closed"))
    sha = vault.commit("closed")
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: in-progress"))
    text = out(vault.run("check", ok=False), vault)
    date = git(vault.root, "log", "-1", "--format=%ad", "--date=short", sha).strip()
    assert f"{ISSUE}:5: error[terminal-left]: was 'closed' in {sha} ({date}, Test), now 'in-progress'" in text
    vault.commit("reopened", "--no-verify")  # committed: the history audit still finds it
    text = out(vault.run("check", ok=False), vault)
    assert f"{ISSUE}:5: error[terminal-left]: was 'closed' in {sha} ({date}, Test)" in text


def test_moving_an_issue_back_warns_as_a_deal_does(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: in-progress"))
    vault.commit("working on it")
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: assessed"))
    text = out(vault.run("check"), vault)
    assert f"{ISSUE}:5: warning[stage-backwards]: moved back from 'in-progress'" in text


def test_the_issue_pipeline_is_configurable(tmp_path):
    text = default_config_text()
    mine = text[:text.index("  issue:\n")] + "  issue:\n    stages: [triage, fixing]\n    terminal: [done, wontfix]\n"
    vault = make_vault(tmp_path / "v", {ISSUE: ISSUE_TEXT.replace("stage: new", "stage: triage")}, config=mine)
    assert "0 errors" in vault.run("check", ok=True).output
    vault.commit("initial")
    vault.run("move", "acme-battery-fault", "wontfix", ok=True)
    assert "stage: wontfix\n" in vault.read(ISSUE)


def test_an_unknown_pipeline_names_the_three(tmp_path):
    vault = make_vault(tmp_path / "v")
    with open(vault.root / "salesmd.yaml", "a", encoding="utf-8") as f:
        f.write("\npipelines:\n  ticket:\n    stages: [a]\n")
    text = vault.run("check").output
    assert "unknown pipeline 'ticket': the pipelines are 'lead', 'opportunity' and 'issue'" in text


def test_a_deleted_issue_that_left_closed_is_still_found_in_history(vault):
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: closed"))
    vault.commit("closed")
    vault.write(ISSUE, ISSUE_TEXT.replace("stage: new", "stage: assessed"))
    vault.commit("reopened", "--no-verify")
    (vault.root / ISSUE).unlink()
    vault.commit("deleted", "--no-verify")
    vault.run("check", ok=True)  # as the files stand, nothing is wrong
    text = out(vault.run("check", "--history", ok=False), vault)
    assert f"{ISSUE}:1: error[terminal-left]: was 'closed' in " in text


def issue(subject: str, severity: str, stage: str, opened: str, account: str = "acme-corp", owner: str = "maria") -> str:
    return (f"---\ntype: issue\nsubject: {subject}\nseverity: {severity}\nstage: {stage}\n"
            f"account: \"[[{account}]]\"\nowner: {owner}\nopened: {opened}\n"
            + ("resolution: fixed\n" if stage == "resolved" else "") + "---\n")


@pytest.fixture
def triage(tmp_path):
    """Five issues: two of them critical (the older first), one closed, one at another account."""
    vault = make_vault(tmp_path / "v", {
        ISSUE: ISSUE_TEXT,  # high, opened 2026-11-20
        "issues/old-low.md": issue("Scuffed paint", "low", "new", "2026-09-01"),
        "issues/crit-new.md": issue("Brakes fail", "critical", "assessed", "2026-11-22"),
        "issues/crit-old.md": issue("Mast drops", "critical", "in-progress", "2026-11-02", owner="dev"),
        "issues/done.md": issue("Wrong invoice", "critical", "closed", "2026-08-01"),
        "accounts/bolt.md": "---\ntype: account\nname: Bolt Builders\n---\n",
        "issues/bolt-horn.md": issue("Horn too quiet", "medium", "resolved", "2026-11-01", account="bolt"),
    })
    vault.commit("initial")
    return vault


def ids(vault, *args: str) -> list[str]:
    return [row["id"] for row in vault.json("issues", "--today", "2026-11-24", *args)]


def test_issues_lists_the_open_ones_by_severity_then_age(triage):
    assert ids(triage) == ["crit-old", "crit-new", "acme-battery-fault", "bolt-horn", "old-low"]
    text = triage.run("issues", "--today", "2026-11-24", ok=True).output
    lines = text.splitlines()
    assert lines[0].split() == ["id", "severity", "stage", "age", "account", "owner", "subject"]
    assert lines[2].split()[:6] == ["crit-old", "critical", "in-progress", "22", "acme-corp", "dev"]
    assert lines[-1] == "5 open issues"
    assert "done" not in [line.split()[0] for line in lines]


def test_issues_by_owner_and_by_account(triage):
    assert ids(triage, "--owner", "dev") == ["crit-old"]
    assert ids(triage, "--account", "bolt") == ["bolt-horn"]
    assert ids(triage, "--account", "acme-corp", "--owner", "maria") == ["crit-new", "acme-battery-fault", "old-low"]


def test_issues_of_an_account_include_those_about_its_deals(triage):
    triage.write("opportunities/bolt-fleet.md", "---\ntype: opportunity\nname: Bolt fleet\naccount: \"[[bolt]]\"\n"
                 "stage: proposal\namount: 1000\nclose_date: 2026-12-20\nowner: maria\n---\n")
    triage.write("issues/fleet-delay.md", issue("Fleet delivery late", "high", "new", "2026-11-10", account="acme-corp")
                 .replace('account: "[[acme-corp]]"\n', 'opportunity: "[[bolt-fleet]]"\n'))
    assert ids(triage, "--account", "bolt") == ["fleet-delay", "bolt-horn"]
    assert "fleet-delay" not in ids(triage, "--account", "acme-corp")
    site = triage.root.parent / "site"
    triage.run("report", "--out", str(site), ok=True)
    block = (site / "records/bolt.html").read_text(encoding="utf-8").split('id="open-issues"', 1)[1].split("</ul>", 1)[0]
    assert "records/fleet-delay.html" in block and "records/bolt-horn.html" in block


def test_the_issue_pipeline_report_counts_issues_not_leads(triage):
    text = triage.run("pipeline", "--pipeline", "issue", "--today", "2026-11-24", ok=True).output
    assert text.startswith("Issue pipeline on 2026-11-24")
    assert "Open: 5 issues" in text and "Leads:" not in text and "Lead conversion" not in text
    rows = {line.split()[0]: line.split()[-1] for line in text.splitlines()[4:9]}
    assert rows == {"new": "2", "assessed": "1", "in-progress": "1", "resolved": "1", "closed": "1"}
    assert "Funnel (all time): new 6" in text and text.split("Funnel (all time): ")[1].splitlines()[0].endswith("closed 1")
    data = triage.json("pipeline", "--pipeline", "issue", "--today", "2026-11-24")
    assert data["conversion"] is None and data["pipeline"] == "issue"


def test_issues_as_json_and_csv(triage):
    row = triage.json("issues", "--today", "2026-11-24", "--account", "bolt")[0]
    assert row == {"id": "bolt-horn", "subject": "Horn too quiet", "severity": "medium", "stage": "resolved",
                   "age_days": 23, "opened": "2026-11-01", "account": "bolt", "opportunity": None,
                   "contact": None, "product": None, "owner": "maria"}
    csv = triage.run("issues", "--today", "2026-11-24", "--format", "csv", "--owner", "dev", ok=True).output
    assert csv.splitlines() == ["id,subject,severity,stage,age_days,opened,account,opportunity,contact,product,owner",
                                "crit-old,Mast drops,critical,in-progress,22,2026-11-02,acme-corp,,,,dev"]


def test_issues_follow_the_configured_severities(tmp_path):
    config = default_config_text().replace("severities: [low, medium, high, critical]", "severities: [sev3, sev2, sev1]")
    vault = make_vault(tmp_path / "v", {"issues/a.md": issue("A", "sev3", "new", "2026-11-01"),
                                        "issues/b.md": issue("B", "sev1", "new", "2026-11-20")}, config=config)
    assert ids(vault) == ["b", "a"]


def test_issues_with_an_unknown_account_says_did_you_mean_and_exits_2(triage):
    result = triage.run("issues", "--account", "acme-crop", ok=False)
    assert result.exit_code == 2
    assert "no account with id 'acme-crop'" in result.output and "'acme-corp'" in result.output
    assert "Traceback" not in result.output


def test_no_open_issues_says_so(tmp_path):
    vault = make_vault(tmp_path / "v")
    assert "No open issues for acme-corp." in vault.run("issues", "--account", "acme-corp", ok=True).output


def test_the_site_shows_open_issues_on_deal_and_account_pages_and_counts_them(triage, tmp_path):
    triage.write("issues/deal-issue.md", issue("Wrong forks delivered", "high", "new", "2026-11-21")
                 .replace("owner: maria\n", "opportunity: \"[[acme-fleet-renewal]]\"\nowner: maria\n"))
    site = tmp_path / "site"
    triage.run("report", "--out", str(site), "--today", "2026-11-24", ok=True)
    account = (site / "records/acme-corp.html").read_text(encoding="utf-8")
    shown = account.split('id="open-issues"', 1)[1].split("</ul>", 1)[0]
    order = [shown.index(f"records/{i}.html") for i in ("crit-old", "crit-new", "acme-battery-fault", "deal-issue",
                                                        "old-low")]
    assert order == sorted(order)  # most severe first, the oldest first within a severity
    assert "records/done.html" not in shown and "records/bolt-horn.html" not in shown
    assert '<span class="badge critical">critical</span>' in shown and "22 days open" in shown
    deal = (site / "records/acme-fleet-renewal.html").read_text(encoding="utf-8")
    shown = deal.split('id="open-issues"', 1)[1].split("</ul>", 1)[0]
    assert "records/deal-issue.html" in shown and "records/crit-old.html" not in shown
    assert 'id="open-issues"' not in (site / "records/jane-doe.html").read_text(encoding="utf-8")
    dashboard = (site / "index.html").read_text(encoding="utf-8")
    card = dashboard.split('id="issues-card"', 1)[1].split("</div></div>", 1)[0]
    assert '<div class="value">6</div>' in card and "2 critical · 2 high · 1 medium · 1 low" in card
    assert (site / "issues.html").is_file()


def test_an_issue_closed_leaves_its_account_page_on_the_next_build(triage, tmp_path):
    site = tmp_path / "site"
    triage.run("report", "--out", str(site), ok=True)
    assert "records/crit-old.html" in (site / "records/acme-corp.html").read_text(encoding="utf-8")
    triage.run("move", "crit-old", "closed", ok=True)
    triage.run("report", "--out", str(site), ok=True)
    page = (site / "records/acme-corp.html").read_text(encoding="utf-8")
    assert "records/crit-old.html" not in page.split('id="open-issues"', 1)[1].split("</ul>", 1)[0]


def test_list_issue_shows_severity_and_stage_and_filters_by_them(triage):
    text = triage.run("list", "issue", "--where", "severity=critical", ok=True).output
    assert text.splitlines()[0].split() == ["id", "severity", "stage", "opened", "subject", "account", "owner"]
    assert [line.split()[0] for line in text.splitlines()[2:-1]] == ["crit-new", "crit-old", "done"]
    assert triage.run("list", "issue", "--stage", "closed", "--format", "ids", ok=True).output == "done\n"
