"""Record types and keys a vault declares itself (`types:` in salesmd.yaml): a `partner` type with
its folder, keys, required keys and pipeline, and extra keys on the built-in `opportunity`, checked,
written, listed, shown, exported, searched, indexed and put on the site like the built-in ones."""

from __future__ import annotations

import os
import re

import pytest

from conftest import git, make_vault
from test_site import CHROMIUM, browser, visit  # noqa: F401 (the browser fixtures)
from salesmd.config import default_config_text, load_config

TYPES = """
types:
  partner:
    folder: partners
    required: [name, tier]
    keys:
      name: text
      tier: one of gold, silver, registered
      region: text
      account: link account
      since: date
      deals: number
    pipeline:
      stages: [applied, onboarding, active]
      terminal: [ended]
  opportunity:
    keys:
      partner: link partner
      po_number: text
"""
PARTNER = "partners/bolt-resellers.md"
PARTNER_TEXT = """\
    ---
    type: partner
    name: Bolt Resellers
    stage: onboarding
    tier: gold
    region: Pacific Northwest
    account: "[[acme-corp]]"
    since: 2026-03-01
    owner: maria
    ---
    Resells our forklifts in Oregon.
    """
DEAL = "opportunities/acme-fleet-renewal.md"


def config(extra: str = TYPES) -> str:
    return default_config_text() + extra


@pytest.fixture
def vault(tmp_path):
    v = make_vault(tmp_path / "v", {PARTNER: PARTNER_TEXT}, config=config())
    v.write(DEAL, v.read(DEAL).replace("owner: maria\n", 'owner: maria\npartner: "[[bolt-resellers]]"\n'
                                                        "po_number: PO-7731\n"))
    v.commit("initial")
    return v


def out(result, vault) -> str:
    return result.output.replace(os.path.relpath(vault.root) + "/", "").replace(str(vault.root) + "/", "")


def line_of(vault, text: str) -> int:
    """The last line of salesmd.yaml holding `text` (the default config's comments hold examples too)."""
    return max(n for n, line in enumerate(vault.read("salesmd.yaml").splitlines(), 1) if text in line)


# --- check ------------------------------------------------------------------------------------------

def test_a_vault_with_a_declared_type_checks_clean(vault):
    assert vault.run("check", ok=True).output.strip() == "10 records checked: 0 errors, 0 warnings"


def test_a_declared_types_required_keys_and_key_types_are_checked(vault):
    vault.write(PARTNER, PARTNER_TEXT.replace("    tier: gold\n", "").replace("since: 2026-03-01", "since: soon")
                .replace("region: Pacific Northwest", "region: 12").replace("owner: maria", "owner: maria\n    deals: 3k"))
    text = out(vault.run("check", ok=False), vault)
    assert f"{PARTNER}:2: error[key-missing]: required key 'tier' is missing (a partner needs stage, name, tier)" in text
    assert re.search(rf"^{PARTNER}:7: error\[value-type\]: 'since' ", text, re.M), text
    assert f"{PARTNER}:5: error[value-type]: 'region' must be text, not int" in text
    assert f"{PARTNER}:9: error[value-type]: 'deals' must be a plain number" in text


def test_a_one_of_value_off_the_list_is_an_error_with_did_you_mean(vault):
    vault.write(PARTNER, PARTNER_TEXT.replace("tier: gold", "tier: silvr"))
    text = out(vault.run("check", ok=False), vault)
    line = next(x for x in text.splitlines() if "value-unknown" in x)
    assert line.startswith(f"{PARTNER}:5: error[value-unknown]: tier 'silvr' is not a tier of a partner "
                           "(types: in salesmd.yaml)")
    assert "(did you mean 'silver'?)" in line and line.endswith("expected one of: gold, silver, registered")


def test_a_declared_pipeline_has_stage_rules(vault):
    vault.write(PARTNER, PARTNER_TEXT.replace("stage: onboarding", "stage: onbording"))
    text = out(vault.run("check", ok=False), vault)
    assert (f"{PARTNER}:4: error[stage-unknown]: stage 'onbording' is not in the partner pipeline "
            "(did you mean 'onboarding'?); expected one of: applied, onboarding, active, ended") in text


def test_a_declared_pipeline_has_the_git_history_rules(vault):
    vault.write(PARTNER, PARTNER_TEXT.replace("stage: onboarding", "stage: ended"))
    vault.commit("partner ended")
    vault.write(PARTNER, PARTNER_TEXT.replace("stage: onboarding", "stage: active"))
    vault.commit("partner back")
    text = out(vault.run("check", "--history", ok=False), vault)
    assert re.search(rf"^{PARTNER}:4: error\[terminal-left\]: was 'ended' in .*, became 'active'", text, re.M), text


def test_the_pipeline_report_takes_a_declared_pipeline(vault):
    text = vault.run("pipeline", "--pipeline", "partner", ok=True).output
    assert text.startswith("Partner pipeline on ") and "Open: 1 partner" in text
    assert "bolt-resellers" in text.split("Open partners", 1)[1]
    result = vault.run("pipeline", "--pipeline", "partnr", ok=False)
    assert result.exit_code == 2 and "'partnr' has no pipeline (did you mean 'partner'?)" in result.output
    assert "has no pipeline" in vault.run("pipeline", "--pipeline", "contact", ok=False).output


def test_rm_takes_a_declared_types_record_and_guards_its_links(vault):
    refused = vault.run("rm", "bolt-resellers", "--yes", ok=False)
    assert "rm-linked" in refused.output and (vault.root / PARTNER).is_file()
    vault.write(DEAL, vault.read(DEAL).replace('partner: "[[bolt-resellers]]"\n', ""))
    vault.run("rm", "bolt-resellers", "--yes", ok=True)
    assert not (vault.root / PARTNER).exists()


def test_a_deleted_declared_record_that_left_its_terminal_stage_is_still_found_in_history(vault):
    other = "partners/lift-brokers.md"
    vault.write(other, PARTNER_TEXT.replace("Bolt Resellers", "Lift Brokers").replace("stage: onboarding", "stage: ended"))
    vault.commit("a partner ended")
    vault.write(other, vault.read(other).replace("stage: ended", "stage: active"))
    vault.commit("back again", "--no-verify")
    (vault.root / other).unlink()
    vault.commit("deleted", "--no-verify")
    vault.run("check", ok=True)
    text = out(vault.run("check", "--history", ok=False), vault)
    assert re.search(rf"^{other}:1: error\[terminal-left\]: was 'ended' in ", text, re.M), text


def test_a_declared_stage_key_of_another_kind_than_text_is_a_located_config_error(tmp_path):
    v = make_vault(tmp_path / "v", config=config("""
types:
  partner:
    keys: {name: text, stage: number}
    pipeline:
      stages: [applied, active]
"""))
    text = out(v.run("check", ok=False), v)
    assert re.search(r"^salesmd\.yaml:\d+: error\[config-types\]: type 'partner': 'stage' is its pipeline's stage", text, re.M), text


def test_two_declared_folders_with_one_file_name_keep_both_list_pages(tmp_path):
    v = make_vault(tmp_path / "v", config=config("""
types:
  partner:
    folder: my partners
    keys: {name: text}
  reseller:
    folder: my-partners
    keys: {name: text}
"""))
    v.write("my partners/p.md", "---\ntype: partner\nname: P one\n---\n")
    v.write("my-partners/r.md", "---\ntype: reseller\nname: R one\n---\n")
    v.run("check", ok=True)
    site = tmp_path / "site"
    v.run("report", "--out", str(site), ok=True)
    assert "P one" in (site / "my-partners.html").read_text(encoding="utf-8")
    assert "R one" in (site / "my-partners-2.html").read_text(encoding="utf-8")
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="my-partners.html"' in nav and 'href="my-partners-2.html"' in nav


def test_declared_links_resolve_to_the_declared_type_with_did_you_mean(vault):
    vault.write(PARTNER, PARTNER_TEXT.replace("[[acme-corp]]", "[[acme-fleet-renewal]]"))
    deal = vault.read(DEAL)
    vault.write(DEAL, deal.replace("[[bolt-resellers]]", "[[bolt-reseller]]"))
    text = out(vault.run("check", ok=False), vault)
    assert (f"{PARTNER}:7: error[link-type]: 'account' must link to an account, but [[acme-fleet-renewal]] "
            f"is an opportunity ({DEAL})") in text
    assert re.search(rf"^{DEAL}:\d+: error\[link-broken\]: 'partner' links to \[\[bolt-reseller\]\], which is not "
                     r"a record in this vault \(did you mean 'bolt-resellers'\?\)", text, re.M), text
    vault.write(DEAL, deal.replace("[[bolt-resellers]]", "[[jane-doe]]"))
    assert "'partner' must link to a partner, but [[jane-doe]] is a contact" in vault.run("check", ok=False).output


def test_a_built_in_type_takes_declared_keys(vault):
    vault.write(DEAL, vault.read(DEAL).replace("po_number: PO-7731", "po_number: 7731"))
    text = out(vault.run("check", ok=False), vault)
    assert re.search(rf"^{DEAL}:\d+: error\[value-type\]: 'po_number' must be text, not int: YAML read it as "
                     "the number 7731", text, re.M), text


def test_a_built_in_type_may_require_a_declared_key_and_a_typo_of_one_is_a_warning(tmp_path):
    v = make_vault(tmp_path / "v", {PARTNER: PARTNER_TEXT},
                   config=config(TYPES.replace("  opportunity:\n", "  opportunity:\n    required: [po_number]\n")))
    v.write(DEAL, v.read(DEAL).replace("owner: maria\n", "owner: maria\npo_nubmer: PO-1\n"))
    text = out(v.run("check", ok=False), v)
    assert (f"{DEAL}:2: error[key-missing]: required key 'po_number' is missing (an opportunity needs name, "
            "stage, po_number)") in text
    assert re.search(rf"^{DEAL}:\d+: warning\[key-unknown\]: unknown key 'po_nubmer' \(did you mean 'po_number'\?\)",
                     text, re.M), text


def test_a_typo_of_a_declared_type_in_its_folder_is_an_error_with_did_you_mean(vault):
    vault.write(PARTNER, PARTNER_TEXT.replace("type: partner", "type: partnr"))
    text = out(vault.run("check", ok=False), vault)
    assert f"{PARTNER}:2: error[type-unknown]: type 'partnr' is not one of " in text
    assert "issue, partner (did you mean 'partner'?)" in text


def test_a_declared_folder_is_a_record_folder(vault):
    """A file there with another type, or front matter that does not parse, is an error, as in
    the built-in folders; the same file elsewhere is somebody's note."""
    vault.write("partners/odd.md", "---\ntype: person\nname: Odd\n---\n")
    vault.write("people/odd-too.md", "---\ntype: person\nname: Odd\n---\n")
    vault.write("partners/broken.md", "---\ntype: partner\nname: [Broken\n---\n")
    text = out(vault.run("check", ok=False), vault)
    assert "partners/odd.md:2: error[type-unknown]: type 'person' is not one of " in text
    assert re.search(r"^partners/broken\.md:3: error\[", text, re.M), text
    assert "people/odd-too.md" not in text


def test_an_old_vault_without_types_is_unchanged(tmp_path):
    """Without `types:`, a `type: partner` file is someone's note (not a record) as it always was."""
    v = make_vault(tmp_path / "old", {PARTNER: PARTNER_TEXT})
    v.commit("initial")
    assert v.run("check", ok=True).output.splitlines() == [
        "9 records checked: 0 errors, 0 warnings",
        '1 file with front matter is not a record (1 with type "partner"); -v lists it']
    config, problems = load_config(v.root)
    assert problems == [] and config.types.declared == () and "partners" not in config.types.record_folders
    result = v.run("list", "partner", ok=False)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("salesmd: error: 'partner' is not a record type")


def test_two_vaults_in_one_process_each_see_their_own_types(vault, tmp_path):
    plain = make_vault(tmp_path / "plain", {PARTNER: PARTNER_TEXT})
    assert "10 records" in vault.run("check", ok=True).output
    assert "9 records" in plain.run("check", ok=True).output
    assert "10 records" in vault.run("check", "--no-cache", ok=True).output


# --- bad config ---------------------------------------------------------------------------------

BAD = [
    ("tier: one of gold, silver, registered", "tier: nubmer", "tier: nubmer",
     "type 'partner', key 'tier': unknown key type 'nubmer' (did you mean 'number'?)"),
    ("account: link account", "account: link acount", "account: link acount",
     "type 'partner', key 'account': 'acount' is not a record type (did you mean 'account'?)"),
    ("folder: partners", "folder: contacts", "folder: contacts",
     "type 'partner': folder 'contacts' is already the folder of the built-in type 'contact'"),
    ("folder: partners", "folder: ../partners", "folder: ../partners",
     "type 'partner': folder '../partners' is outside the vault"),
    ("folder: partners", "folder: /srv/partners", "folder: /srv/partners",
     "type 'partner': folder '/srv/partners' is outside the vault"),
    ("required: [name, tier]", "required: [name, teir]", "required: [name, teir]",
     "type 'partner': required key 'teir' is not declared under keys (did you mean 'tier'?)"),
    ("stages: [applied, onboarding, active]", "stages: []", "pipeline:",
     "pipeline 'partner' needs a non-empty 'stages' list; type 'partner' is left out"),
    ("tier: one of gold, silver, registered", "tier: one of", "tier: one of",
     "type 'partner', key 'tier': 'one of' needs at least one value"),
    ("tier: one of gold, silver, registered", "tier: {one of: []}", "tier: {one of: []}",
     "type 'partner', key 'tier': 'one of' needs at least one value"),
    ("  opportunity:\n    keys:\n", "  opportunity:\n    keys:\n      amount: text\n", "amount: text",
     "type 'opportunity': 'amount' is a built-in key (number); it cannot be redeclared as text"),
    ("  opportunity:\n    keys:\n", "  opportunity:\n    folder: deals\n    keys:\n", "folder: deals",
     "'opportunity' is a built-in type: it takes only keys and required (its folder is opportunities/)"),
    ("  partner:\n", "  leads:\n", "  leads:", "type name 'leads' clashes with the built-in type 'lead'"),
    ("  partner:\n", "  Lead:\n", "  Lead:", "type name 'Lead' clashes with the built-in type 'lead'"),
    ("  opportunity:\n", "  oportunity:\n", "  oportunity:",
     "type 'oportunity' is not a built-in type (did you mean 'opportunity'?)"),
]


@pytest.mark.parametrize("old,new,at,message", BAD, ids=[m[:40] for *_, m in BAD])
def test_bad_types_config_is_a_located_error(tmp_path, old, new, at, message):
    assert old in TYPES
    v = make_vault(tmp_path / "v", config=config(TYPES.replace(old, new, 1)))
    before = v.snapshot()
    result = v.run("check", ok=False)
    assert "Traceback" not in result.output
    assert f"salesmd.yaml:{line_of(v, at)}: error[config-types]: {message}" in result.output, result.output
    assert v.snapshot() == before


def test_a_second_type_in_the_same_folder_is_an_error(tmp_path):
    v = make_vault(tmp_path / "v", config=config(TYPES + "  reseller:\n    folder: Partners\n"))
    result = v.run("check", ok=False)
    assert (f"salesmd.yaml:{line_of(v, 'folder: Partners')}: error[config-types]: type 'reseller': folder "
            "'Partners' is already the folder of type 'partner'") in result.output


# --- commands ---------------------------------------------------------------------------------------

def test_new_makes_a_record_of_a_declared_type_in_its_folder(vault):
    result = vault.run("--today", "2026-11-24", "new", "partner", "Cascade Lift Rentals", "--tier", "silver",
                       "--account", "acme-corp", "--since", "2026-11-01", ok=True)
    assert out(result, vault) == "created partners/cascade-lift-rentals.md\n"
    assert vault.read("partners/cascade-lift-rentals.md") == (
        "---\ntype: partner\nname: Cascade Lift Rentals\nstage: applied\ncreated: 2026-11-24\ntier: silver\n"
        'account: "[[acme-corp]]"\nsince: 2026-11-01\n---\n')
    assert "11 records checked: 0 errors" in vault.run("check", ok=True).output


def test_new_refuses_what_check_would_refuse(vault):
    before = vault.snapshot()
    result = vault.run("new", "partner", "Cascade", "--tier", "platinum", ok=False)
    assert "error[value-unknown]: tier 'platinum' is not a tier of a partner" in result.output
    assert vault.snapshot() == before


@pytest.mark.parametrize("args", [["new", "partnr", "X"], ["list", "partnr"], ["export", "partnr"],
                                  ["search", "bolt", "--type", "partnr"]])
def test_an_unknown_type_is_one_line_with_did_you_mean(vault, args):
    before = vault.snapshot()
    result = vault.run(*args)
    assert result.exit_code == 2
    assert result.output == ("salesmd: error: 'partnr' is not a record type (did you mean 'partner'?); the types "
                             "are lead, contact, account, opportunity, activity, task, note, issue, partner\n")
    assert vault.snapshot() == before


def test_list_shows_a_declared_type_with_its_keys(vault):
    text = vault.run("list", "partner", ok=True).output
    assert text.splitlines()[0].split() == ["id", "stage", "name", "tier", "region", "account", "since", "deals",
                                            "owner"]
    assert text.splitlines()[2].split()[:4] == ["bolt-resellers", "onboarding", "Bolt", "Resellers"]
    assert text.endswith("1 partner\n")
    assert vault.run("list", "partner", "--filter", "tier=silver", ok=True).output.endswith("0 partners\n")


def test_show_lists_declared_links_both_ways(vault):
    partner = vault.run("show", "bolt-resellers", ok=True).output
    assert "account -> acme-corp  (account: Acme Corp)" in partner
    assert "opportunity acme-fleet-renewal  Acme fleet renewal  (its partner)" in partner
    assert "partner -> bolt-resellers  (partner: Bolt Resellers)" in vault.run("show", "acme-fleet-renewal").output


def test_export_a_declared_type(vault):
    text = vault.run("export", "partner", ok=True).output
    assert text.splitlines() == ["id,name,stage,tier,region,account,since,owner",
                                 "bolt-resellers,Bolt Resellers,onboarding,gold,Pacific Northwest,acme-corp,"
                                 "2026-03-01,maria"]
    assert [r["id"] for r in vault.json("export", "partner")] == ["bolt-resellers"]


def test_search_by_a_declared_type(vault):
    text = vault.run("search", "oregon", "--type", "partner", ok=True).output
    assert text.splitlines()[0] == "bolt-resellers (partner): Bolt Resellers"
    assert vault.run("search", "oregon", "--type", "lead", ok=True).output == "0 records\n"


def test_move_and_set_work_on_a_declared_type(vault):
    assert vault.run("move", "bolt-resellers", "active", ok=True).exit_code == 0
    assert "stage: active\n" in vault.read(PARTNER)
    before = vault.snapshot()
    result = vault.run("move", "bolt-resellers", "activ", ok=False)
    assert "'activ' is not a stage of the partner pipeline" in result.output
    assert vault.run("set", "bolt-resellers", "tier=silvr", ok=False).exit_code != 0
    assert vault.snapshot() == before
    vault.run("set", "bolt-resellers", "deals=4", ok=True)
    assert "deals: 4\n" in vault.read(PARTNER)


def test_the_index_is_made_again_when_types_change(tmp_path):
    """Before `partner` is a declared link key of opportunities, the deal's partner is no link;
    after, the index's link rows hold it: `show` lists the backlink at once."""
    v = make_vault(tmp_path / "v", {PARTNER: PARTNER_TEXT}, config=config(TYPES.replace("      partner: link partner\n", "")))
    v.write(DEAL, v.read(DEAL).replace("owner: maria\n", 'owner: maria\npartner: "[[bolt-resellers]]"\n'))
    assert "Linked from" not in v.run("show", "bolt-resellers", ok=True).output
    v.write("salesmd.yaml", config())
    assert "opportunity acme-fleet-renewal" in v.run("show", "bolt-resellers", ok=True).output


def test_a_second_check_answers_from_its_state_as_the_first(vault):
    """The incremental check (the state's facts of each record) knows the declared link keys."""
    assert vault.run("check", ok=True).exit_code == 0
    vault.write(DEAL, vault.read(DEAL).replace("[[bolt-resellers]]", "[[bolt-reseller]]"))
    quick = vault.run("check", ok=False).output
    full = vault.run("--no-cache", "check", ok=False).output
    assert "'partner' links to [[bolt-reseller]]" in quick and quick == full
    vault.write(DEAL, vault.read(DEAL).replace("[[bolt-reseller]]", "[[bolt-resellers]]"))
    vault.write(PARTNER, PARTNER_TEXT.replace("bolt", "x"))  # stays linked-to: the deal is fine again
    assert vault.run("check", ok=True).exit_code == 0


def test_completion_offers_the_declared_types(vault, monkeypatch):
    from test_complete import complete

    monkeypatch.delenv("SALESMD_VAULT", raising=False)
    assert complete(f"salesmd --vault {vault.root} new pa") == ["partner"]
    assert complete(f"salesmd --vault {vault.root} list ") [-1] == "partner"
    assert complete(f"salesmd --vault {vault.root} export a") == ["account", "activity", "all"]
    assert complete(f"salesmd --vault {vault.root} move bo") == ["bolt-builders", "bolt-resellers"]
    assert complete(f"salesmd --vault {vault.root} move bolt-resellers ") == \
        ["applied", "onboarding", "active", "ended"]


def test_git_sees_the_new_record_folder(vault):
    vault.run("new", "partner", "Zeta", "--tier", "gold", ok=True)
    assert "partners/zeta.md" in git(vault.root, "status", "--porcelain")


# --- the site ---------------------------------------------------------------------------------------

def test_the_site_has_a_list_page_per_declared_type_and_its_record_pages(vault, tmp_path, request):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    visit = request.getfixturevalue("visit")
    site = tmp_path / "site"
    vault.run("--today", "2026-11-24", "report", "--out", str(site), ok=True)
    dashboard = visit(site / "index.html")
    nav = dashboard.page.locator("header.top nav a")
    assert [a.inner_text() for a in nav.all()][-2:] == ["Partners", "Problems"]
    listing = visit(site / "partners.html")
    page = listing.page
    assert page.locator("h1").inner_text() == "Partners (1)"
    assert [t.casefold() for t in page.locator("thead th").all_inner_texts()] == \
        ["name", "stage", "tier", "region", "account", "since", "owner"]  # the style sheet shows them in capitals
    assert page.locator("tbody tr").first.locator("td").all_inner_texts()[:5] == \
        ["Bolt Resellers", "onboarding", "gold", "Pacific Northwest", "Acme Corp"]
    page.locator("tbody a", has_text="Bolt Resellers").click()
    record = page.locator("main")
    assert "Resells our forklifts in Oregon." in record.inner_text()
    linked_from = page.locator("section", has=page.locator("h2", has_text="Linked from"))
    assert "Acme fleet renewal" in linked_from.inner_text() and "opportunity, its partner" in linked_from.inner_text()
    deal = visit(site / "records" / "acme-fleet-renewal.html").page
    assert deal.locator("main a", has_text="Bolt Resellers").count() >= 1  # its partner field links the page
    assert all(u.startswith("file://") for v in (dashboard, listing) for u in v.requests)


def test_the_commented_types_example_of_init_works_uncommented(tmp_path):
    vault = tmp_path / "crm"
    from click.testing import CliRunner

    from salesmd.cli import main

    assert CliRunner().invoke(main, ["init", str(vault)]).exit_code == 0
    lines = (vault / "salesmd.yaml").read_text().splitlines()
    start = lines.index("# types:")
    end = next(n for n in range(start, len(lines)) if not lines[n].startswith("#"))
    lines[start:end] = [line[2:] for line in lines[start:end]]
    (vault / "salesmd.yaml").write_text("\n".join(lines) + "\n")
    made = CliRunner().invoke(main, ["--vault", str(vault), "new", "partner", "Zeta", "--tier", "gold"])
    assert made.exit_code == 0, made.output
    assert CliRunner().invoke(main, ["--vault", str(vault), "check"]).output == \
        "1 record checked: 0 errors, 0 warnings\n"


def test_a_backup_of_a_vault_with_declared_types_restores_into_a_new_vault(vault, tmp_path):
    from test_backup import backup, fresh, records_of

    target = fresh(tmp_path, "restored")
    result = target.run("import", "json", str(backup(vault, tmp_path)))
    assert result.exit_code == 0, result.output
    assert records_of(target.root) == records_of(vault.root)
    assert target.run("list", "partner", "--format", "ids", ok=True).output == "bolt-resellers\n"


def test_the_site_is_never_written_into_a_declared_record_folder(vault):
    before = vault.snapshot()
    result = vault.run("report", "--out", str(vault.root / "partners" / "site"), ok=False)
    assert "the site cannot be written over the vault or into a record folder" in result.output
    assert vault.snapshot() == before


def test_new_fills_the_vaults_own_skeleton_of_a_declared_type(vault):
    vault.write("templates/skeletons/partner.md", """\
        ---
        type: partner
        name: {{ name | yaml }}
        stage: {{ stage | yaml }}
        tier: registered
        created: {{ today | yaml }}
        ---
        ## Agreement
        """)
    vault.run("--today", "2026-11-24", "new", "partner", "Yarrow Lifts", "--region", "Alaska", ok=True)
    assert vault.read("partners/yarrow-lifts.md") == (
        "---\ntype: partner\nname: Yarrow Lifts\nstage: applied\ntier: registered\ncreated: 2026-11-24\n"
        "region: Alaska\n---\n## Agreement\n")
