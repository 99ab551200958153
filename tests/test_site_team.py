"""The site for a team, looked at in headless chromium: sortable and filtered record lists, a page
per owner and territory, the calendar, the banner of records left out, "open in editor" links."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from conftest import make_vault
from test_site import CHROMIUM, ROOT, browser, example_site, visit  # noqa: F401 - the browser fixtures

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

LISTS = ["opportunities.html", "leads.html", "contacts.html", "accounts.html", "activities.html", "tasks.html",
         "notes.html"]


def column(page, header: str) -> list[str]:
    """The data-sort values of one column, in the order the rows are shown."""
    headers = page.locator("table.sortable thead th").all_inner_texts()
    i = [h.strip(" ▲▼").casefold() for h in headers].index(header.casefold())
    return page.locator("table.sortable tbody tr").evaluate_all(
        f"rows => rows.filter(r => !r.hidden).map(r => r.cells[{i}].getAttribute('data-sort'))")


def names(page) -> list[str]:
    return page.locator("table.sortable tbody tr:visible td:first-child").all_inner_texts()


def csp(page) -> str:
    return page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")


def example_json(*args: str):
    from click.testing import CliRunner

    from salesmd.cli import main

    result = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_lists_show_the_columns_that_matter_for_each_type(example_site, visit):
    out, _ = example_site
    want = {
        "opportunities.html": ["Name", "Amount", "Stage", "Close date", "Account", "Owner"],
        "leads.html": ["Name", "Company", "Stage", "Source", "Owner"],
        "contacts.html": ["Name", "Account", "Email", "Phone", "Role"],
        "accounts.html": ["Name", "Industry", "Owner", "Open deals"],
        "activities.html": ["Name", "Kind", "Status", "Start", "Owner"],
        "tasks.html": ["Name", "Status", "Due", "Owner"],
        "notes.html": ["Name", "Date"],
    }
    for rel, headers in want.items():
        page = visit(out / rel).page
        assert [h.casefold() for h in page.locator("thead th").all_inner_texts()] == \
            [h.casefold() for h in headers], rel
    # an account's open deals are counted from the deals that name it
    deals = example_json("list", "opportunity", "--format", "json")
    page = visit(out / "accounts.html").page
    row = page.locator("tbody tr", has_text="Harbor Freight Logistics")
    open_ = [d for d in deals if d["account"] == "[[harbor-freight-logistics]]"
             and d["stage"] not in ("won", "lost", "disqualified")]
    assert row.locator("td").nth(3).inner_text() == str(len(open_)) == "2"


def test_a_header_click_sorts_numbers_and_dates_as_such_and_a_second_click_reverses(example_site, visit):
    out, _ = example_site
    deals = {d["name"]: d.get("amount") for d in example_json("list", "opportunity", "--format", "json")}
    v = visit(out / "opportunities.html")
    page = v.page
    amount = page.locator("thead th", has_text="Amount")
    assert amount.get_attribute("aria-sort") is None  # as built: sorted by name
    amount.click()
    shown = [deals[n] for n in names(page)]
    known = [a for a in shown if a is not None]
    assert known == sorted(known) and shown[len(known):] == [None] * (len(shown) - len(known))  # empty last
    assert names(page)[0] == "Heartland Distribution - peak season rentals"  # 8,000: as text it would be last
    assert amount.get_attribute("aria-sort") == "ascending"
    amount.click()
    shown = [deals[n] for n in names(page)]
    known = [a for a in shown if a is not None]
    assert known == sorted(known, reverse=True) and len(known) == len([a for a in deals.values() if a is not None])
    assert amount.get_attribute("aria-sort") == "descending"
    close = page.locator("thead th", has_text="Close date")
    close.click()
    assert close.get_attribute("aria-sort") == "ascending" and amount.get_attribute("aria-sort") == "none"
    dates = [d for d in column(page, "Close date") if d]
    assert dates == sorted(dates) and len(dates) == 15
    # the keyboard sorts too
    name = page.locator("thead th", has_text="Name")
    name.focus()
    page.keyboard.press("Enter")
    assert names(page) == sorted(names(page), key=str.casefold) and name.get_attribute("aria-sort") == "ascending"
    page.locator("#filter").fill("forklift")
    assert v.requests == [(out / "opportunities.html").resolve().as_uri()]  # sorting and filtering fetch nothing


def test_the_filter_box_hides_the_rows_without_the_text(example_site, visit):
    out, _ = example_site
    page = visit(out / "opportunities.html").page
    rows = page.locator("table.sortable tbody tr")
    assert rows.count() == 16
    page.locator("#filter").fill("NordHafen")
    visible = page.locator("table.sortable tbody tr:visible")
    assert visible.count() == 2
    assert all("nordhafen" in t.casefold() for t in visible.all_inner_texts())
    assert page.locator("#shown").inner_text() == "2 of 16 shown"
    page.locator("#filter").fill("")
    assert page.locator("table.sortable tbody tr:visible").count() == 16


def test_without_javascript_every_row_shows_and_the_filter_box_hides(example_site, visit):
    out, _ = example_site
    page = visit(out / "opportunities.html", java_script_enabled=False).page
    assert page.locator("table.sortable tbody tr:visible").count() == 16
    assert not page.locator("#filter").is_visible()


def test_the_csp_allows_only_the_pages_own_script_and_style_by_hash(example_site, visit, tmp_path):
    out, _ = example_site
    for rel in LISTS:
        v = visit(out / rel)
        policy = csp(v.page)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, rel
        script = v.page.evaluate("document.scripts[0].textContent")
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert re.findall(r"script-src ([^;]+)", policy) == [f"'sha256-{digest}'"], rel
        # the script ran: the headers sort and the filter box shows; the style sheet applied
        assert v.page.locator("thead th.sorts").count() >= 2 and v.page.locator("#filter").is_visible(), rel
        assert v.page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 36, 51)"
    for rel in ("index.html", "calendar.html", "records/harbor-freight-fleet-renewal.html"):
        policy = csp(visit(out / rel).page)
        assert "unsafe-inline" not in policy and "script-src" not in policy, rel  # default-src 'none': no script
    # a script changed after the build is refused: the hash is what lets it run
    tampered = tmp_path / "opportunities.html"
    tampered.write_text((out / "opportunities.html").read_text().replace('"use strict";', '"use strict"; '))
    v = visit(tampered)
    assert v.page.locator("thead th.sorts").count() == 0 and not v.page.locator("#filter").is_visible()


def test_owner_and_territory_pages_exist_and_are_linked(example_site, visit):
    out, _ = example_site
    dashboard = visit(out / "index.html").page
    team = {a.inner_text(): a.get_attribute("href") for a in dashboard.locator("#team td:first-child a").all()}
    assert team == {"dev": "owners/dev.html", "maria": "owners/maria.html", "sam": "owners/sam.html",
                    "central": "territories/central.html", "east": "territories/east.html",
                    "west": "territories/west.html"}
    for href in team.values():
        assert (out / href).is_file() and (out / href.replace(".html", ".calendar.html")).is_file()
    # a card's owner leads to the owner's page, whose board holds that owner's deals only
    board = visit(out / "pipeline.html").page
    board.locator("article.card", has_text="Harbor Freight Logistics - fleet renewal").locator("a.owner").click()
    assert board.locator("h1").inner_text() == "Owner: maria (Maria Lopez)"
    mine = example_json("pipeline", "--owner", "maria", "--format", "json")
    columns = board.locator("section.column")
    assert [int(c.locator("[data-count]").inner_text()) for c in columns.all()] == [s["count"] for s in mine["stages"]]
    owners = {o.inner_text() for o in board.locator("article.card a.owner").all()}
    assert owners == {"maria"}
    assert "Cascade Timber Supply - yard telehandlers" in board.locator("table").first.inner_text()  # stale
    # the owner page's own links stay inside the site
    board.locator("article.card a", has_text="Harbor Freight Logistics - fleet renewal").click()
    assert board.locator("h1").inner_text() == "Harbor Freight Logistics - fleet renewal"
    west = visit(out / "territories/west.html").page
    mine = example_json("pipeline", "--territory", "west", "--format", "json")
    assert west.locator("article.card").count() == sum(s["count"] for s in mine["stages"])


def test_an_owner_found_only_on_records_has_a_page_and_an_alias_is_its_owner(tmp_path, visit):
    vault = make_vault(tmp_path / "v", {
        "opportunities/kim-deal.md": "---\ntype: opportunity\nname: Kim's deal\nstage: prospecting\nowner: kim\n---\n",
        "accounts/pat-account.md": "---\ntype: account\nname: Pat's account\nowner: pat\n---\n",
    })
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    site = tmp_path / "site"
    assert sorted(p.name for p in (site / "owners").glob("*.html")) == \
        ["dev.calendar.html", "dev.html", "kim.calendar.html", "kim.html", "maria.calendar.html", "maria.html",
         "pat.calendar.html", "pat.html"]
    assert sorted(p.name for p in (site / "territories").glob("*.html")) == \
        ["east.calendar.html", "east.html", "west.calendar.html", "west.html"]
    page = visit(site / "owners/kim.html").page
    assert [c.inner_text() for c in page.locator("article.card .name").all()] == ["Kim's deal"]
    accounts = visit(site / "accounts.html").page  # the owner an account names links to its page
    accounts.locator("tbody tr", has_text="Pat's account").locator("a[href='owners/pat.html']").click()
    assert accounts.locator("h1").inner_text() == "Owner: pat" and accounts.locator("article.card").count() == 0


def test_calendar_shows_an_activity_and_a_task_on_their_days(tmp_path, visit):
    vault = make_vault(tmp_path / "v", {
        "activities/demo-at-acme.md": "---\ntype: activity\nsubject: Demo at Acme\nkind: meeting\nstatus: planned\n"
                                      "start: 2026-12-09T14:00\nrelated: [\"[[acme-fleet-renewal]]\"]\n---\n",
        "activities/dropped.md": "---\ntype: activity\nsubject: Dropped visit\nkind: meeting\nstatus: cancelled\n"
                                 "start: 2026-11-25T09:00\nowner: dev\n---\n",
    })
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    site = tmp_path / "site"
    page = visit(site / "calendar.html").page
    captions = page.locator("table.calendar caption").all_inner_texts()
    assert captions == ["Week of 23 Nov 2026", "November 2026", "December 2026"]
    demo = page.locator("table.calendar td", has_text="Demo at Acme")
    assert [c.get_attribute("data-date") for c in demo.all()] == ["2026-12-09"]  # December's grid only
    assert "14:00" in demo.inner_text() and "maria" in demo.inner_text()
    chase = page.locator("table.calendar td", has_text="Chase the quote")
    assert [c.get_attribute("data-date") for c in chase.all()] == ["2026-11-26"] * 2  # this week, November
    assert page.locator("table.calendar", has_text="Dropped visit").count() == 0
    assert page.locator("td.today").first.get_attribute("data-date") == "2026-11-24"
    demo.locator("a", has_text="Demo at Acme").click()
    assert page.locator("h1").inner_text() == "Demo at Acme"
    # per owner: maria's calendar has her demo (owned through its deal), another owner's has not
    assert visit(site / "owners/maria.calendar.html").page.locator(
        "td[data-date='2026-12-09']", has_text="Demo at Acme").count() == 1
    assert visit(site / "owners/dev.calendar.html").page.locator("table.calendar", has_text="Demo").count() == 0


def test_banner_counts_records_with_errors_left_out_and_only_then(tmp_path, visit):
    vault = make_vault(tmp_path / "v")
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "clean"), ok=True)
    for rel in ("index.html", "pipeline.html", "calendar.html", "owners/maria.html", "records/acme-corp.html"):
        assert visit(tmp_path / "clean" / rel).page.locator(".banner").count() == 0, rel
    vault.write("opportunities/odd-stage.md", "---\ntype: opportunity\nname: Odd stage\nstage: bogus\n"
                                              "amount: 1000\nowner: maria\n---\n")
    vault.write("opportunities/broken.md", "---\ntype: opportunity\nname: [unclosed\n---\n")
    vault.write("accounts/typo.md", "---\ntype: account\nname: Typo\nindusty: retail\n---\n")  # a warning
    result = vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    errors = {p["path"] for p in vault.json("check")["problems"] if p["severity"] == "error"}
    assert {Path(p).name for p in errors} == {"odd-stage.md", "broken.md"}
    for rel in ("index.html", "pipeline.html", "leads.html", "calendar.html", "owners/maria.html",
                "records/acme-corp.html"):
        v = visit(tmp_path / "site" / rel)
        banner = v.page.locator("p.banner")
        assert banner.inner_text().startswith("2 records with errors are left out of the figures"), rel
        banner.locator("a").click()
        assert v.page.locator("h1").inner_text().startswith("Problems (2 errors"), rel


def test_hostile_owner_and_territory_names_are_escaped_and_stay_inside_the_site(tmp_path, visit):
    hostile = ['<script>alert("o")</script>', "../x", "../../outside", "a b", "a-b", "A-B", "", "."]
    files = {f"opportunities/deal-{i}.md": f"---\ntype: opportunity\nname: Deal {i}\nstage: prospecting\n"
                                             f"owner: {json.dumps(name)}\nterritory: {json.dumps(name)}\n---\n"
             for i, name in enumerate(hostile)}
    vault = make_vault(tmp_path / "v", files)
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "out" / "site"))
    site = tmp_path / "out" / "site"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["site"]  # nothing written beside the site
    owners = sorted(p.name for p in (site / "owners").iterdir())
    assert all(re.fullmatch(r"[a-z0-9-]+(\.calendar)?\.html", n) for n in owners), owners
    # maria, dev and each hostile name but the blank one (no owner) and A-B (a-b's, ignoring case)
    assert len(owners) == 2 * 8
    dashboard = visit(site / "index.html")
    links = dashboard.page.locator("#team td:first-child a")
    shown = {a.inner_text(): a.get_attribute("href") for a in links.all()}
    assert {'<script>alert("o")</script>', "../x", "../../outside", "a b", "a-b", "."} <= set(shown)
    assert len({h for h in shown.values()}) == len(shown)  # no two names share a page
    for name, href in shown.items():
        assert (site / href).resolve().is_relative_to(site.resolve()), href
        v = visit(site / href)
        assert v.page.locator("h1").inner_text().endswith(f": {name}") and v.dialogs == [], href
        assert v.page.locator("main script, main img").count() == 0
    assert dashboard.dialogs == []


def test_record_pages_link_to_the_file_in_obsidian_and_vs_code(tmp_path, visit):
    vault = make_vault(tmp_path / "my crm", {
        "accounts/Tree & Co.md": "---\ntype: account\nname: Tree & Co\n---\n",
    })
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    page_path = next((tmp_path / "site" / "records").glob("tree-co*.html"))
    v = visit(page_path)
    links = {a.inner_text(): a.get_attribute("href") for a in v.page.locator("a.editor").all()}
    absolute = (vault.root / "accounts" / "Tree & Co.md").absolute().as_posix().lstrip("/")
    assert links == {"Obsidian": "obsidian://open?vault=my%20crm&file=accounts%2FTree%20%26%20Co.md",
                     "VS Code": "vscode://file/" + absolute.replace(" ", "%20").replace("&", "%26")}
    # following one is navigation, which the CSP allows (it would report a fetch it blocks)
    v.page.evaluate("() => { window.seen = []; document.addEventListener('securitypolicyviolation', "
                    "e => window.seen.push(e.violatedDirective)); }")
    v.page.locator("a.editor", has_text="Obsidian").click()
    v.page.wait_for_timeout(300)
    assert links["Obsidian"] in v.requests and v.page.evaluate("window.seen") == []
    v.page.evaluate("() => { const i = document.createElement('img'); i.src = 'https://example.com/x.png'; "
                    "document.body.append(i); }")
    v.page.wait_for_timeout(300)
    assert v.page.evaluate("window.seen") == ["img-src"]  # the listener does hear a blocked fetch


def test_editor_links_are_configured_in_salesmd_yaml(tmp_path, visit):
    vault = make_vault(tmp_path / "v")
    config = vault.read("salesmd.yaml")
    default = "editor_links: [obsidian, vscode]\n"  # as salesmd init writes it
    assert default in config
    line = config[:config.index(default)].count("\n") + 1
    site = tmp_path / "site"  # one site rebuilt: a changed setting renders the record pages again
    vault.run("report", "--out", str(site), ok=True)
    assert visit(site / "records" / "acme-corp.html").page.locator("a.editor").all_inner_texts() == \
        ["Obsidian", "VS Code"]
    vault.write("salesmd.yaml", config.replace(default, "editor_links: [vscode]\n"))
    vault.run("report", "--out", str(site), ok=True)
    assert visit(site / "records" / "acme-corp.html").page.locator("a.editor").all_inner_texts() == ["VS Code"]
    vault.write("salesmd.yaml", config.replace(default, "editor_links: []\nobsidian_vault: Sales\n"))
    vault.run("report", "--out", str(site), ok=True)
    assert visit(site / "records" / "acme-corp.html").page.locator("a.editor").count() == 0
    vault.write("salesmd.yaml", config.replace(default, "editor_links: [obsidain]\nobsidian_vault: Sales\n"))
    result = vault.run("check")
    assert f"salesmd.yaml:{line}: error[config-editor-links]: unknown editor 'obsidain' (did you mean 'obsidian'?)" \
        in result.output and result.exit_code == 1
    vault.run("report", "--out", str(site))
    links = visit(site / "records" / "acme-corp.html").page.locator("a.editor")
    assert links.all_inner_texts() == ["Obsidian", "VS Code"]  # the default, while the setting is wrong
    assert links.first.get_attribute("href").startswith("obsidian://open?vault=Sales&file=")
