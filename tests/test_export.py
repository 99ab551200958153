"""export: the same filters as list; CSV safe to open in a spreadsheet; JSON; vCard for contacts."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import make_vault

RISKY = {
    "opportunities/formula-deal.md": """\
        ---
        type: opportunity
        name: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"
        stage: prospecting
        amount: -1500
        owner: "@maria"
        territory: "+west"
        product: "-2+3"
        next_step: "=1+1"
        ---
        """,
}


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_the_id_and_every_key_used_with_links_as_ids(vault):
    result = vault.run("export", "opportunity", ok=True)
    header = result.output.splitlines()[0].split(",")
    assert header == ["id", "name", "stage", "account", "contacts", "amount", "close_date", "lead", "owner",
                      "territory"]
    (row,) = rows(result.output)
    assert row["account"] == "acme-corp" and row["contacts"] == "jane-doe" and row["lead"] == "jane-doe-inquiry"
    assert row["amount"] == "48000" and row["close_date"] == "2026-12-15"


def test_custom_keys_get_columns_after_the_known_ones(vault):
    vault.write("opportunities/formula-deal.md", RISKY["opportunities/formula-deal.md"])
    header = vault.run("export", "opportunity", ok=True).output.splitlines()[0].split(",")
    assert header[-1] == "next_step" and header.index("product") < header.index("owner")


def test_formula_cells_are_neutralised(vault):
    vault.write("opportunities/formula-deal.md", RISKY["opportunities/formula-deal.md"])
    row = next(r for r in rows(vault.run("export", "opportunity", ok=True).output) if r["id"] == "formula-deal")
    assert row["name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row["owner"] == "'@maria" and row["territory"] == "'+west" and row["product"] == "'-2+3"
    assert row["next_step"] == "'=1+1"
    assert row["amount"] == "-1500"  # a plain negative number is data
    raw = json.loads(vault.run("export", "opportunity", "--format", "json", ok=True).output)
    assert next(r for r in raw if r["id"] == "formula-deal")["fields"]["owner"] == "@maria"  # JSON is exact


def test_filters_are_the_ones_list_takes(vault):
    vault.write("opportunities/formula-deal.md", RISKY["opportunities/formula-deal.md"])
    assert [r["id"] for r in rows(vault.run("export", "opportunity", "--stage", "proposal").output)] == \
        ["acme-fleet-renewal"]
    assert [r["id"] for r in rows(vault.run("export", "opportunity", "--owner", "@maria").output)] == ["formula-deal"]
    assert [r["id"] for r in rows(vault.run("export", "lead", "--territory", "east").output)] == ["bolt-builders"]
    assert [r["id"] for r in rows(vault.run("export", "task", "--where", "status=open").output)] == ["chase-quote"]
    assert [r["id"] for r in rows(vault.run("export", "task", "--sort", "-due").output)] == \
        ["chase-quote", "send-quote"]
    bad = vault.run("export", "task", "--where", "nonsense")
    assert bad.exit_code == 2 and "key=value" in bad.stderr
    empty = vault.run("export", "opportunity", "--owner", "nobody", ok=True)
    assert empty.output == "id\n"


def test_json_keeps_values_and_the_body(vault):
    (deal,) = json.loads(vault.run("export", "opportunity", "--format", "json", ok=True).output)
    assert deal["id"] == "acme-fleet-renewal" and deal["path"] == "opportunities/acme-fleet-renewal.md"
    assert deal["fields"]["amount"] == 48000 and deal["fields"]["account"] == "[[acme-corp]]"
    assert deal["fields"]["close_date"] == "2026-12-15"
    assert deal["body"].startswith("Twelve electric forklifts")


def test_vcard_export_of_contacts_with_the_accounts_name(vault, tmp_path):
    vault.run("export", "contact", "--format", "vcard", "-o", str(tmp_path / "c.vcf"), ok=True)
    text = (tmp_path / "c.vcf").read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")  # RFC 2426 line ends
    for line in ("FN:Jane Doe", "N:Doe;Jane;;;", "ORG:Acme Corp", "EMAIL;TYPE=INTERNET:jane@acme.example",
                 "TEL:+1 503 555 0142", "UID:salesmd:jane-doe"):
        assert line + "\r\n" in text
    refused = vault.run("export", "opportunity", "--format", "vcard")
    assert refused.exit_code == 2 and "contacts only" in refused.stderr


def test_vcard_round_trip_into_another_vault(vault, tmp_path):
    out = tmp_path / "contacts.vcf"
    result = vault.run("export", "contact", "--format", "vcard", "--output", str(out), ok=True)
    assert "exported 1 contact to" in result.stderr
    other = make_vault(tmp_path / "other", base=False)
    other.run("import", "vcard", str(out), ok=True)
    jane = other.read("contacts/jane-doe.md")
    assert "email: jane@acme.example" in jane and 'account: "[[acme-corp]]"' in jane
    assert "source_id: vcard:salesmd:jane-doe" in jane
    assert "name: Acme Corp" in other.read("accounts/acme-corp.md")
    other.run("check", ok=True)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_output_file_and_every_type(vault, tmp_path, fmt):
    for type_ in ("lead", "contact", "account", "opportunity", "activity", "task", "note"):
        target = tmp_path / f"{type_}.{fmt}"
        vault.run("export", type_, "--format", fmt, "-o", str(target), ok=True)
        text = target.read_text(encoding="utf-8")
        count = len(rows(text)) if fmt == "csv" else len(json.loads(text))
        assert count == len(vault.json("list", type_)), type_


ROUND_TRIP = {
    "opportunities/formula-deal.md": RISKY["opportunities/formula-deal.md"].replace("-1500", "1500"),
    "accounts/harbor-freight.md": """\
        ---
        type: account
        name: "Harbor Freight; Logistics"
        industry: Logistics
        phone: "0049 40 555 0100"
        billing_street: "1200 Harbor Way\\nBuilding 4, Dock 2"
        fleet_size: 40
        tags: [ports, "cold; chain"]
        key_account: true
        source_id: "salesforce:0015g00000Q1"
        ---
        """,
    "activities/site-visit.md": """\
        ---
        type: activity
        subject: Site visit
        kind: meeting
        status: done
        start: 2026-11-18T09:30
        end: 2026-11-18T11:00:30
        related: ["[[acme-fleet-renewal]]", "[[harbor-freight]]"]
        outcome: |
          Walked the dock.
          Needs two reach trucks.
        ---
        """,
}


@pytest.mark.parametrize("type_", ["opportunity", "lead", "contact", "account", "activity", "task"])
def test_a_csv_export_imports_back_to_the_same_records(tmp_path, type_):
    from conftest import make_vault as build

    vault = build(tmp_path / "v", ROUND_TRIP)
    vault.run("check", ok=True)
    exported = tmp_path / f"{type_}.csv"
    vault.run("export", type_, "-o", str(exported), ok=True)
    if type_ == "account":
        assert "1200 Harbor Way\nBuilding 4, Dock 2" in exported.read_text(encoding="utf-8")
    before = vault.snapshot()
    dry = vault.run("import", "csv", str(exported), "--dry-run", ok=True)
    assert "nothing to write" in dry.output, dry.output
    vault.run("import", "csv", str(exported), ok=True)
    assert vault.snapshot() == before


def test_custom_text_that_looks_like_a_number_date_or_boolean_comes_back_as_text(tmp_path):
    a = make_vault(tmp_path / "a", base=False)
    b = make_vault(tmp_path / "b", base=False)
    a.write("accounts/acme.md", '---\ntype: account\nname: Acme\nspec_version: "1.10"\npo: "12345"\nflag: "true"\n'
                                'when: "2026-01-02"\nquoted: "\'12"\nformula: "=SUM(A1)"\nsize: 40\nratio: 0.5\n'
                                'active: true\nsince: 2026-01-02\n---\n')
    a.run("export", "account", "--format", "csv", "-o", str(tmp_path / "a.csv"), ok=True)
    b.run("import", "csv", str(tmp_path / "a.csv"), ok=True)
    fields = b.json("show", "acme")["fields"]
    assert {k: fields[k] for k in ("spec_version", "po", "flag", "when", "quoted", "formula")} == {
        "spec_version": "1.10", "po": "12345", "flag": "true", "when": "2026-01-02", "quoted": "'12",
        "formula": "=SUM(A1)"}
    assert (fields["size"], fields["ratio"], fields["active"], fields["since"]) == (40, 0.5, True, "2026-01-02")
    written = b.read("accounts/acme.md")
    assert 'spec_version: "1.10"' in written and 'when: "2026-01-02"' in written and "since: 2026-01-02\n" in written
