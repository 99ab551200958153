"""import csv / import vcard: real-looking exports in tests/data/, all-or-nothing, re-import is a no-op."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import git, make_vault
from salesmd.io.presets import CellError, parse_amount, parse_date

DATA = Path(__file__).parent / "data"
HUBSPOT, PIPEDRIVE, SALESFORCE = DATA / "hubspot-deals.csv", DATA / "pipedrive-deals.csv", \
    DATA / "salesforce-opportunities.csv"
SF_DEFAULT = ("--default", "lost_reason=not recorded in Salesforce")


@pytest.fixture
def fresh(tmp_path):
    return make_vault(tmp_path / "crm", base=False)


# ------------------------------------------------------------------ what the CSV says, read by hand

def hubspot_expected():
    stages = {"appointmentscheduled": "qualification", "qualifiedtobuy": "qualification",
              "presentationscheduled": "proposal", "decisionmakerboughtin": "proposal",
              "contractsent": "negotiation", "closedwon": "won", "closedlost": "lost"}
    rows = list(csv.DictReader(io.StringIO(HUBSPOT.read_text(encoding="utf-8-sig"))))
    rows = list({tuple(r.values()): r for r in rows}.values())  # one duplicated row
    totals, counts = defaultdict(lambda: [0, 0.0]), defaultdict(int)
    for r in rows:
        stage = stages[r["Deal Stage"].replace(" ", "").lower()]
        counts[stage] += 1
        if r["Amount"]:  # no currency in the cell or a column: the vault's, USD
            totals[stage][0] += 1
            totals[stage][1] += float(r["Amount"].replace("$", "").replace(",", ""))
    return {s: {"USD": t} for s, t in totals.items()}, counts


def pipedrive_expected():
    stages = {"Qualified": "qualification", "Contact Made": "prospecting", "Demo Scheduled": "qualification",
              "Proposal Made": "proposal", "Negotiations Started": "negotiation"}
    text = PIPEDRIVE.read_bytes().decode("cp1252")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    rows = [r for r in {tuple(r.values()): r for r in rows}.values() if r["Deal - Status"] != "deleted"]
    totals, counts = defaultdict(lambda: defaultdict(lambda: [0, 0.0])), defaultdict(int)
    for r in rows:
        status = r["Deal - Status"]
        stage = status if status in ("won", "lost") else stages[r["Deal - Stage"]]
        counts[stage] += 1
        if r["Deal - Value"]:
            amount = float(r["Deal - Value"].replace(".", "").replace(",", "."))
            totals[stage][r["Deal - Currency of value"]][0] += 1
            totals[stage][r["Deal - Currency of value"]][1] += amount
    return {s: dict(c) for s, c in totals.items()}, counts


def salesforce_expected():
    stages = {"Prospecting": "prospecting", "Qualification": "qualification", "Needs Analysis": "qualification",
              "Value Proposition": "proposal", "Id. Decision Makers": "proposal", "Perception Analysis": "proposal",
              "Proposal/Price Quote": "proposal", "Negotiation/Review": "negotiation", "Closed Won": "won",
              "Closed Lost": "lost"}
    lines = SALESFORCE.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO("".join(lines[3:]))))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0]) and not r[0].startswith("Grand")]
    grand = next(r for r in rows if r and r[0].startswith("Grand Totals"))
    totals, counts = defaultdict(lambda: [0, 0.0]), defaultdict(int)
    for r in map(lambda r: dict(zip(header, r)), body):
        stage = stages[r["Stage"]]
        counts[stage] += 1
        if r["Amount"]:
            totals[stage][0] += 1
            totals[stage][1] += float(r["Amount"].replace("USD", "").replace("$", "").replace(",", ""))
    grand_total = float(grand[5].replace("$", "").replace(",", ""))
    return {s: {"USD": t} for s, t in totals.items()}, counts, grand_total


def pipeline_totals(vault) -> dict:
    report = vault.json("pipeline")
    return {s["stage"]: {cur: [m["count"], m["amount"]] for cur, m in s["by_currency"].items()}
            for s in report["stages"] if s["by_currency"]}, {s["stage"]: s["count"] for s in report["stages"]}


def assert_totals(vault, expected: dict, expected_counts: dict) -> None:
    """Per stage: the number of deals, and per currency the deals with an amount and their sum."""
    got, counts = pipeline_totals(vault)
    assert {s: n for s, n in counts.items() if n} == dict(expected_counts)
    assert set(got) == set(expected)
    for stage, currencies in expected.items():
        assert set(got[stage]) == set(currencies), stage
        for cur, (count, amount) in currencies.items():
            assert got[stage][cur][0] == count, (stage, cur)
            assert got[stage][cur][1] == pytest.approx(amount), (stage, cur)


# ------------------------------------------------------------------ the three deal exports

def test_hubspot_deals_import_into_a_clean_vault_with_the_csv_totals(fresh):
    result = fresh.run("import", "csv", str(HUBSPOT), ok=True)
    assert "preset hubspot-deals (recognised from the header)" in result.output
    assert "UTF-8 with BOM" in result.output
    assert "hubspot-deals.csv:14: repeats line 10 exactly: imported once" in result.output
    assert "created 8 accounts, 9 contacts, 30 opportunities" in result.output
    fresh.run("check", ok=True)
    expected, counts = hubspot_expected()
    assert sum(counts.values()) == 30
    assert_totals(fresh, expected, counts)
    harbor = fresh.read("opportunities/harbor-electric-forklifts.md")
    assert 'account: "[[harbor-logistics]]"' in harbor
    assert 'contacts: ["[[chen-yu]]", "[[rosa-diaz]]"]' in harbor
    assert "source_id: hubspot:18734505130" in harbor and "close_date: 2026-11-22" in harbor
    assert "amount: 96000\ncurrency: USD" in harbor
    # each account named on several rows is created once; contacts keep their email and account
    assert len(list((fresh.root / "accounts").glob("*.md"))) == 8
    assert "email: chen.yu@harborlog.example" in fresh.read("contacts/chen-yu.md")
    assert "Nov 25" not in fresh.read("opportunities/cascade-pallet-jacks.md")
    assert "close_date: 2026-12-15" in fresh.read("opportunities/cascade-pallet-jacks.md")
    assert "amount: 52750.5" in fresh.read("opportunities/cascade-pallet-jacks.md")


def test_pipedrive_excel_export_with_status_and_currencies(fresh):
    result = fresh.run("import", "csv", str(PIPEDRIVE), ok=True)
    assert "Windows-1252" in result.output and "';' between cells" in result.output
    assert "pipedrive-deals.csv:19: deleted in the source: not imported" in result.output
    assert "pipedrive-deals.csv:22: repeats line 7 exactly" in result.output
    fresh.run("check", ok=True)
    expected, counts = pipedrive_expected()
    assert sum(counts.values()) == 31
    assert_totals(fresh, expected, counts)
    won = fresh.read("opportunities/costa-elektrostapler-q1.md")  # stage Proposal Made, status won
    assert "stage: won" in won and "close_date: 2026-11-11" in won  # the Won time, not the expected date
    assert "name: Costa – Elektrostapler Q1" in won and "currency: EUR" in won
    lost = fresh.read("opportunities/northwind-flottenmanagement.md")
    assert "stage: lost" in lost and "lost_reason: 'Konkurrenz: gebrauchte Flotte'" in lost.replace('"', "'")
    assert (fresh.root / "accounts/osterby-havn-a-s.md").exists()  # Ø is not dropped from the id
    assert "name: Müller Logistik GmbH" in fresh.read("accounts/muller-logistik-gmbh.md")


def test_salesforce_report_with_title_and_footer_rows(fresh):
    refused = fresh.run("import", "csv", str(SALESFORCE), ok=False)
    assert "salesforce-opportunities.csv:16: error[import-requires]: stage 'lost' requires lost_reason" \
        in refused.stderr  # line 16 counts the title rows and the two-line cells above it
    assert "salesforce-opportunities.csv:28: error[import-requires]" in refused.stderr
    assert "--default lost_reason=TEXT" in refused.stderr
    result = fresh.run("import", "csv", str(SALESFORCE), *SF_DEFAULT, ok=True)
    for line, what in ((1, "title row"), (2, "title row"), (40, "footer row (Grand Totals"),
                       (43, "footer row (Confidential"), (44, "footer row (Copyright")):
        assert f"salesforce-opportunities.csv:{line}: {what}" in result.output
    fresh.run("check", ok=True)
    expected, counts, grand_total = salesforce_expected()
    assert sum(counts.values()) == 28
    assert_totals(fresh, expected, counts)
    got, _ = pipeline_totals(fresh)
    assert sum(c["USD"][1] for c in got.values()) == pytest.approx(grand_total)
    deal = fresh.read("opportunities/summit-reach-truck-upgrade.md")
    assert "probability: 20" in deal and "close_date: 2026-11-03" in deal  # 11/3/2026: month first


@pytest.mark.parametrize("path,extra", [(HUBSPOT, ()), (PIPEDRIVE, ()), (SALESFORCE, SF_DEFAULT)])
def test_importing_the_same_file_twice_changes_nothing(fresh, path, extra):
    fresh.run("import", "csv", str(path), *extra, ok=True)
    before = fresh.snapshot()
    again = fresh.run("import", "csv", str(path), *extra, ok=True)
    assert "every record is already as the file has it; nothing to write" in again.output
    assert fresh.snapshot() == before


def test_reimport_updates_changed_rows_in_place(fresh, tmp_path):
    fresh.run("import", "csv", str(HUBSPOT), ok=True)
    fresh.commit("first import")
    before = fresh.snapshot()
    text = HUBSPOT.read_text(encoding="utf-8-sig")
    text = text.replace("Harbor electric forklifts,Appointment Scheduled,11/22/2026,Dev Patel,\"$96,000\"",
                        "Harbor electric forklifts,Contract Sent,11/22/2026,Dev Patel,\"$99,500\"")
    changed = tmp_path / "hubspot-later.csv"
    changed.write_text(text, encoding="utf-8")
    result = fresh.run("import", "csv", str(changed), ok=True)
    assert "opportunities/harbor-electric-forklifts.md (line 9): stage: qualification -> negotiation; " \
           "amount: 96000 -> 99500" in result.output
    assert "updated 1 opportunity; 29 unchanged" in result.output
    after = fresh.snapshot()
    assert {k for k in after if after[k] != before.get(k)} == {"opportunities/harbor-electric-forklifts.md"}
    diff = git(fresh.root, "diff", "--unified=0")
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert removed == ["-stage: qualification", "-amount: 96000"]
    assert "+stage: negotiation" in diff and "+amount: 99500" in diff


def test_dry_run_reports_counts_and_writes_nothing(fresh):
    before = fresh.snapshot()
    result = fresh.run("import", "csv", str(HUBSPOT), "--dry-run", ok=True)
    assert "opportunities/bolt-reach-trucks.md (line 3)" in result.output
    assert "accounts/bolt-builders.md (named on line 3)" in result.output
    assert result.output.count("would create ") == 30 + 8 + 9 + 1  # and the summary
    assert result.output.rstrip().endswith("would create 8 accounts, 9 contacts, 30 opportunities")
    assert fresh.snapshot() == before


def test_commit_makes_one_commit(fresh):
    fresh.commit("empty vault")
    result = fresh.run("import", "csv", str(PIPEDRIVE), "--commit", ok=True)
    assert "committed " in result.output
    log = git(fresh.root, "log", "--format=%s")
    assert log.splitlines()[0].startswith("import pipedrive-deals.csv (pipedrive): created")
    assert git(fresh.root, "status", "--porcelain") == ""


# ------------------------------------------------------------------ bad rows: all or nothing

def test_bad_rows_abort_the_whole_import_each_reported_at_its_line(fresh, tmp_path):
    lines = HUBSPOT.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[3] = lines[3].replace('"Dec 15, 2026"', "31/31/2026")  # line 4
    lines[5] = lines[5].replace("$4,800.00", "4,8OO")  # line 6
    lines[10] = lines[10].replace("Presentation Scheduled", "Site Visit")  # line 11
    lines[21] = lines[21].replace("Delta fleet telematics", "")  # line 22
    lines[27] = lines[27].replace("No budget this year: revisit Q3", "")  # line 28: lost without a reason
    bad = tmp_path / "deals.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    before = fresh.snapshot()
    result = fresh.run("import", "csv", str(bad))
    assert result.exit_code == 1
    err = result.stderr
    assert f"{bad}:4: error[import-date]: column 'Close Date': '31/31/2026' is not a real date" in err
    assert f"{bad}:6: error[import-amount]: column 'Amount': '4,8OO' is not an amount" in err
    assert f"{bad}:11: error[import-stage]: stage 'Site Visit' is not in the stage map; " \
           f"add the line  \"Site Visit\": STAGE  to a stage map file (--stage-map FILE)" in err
    assert f"{bad}:22: error[import-missing]: the opportunity has no name" in err
    assert f"{bad}:28: error[import-requires]: stage 'lost' requires lost_reason" in err
    assert "5 bad rows" in err and "nothing was imported" in err
    assert fresh.snapshot() == before


def test_a_stage_map_file_maps_unknown_stages(fresh, tmp_path):
    text = HUBSPOT.read_text(encoding="utf-8-sig").replace("Presentation Scheduled", "Site Visit")
    deals = tmp_path / "deals.csv"
    deals.write_text(text, encoding="utf-8")
    stage_map = tmp_path / "stages.yaml"
    stage_map.write_text('"Site Visit": proposal\n"Closed Won": won\n', encoding="utf-8")
    fresh.run("import", "csv", str(deals), "--stage-map", str(stage_map), ok=True)
    assert "stage: proposal" in fresh.read("opportunities/bolt-pallet-jacks.md")
    stage_map.write_text('"Site Visit": proposal\n"Closed Won": wonn\n', encoding="utf-8")
    wrong = fresh.run("import", "csv", str(deals), "--stage-map", str(stage_map))
    assert wrong.exit_code == 1 and f"{stage_map}:2: error[import-mapping]: 'wonn' is not a stage" in wrong.stderr


def test_renamed_vault_stages_are_not_guessed(tmp_path):
    from salesmd.config import default_config_text

    config = default_config_text().replace("name: won", "name: closed-won")
    vault = make_vault(tmp_path / "crm", base=False, config=config)
    result = vault.run("import", "csv", str(HUBSPOT))
    assert result.exit_code == 1
    assert "hubspot-deals.csv:7: error[import-stage]: the hubspot-deals preset sends stage 'closedwon' to 'won', " \
           "which is not in the opportunity pipeline" in result.stderr


def test_unrecognised_header_and_unreadable_files(fresh, tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("Foo,Bar\n1,2\n", encoding="utf-8")
    result = fresh.run("import", "csv", str(other))
    assert result.exit_code == 1 and f"{other}:1: error[import-header]: no row in the first" in result.stderr
    assert "pass --preset, or --mapping" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert f"{empty}:1: error[import-empty]" in fresh.run("import", "csv", str(empty)).stderr
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"Deal - Title;Deal - Stage\n\x81\x8d;x\n")
    assert "error[import-encoding]" in fresh.run("import", "csv", str(garbage)).stderr
    wrong_type = fresh.run("import", "csv", str(HUBSPOT), "--type", "lead")
    assert wrong_type.exit_code == 2 and "imports opportunity, not lead" in wrong_type.stderr


# ------------------------------------------------------------------ your own columns

WEBFORM = """\
Submitted;Full name;Company;E-mail;Phone;Interest;Status
25.11.2026;Ana Ruiz;Bolt Builders;ana@bolt.example;+1 206 555 0123;reach trucks;Neu
26.11.2026;Tom Becker;Cascade Cold Storage;tom@cascade.example;0171 5550101;pallet jacks;
"""
MAPPING = """\
# web form -> lead
Full name: name
Company: company
"E-mail": email
Phone: phone
Interest: product_interest
Submitted: created
Status: stage
"""


def test_a_mapping_file_imports_leads_and_matches_on_email_without_ids(fresh, tmp_path):
    form, mapping, stages = tmp_path / "form.csv", tmp_path / "webform.yaml", tmp_path / "lead-stages.yaml"
    form.write_text(WEBFORM, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    stages.write_text("Neu: new\n", encoding="utf-8")
    fresh.run("import", "csv", str(form), "--mapping", str(mapping), "--type", "lead", "--stage-map", str(stages),
              ok=True)
    ana = fresh.read("leads/ana-ruiz.md")
    assert "stage: new" in ana and "created: 2026-11-25" in ana and "product_interest: reach trucks" in ana
    assert 'phone: "0171 5550101"' in fresh.read("leads/tom-becker.md") or \
        "phone: 0171 5550101" in fresh.read("leads/tom-becker.md")
    fresh.run("check", ok=True)
    before = fresh.snapshot()
    fresh.run("import", "csv", str(form), "--mapping", str(mapping), "--type", "lead", "--stage-map", str(stages),
              ok=True)
    assert fresh.snapshot() == before
    no_type = fresh.run("import", "csv", str(form), "--mapping", str(mapping))
    assert no_type.exit_code == 2 and "--type is needed" in no_type.stderr


def test_mapping_file_errors_point_at_their_line(fresh, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Full name: name\nCompany: type\n", encoding="utf-8")
    result = fresh.run("import", "csv", str(HUBSPOT), "--mapping", str(mapping), "--type", "lead")
    assert result.exit_code == 1 and f"{mapping}:2: error[import-mapping]: 'type' cannot be a key" in result.stderr
    mapping.write_text("Deal Name: subject\n", encoding="utf-8")
    missing = fresh.run("import", "csv", str(HUBSPOT), "--mapping", str(mapping), "--type", "task")
    assert f"{HUBSPOT}:1: error[import-mapping]: no column gives the task's 'due'" in missing.stderr
    mapping.write_text("Name of the deal: subject\n", encoding="utf-8")
    nowhere = fresh.run("import", "csv", str(HUBSPOT), "--mapping", str(mapping), "--type", "task")
    assert "error[import-header]: no row in the first" in nowhere.stderr and "Name of the deal" in nowhere.stderr


def test_tasks_link_related_records_by_name_or_id(vault, tmp_path):
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("Subject,Due,About,Status\n"
                     "Call about the trade-in,12/3/2026 2:30 PM,Acme fleet renewal,Not Started\n"
                     "Send brochure,2026-12-04,bolt-builders,Completed\n"
                     "Visit the yard,2026-12-05,Nobody Inc,\n", encoding="utf-8")
    mapping = tmp_path / "tasks.yaml"
    mapping.write_text("Subject: subject\nDue: due\nAbout: related\nStatus: status\n", encoding="utf-8")
    result = vault.run("import", "csv", str(tasks), "--mapping", str(mapping), "--type", "task")
    assert result.exit_code == 1
    assert f"{tasks}:2: error[import-date]: column 'Due': '12/3/2026 2:30 PM' could be day/month or " \
           "month/day; say which with --date-format dmy or mdy" in result.stderr
    assert f"{tasks}:4: error[import-link]: 'Nobody Inc' (related) is not the id or name" in result.stderr
    tasks.write_text(tasks.read_text().replace("Nobody Inc", "Jane Doe"), encoding="utf-8")
    vault.run("import", "csv", str(tasks), "--mapping", str(mapping), "--type", "task", "--date-format", "mdy",
              ok=True)
    first = vault.read("tasks/call-about-the-trade-in.md")
    assert "due: 2026-12-03T14:30" in first and 'related: ["[[acme-fleet-renewal]]"]' in first
    assert "status: open" in first
    assert "status: done" in vault.read("tasks/send-brochure.md")
    vault.run("check", ok=True)
    before = vault.snapshot()  # no id column: the same subject and due date is the same task
    vault.run("import", "csv", str(tasks), "--mapping", str(mapping), "--type", "task", "--date-format", "mdy",
              ok=True)
    assert vault.snapshot() == before


def test_activities_get_a_known_kind_and_a_status_from_their_date(vault, tmp_path):
    log = tmp_path / "calls.csv"
    log.write_text("When;What;Type;With\n"
                   "2026-11-20 09:00;Intro call;Call;Acme Corp\n"
                   "2099-01-05 10:00;Site visit;In-Person;acme-fleet-renewal\n"
                   "2026-11-21 11:00;Fax;Fax;Acme Corp\n", encoding="utf-8")
    mapping = tmp_path / "calls.yaml"
    mapping.write_text("When: start\nWhat: subject\nType: kind\nWith: related\n", encoding="utf-8")
    bad = vault.run("import", "csv", str(log), "--mapping", str(mapping), "--type", "activity")
    assert f"{log}:4: error[import-value]: activity kind 'Fax' is not one of call, email" in bad.stderr
    log.write_text(log.read_text().replace(";Fax;Acme", ";Other;Acme"), encoding="utf-8")
    vault.run("import", "csv", str(log), "--mapping", str(mapping), "--type", "activity", ok=True)
    intro = vault.read("activities/intro-call.md")
    assert "kind: call" in intro and "status: done" in intro and "start: 2026-11-20T09:00" in intro
    assert "status: planned" in vault.read("activities/site-visit.md")
    vault.run("check", ok=True)


# ------------------------------------------------------------------ cells

@pytest.mark.parametrize("text,order,want", [
    ("2026-11-25", None, dt.date(2026, 11, 25)),
    ("11/25/2026", None, dt.date(2026, 11, 25)),
    ("25.11.2026", None, dt.date(2026, 11, 25)),
    ("25/11/2026", None, dt.date(2026, 11, 25)),
    ("05/06/2026", "dmy", dt.date(2026, 6, 5)),
    ("05/06/2026", "mdy", dt.date(2026, 5, 6)),
    ("Nov 25, 2026", None, dt.date(2026, 11, 25)),
    ("November 25, 2026", None, dt.date(2026, 11, 25)),
    ("25 Nov 2026", None, dt.date(2026, 11, 25)),
    ("25-Nov-2026", None, dt.date(2026, 11, 25)),
    ("11/25/26", None, dt.date(2026, 11, 25)),
    ("2026-11-25 14:30:05", None, dt.date(2026, 11, 25)),
])
def test_dates_in_common_formats(text, order, want):
    assert parse_date(text, order, with_time=False) == want


def test_datetimes_and_date_errors():
    assert parse_date("11/25/2026 2:30 PM", None, with_time=True) == dt.datetime(2026, 11, 25, 14, 30)
    assert parse_date("2026-11-25T09:15", None, with_time=True) == dt.datetime(2026, 11, 25, 9, 15)
    assert parse_date("2026-11-25", None, with_time=True) == dt.date(2026, 11, 25)
    for bad, why in (("05/06/2026", "--date-format dmy or mdy"), ("2026-02-30", "not a real date"),
                     ("next Tuesday", "not a date"), ("Smarch 3, 2026", "not an English month")):
        with pytest.raises(CellError, match=why):
            parse_date(bad, None, with_time=False)


@pytest.mark.parametrize("text,decimal,want", [
    ("48000", ".", (48000, None)),
    ("$48,000.00", ".", (48000, "USD")),
    ("48.000,00 €", ".", (48000, "EUR")),
    ("EUR 1,200", ".", (1200, "EUR")),
    ("1.200", ",", (1200, None)),
    ("1,200", ",", (1.2, None)),
    ("1 200,50", ".", (1200.5, None)),
    ("52750,5", ".", (52750.5, None)),
    ("USD 210,000.00", ".", (210000, "USD")),
    ("(1,250.00)", ".", (-1250, None)),
    ("£9,950.75", ".", (9950.75, "GBP")),
    ("CHF 1'200.50", ".", (1200.5, "CHF")),
])
def test_amounts_with_symbols_and_separators(text, decimal, want):
    assert parse_amount(text, decimal, "USD") == want


def test_dollar_sign_is_the_vaults_dollar_and_bad_amounts_are_errors():
    assert parse_amount("$1,200", ".", "CAD") == (1200, "CAD")
    assert parse_amount("$1,200", ".", "EUR") == (1200, "USD")
    for bad in ("12,34,5", "about 5000", "1.200,000.5", ""):
        with pytest.raises(CellError):
            parse_amount(bad, ".", "USD")


def test_dates_written_both_ways_in_one_file_are_refused(fresh, tmp_path):
    text = HUBSPOT.read_text(encoding="utf-8-sig").replace("11/22/2026", "22/11/2026", 1)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(text, encoding="utf-8")
    result = fresh.run("import", "csv", str(mixed))
    assert result.exit_code == 1 and "error[import-date]: the file writes dates both ways" in result.stderr
    assert fresh.run("import", "csv", str(mixed), "--date-format", "mdy").exit_code == 0


# ------------------------------------------------------------------ vCard

def test_vcard_import_creates_contacts_and_accounts_and_skips_the_broken_line(fresh):
    result = fresh.run("import", "vcard", str(DATA / "contacts.vcf"), ok=True)
    assert "14 cards" in result.output
    assert (f"{DATA / 'contacts.vcf'}:57: warning[import-vcard]: card 6 (Broken Card): the EMAIL line cannot be "
            "read (a quoted parameter value is never closed); that line is skipped") in result.stderr
    assert "card 12 repeats the card on line 97: imported once" in result.output
    names = sorted(p.stem for p in (fresh.root / "contacts").glob("*.md"))
    assert names == ["ana-ruiz", "broken-card", "chen-yu", "ingrid-dahl", "jane-doe", "jurgen-muller", "li-wei",
                     "marcus-hill", "nancy-davolio", "priya-nair", "rosa-diaz", "sam-o-neill", "tom-becker"]
    assert "email" not in fresh.read("contacts/broken-card.md")
    jane = fresh.read("contacts/jane-doe.md")
    assert 'account: "[[acme-corp]]"' in jane and "role: Fleet manager" in jane
    assert "phone: +1 503 555 0142" in jane  # the preferred TEL first, the cell after it
    assert "phones: [+1 503 555 0199]" in jane
    assert "source_id: vcard:7C0B1F2E-5B6D-4A8E-9F11-2D3C4B5A6E7F" in jane
    assert "phone: +1-503-555-0177" in fresh.read("contacts/li-wei.md")  # vCard 4.0 tel: URI
    assert "name: Jürgen Müller" in fresh.read("contacts/jurgen-muller.md")  # vCard 2.1 quoted-printable
    priya = fresh.read("contacts/priya-nair.md")
    assert "email: priya.nair@deltafreight.example" in priya and "priya.n@mail.example" in priya
    assert 'account: "[[acme-corp]]"' in fresh.read("contacts/li-wei.md")
    assert fresh.read("contacts/ana-ruiz.md").endswith("---\nMet at ProMat 2026, booth 4412. Wants a demo of "
                                                       "the reach trucks.\n")  # NOTE: the body, \, unescaped
    assert "long note folded over two lines by the exporting program." in fresh.read("contacts/marcus-hill.md")
    assert len(list((fresh.root / "accounts").glob("*.md"))) == 11
    fresh.run("check", ok=True)
    before = fresh.snapshot()
    fresh.run("import", "vcard", str(DATA / "contacts.vcf"), ok=True)
    assert fresh.snapshot() == before


def test_vcard_updates_the_contact_with_the_same_email(vault, tmp_path):
    card = tmp_path / "jane.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jane Doe\r\nEMAIL:JANE@acme.example\r\n"
                    "TITLE:Head of fleet\r\nORG:Acme Corp\r\nEND:VCARD\r\n", encoding="utf-8")
    result = vault.run("import", "vcard", str(card), ok=True)
    assert "contacts/jane-doe.md (line 1): role: (none) -> Head of fleet\n" in result.output  # email case kept
    assert not (vault.root / "contacts/jane-doe-contact.md").exists()
    assert 'phone: "+1 503 555 0142"' in vault.read("contacts/jane-doe.md")  # untouched


def test_a_file_without_readable_cards_is_an_error(fresh, tmp_path):
    nothing = tmp_path / "x.vcf"
    nothing.write_text("hello\n", encoding="utf-8")
    result = fresh.run("import", "vcard", str(nothing))
    assert result.exit_code == 1 and f"{nothing}:1: error[import-vcard]: no BEGIN:VCARD" in result.stderr
    nothing.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Cut off\n", encoding="utf-8")
    result = fresh.run("import", "vcard", str(nothing))
    assert result.exit_code == 1 and f"{nothing}:1: warning[import-vcard]: card 1 has no END:VCARD" in result.stderr
    assert "nothing was imported" in result.stderr


HUBSPOT_CONTACTS = """\
"Record ID","First Name","Last Name","Email","Phone Number","Job Title","Company Name","Lead Status","Contact owner","Create Date"
"501","Ana","Ruiz","ana@boltbuilders.example","+1 206 555 0123","Operations director","Bolt Builders","Attempted to Contact","Dev Patel","2026-09-02 10:15"
"502","Tom","Becker","tbecker@cascadecold.example","","","Cascade Cold Storage","NEW","Kim Nguyen","2026-09-03 08:00"
"503","Jane","Doe","jane@acme.example","","Head of fleet","Acme Corp","","Maria Lopez","2026-09-04 12:00"
"""


def test_hubspot_contacts_as_contacts_or_as_leads(vault, tmp_path):
    export = tmp_path / "contacts.csv"
    export.write_text(HUBSPOT_CONTACTS, encoding="utf-8")
    result = vault.run("import", "csv", str(export), ok=True)
    assert "preset hubspot-contacts" in result.output and "columns not imported: Lead Status" in result.output
    ana = vault.read("contacts/ana-ruiz.md")
    # the lead bolt-builders holds the plain id, so the new account takes the next one
    assert 'account: "[[bolt-builders-account]]"' in ana and "source_id: hubspot:501" in ana
    jane = vault.read("contacts/jane-doe.md")  # already there: found by email, updated in place
    assert "role: Head of fleet" in jane and 'account: "[[acme-corp]]"' in jane and "source_id: hubspot:503" in jane
    assert not (vault.root / "accounts/acme-corp-account.md").exists()
    vault.run("check", ok=True)
    as_leads = make_vault(tmp_path / "leads", base=False)
    as_leads.run("import", "csv", str(export), "--type", "lead", ok=True)
    assert "stage: contacted" in as_leads.read("leads/ana-ruiz.md")
    assert "company: Bolt Builders" in as_leads.read("leads/ana-ruiz.md")
    assert "person: Ana Ruiz" in as_leads.read("leads/ana-ruiz.md")
    assert "stage: new" in as_leads.read("leads/jane-doe.md")  # no Lead Status: the first stage
    as_leads.run("check", ok=True)


def test_what_check_would_refuse_is_reported_at_the_row(fresh, tmp_path):
    text = HUBSPOT.read_text(encoding="utf-8-sig").replace('"$4,800.00"', '"($4,800.00)"')
    negative = tmp_path / "negative.csv"
    negative.write_text(text, encoding="utf-8")
    before = fresh.snapshot()
    result = fresh.run("import", "csv", str(negative))
    assert result.exit_code == 1
    assert f"{negative}:6: error[import-check]: the record would not check clean: " in result.stderr
    assert "evergreen-battery-swap.md:" in result.stderr and "'amount' must be zero or more" in result.stderr
    assert fresh.snapshot() == before


def test_an_account_name_with_a_semicolon_stays_one_account(fresh, tmp_path):
    report = tmp_path / "report.csv"
    report.write_text(
        '"Opportunity Owner","Account Name","Opportunity Name","Stage","Amount","Close Date","Contact Name",'
        '"Opportunity ID"\n'
        '"Maria Lopez","Smith; Jones Holdings, LLC","Smith; Jones - Reach Trucks","Prospecting","$12,000.00",'
        '"12/15/2026","""Doe; Partners"" (ann@doe.example); Li Wei","0065g00000Z09QzAAJ"\n', encoding="utf-8")
    fresh.run("import", "csv", str(report), ok=True)
    accounts = fresh.json("list", "account")
    assert [a["name"] for a in accounts] == ["Smith; Jones Holdings, LLC"]
    deal = fresh.json("list", "opportunity")[0]
    assert deal["account"] == f"[[{accounts[0]['id']}]]"
    contacts = {c["name"]: c.get("email") for c in fresh.json("list", "contact")}
    assert contacts == {"Doe; Partners": "ann@doe.example", "Li Wei": None}
    fresh.run("check", ok=True)


def test_only_a_file_shaped_like_salesmds_export_is_read_as_one(fresh, tmp_path):
    other = tmp_path / "people.csv"
    other.write_text("Name,id,Email\nAna Ruiz,1,ana@bolt.example\n", encoding="utf-8")
    result = fresh.run("import", "csv", str(other))
    assert result.exit_code != 0 and "error[import-header]" in result.stderr
    ours = tmp_path / "ours.csv"
    ours.write_text("id,name,email\nana-ruiz,Ana Ruiz,ana@bolt.example\n", encoding="utf-8")
    assert "preset salesmd" in fresh.run("import", "csv", str(ours), ok=True).output
    assert fresh.json("list", "contact")[0]["id"] == "ana-ruiz"
