"""The HTML site, looked at in a real browser (Debian's chromium, headless, driven by Playwright)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import make_vault

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)> & "Co"'

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("chromium is not installed: .ci/run installs Debian's chromium package")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """A page opened in the browser, with every request it made and every dialog it tried."""

    def __init__(self, browser, url: str, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_(path: Path, **context):
        v = Visit(browser, path.resolve().as_uri(), **context)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


@pytest.fixture(scope="module")
def example_site(tmp_path_factory):
    """The example vault's site, built by the real command."""
    from click.testing import CliRunner

    from salesmd.cli import main

    out = tmp_path_factory.mktemp("site")
    vault = str(ROOT / "example-vault")
    result = CliRunner().invoke(main, ["--vault", vault, "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pipeline = json.loads(CliRunner().invoke(main, ["--vault", vault, "pipeline", "--format", "json"]).stdout)
    return out, pipeline


def test_board_columns_and_totals_match_the_pipeline_json(example_site, visit):
    out, pipeline = example_site
    v = visit(out / "pipeline.html")
    columns = v.page.locator("section.column")
    assert columns.count() == len(pipeline["stages"])
    for i, stage in enumerate(pipeline["stages"]):
        column = columns.nth(i)
        assert column.locator("h2 span").first.inner_text() == stage["stage"]
        assert int(column.locator("[data-count]").inner_text()) == stage["count"]
        assert column.locator("article.card").count() == stage["count"]
        shown = {el.get_attribute("data-currency"): float(el.get_attribute("data-amount"))
                 for el in column.locator("[data-currency]").all()}
        assert shown == {c: m["amount"] for c, m in stage["by_currency"].items()}
        for cur, money in stage["by_currency"].items():
            assert f"{money['amount']:,.0f} {cur}" in column.locator("[data-totals]").inner_text()
    # a deal card leads to the deal's own page
    v.page.locator("article.card a", has_text="Harbor Freight Logistics - fleet renewal").click()
    assert v.page.locator("h1").inner_text() == "Harbor Freight Logistics - fleet renewal"
    assert "Send the revised quote" in v.page.locator("ol.timeline").first.inner_text()


def test_no_request_leaves_the_page(example_site, visit):
    out, _ = example_site
    lists = ["leads.html", "accounts.html", "opportunities.html", "tasks.html", "activities.html"]
    pages = ["index.html", "pipeline.html", "agenda.html", "problems.html", "calendar.html", *lists]
    pages += ["owners/maria.html", "owners/maria.calendar.html", "territories/west.html"]
    pages += sorted(p.relative_to(out).as_posix() for p in (out / "records").glob("*.html"))[:20]
    for rel in pages:
        v = visit(out / rel)
        assert v.requests == [(out / rel).resolve().as_uri()], rel
        # the record lists' own sorting script, and no other, on any page
        assert v.page.evaluate("document.scripts.length") == (1 if rel in lists else 0), rel


def test_dashboard_shows_the_numbers_and_charts(example_site, visit):
    out, pipeline = example_site
    v = visit(out / "index.html")
    kpis = v.page.locator(".kpis").inner_text()
    for cur, money in pipeline["open"]["by_currency"].items():
        assert f"{money['amount']:,.0f} {cur}" in kpis
    assert v.page.locator("svg[role=img]").count() == 2
    assert v.page.locator("svg rect").count() >= 4
    assert "Over capacity" in v.page.locator("main").inner_text()
    assert v.page.locator("#targets-card .value").inner_text().endswith("%")  # the example vault has targets
    v.page.locator("nav a", has_text="Targets").click()
    assert v.page.url.endswith("/targets.html") and v.page.locator("h1").inner_text().startswith("Targets")


def test_hostile_strings_show_as_text_and_run_nothing(tmp_path, visit):
    vault = make_vault(tmp_path / "v", {
        "leads/web-form.md": "---\ntype: lead\nname: '" + HOSTILE.replace("'", "''") + "'\nstage: new\n"
                             "company: \"<b>bold</b>\"\n---\n<script>alert('body')</script>\n\n"
                             "[click](javascript:alert(2)) and **strong** and [[acme-corp|our account]]\n",
    })
    vault.run("report", "--out", str(tmp_path / "site"), ok=True)
    page = next((tmp_path / "site" / "records").glob("web-form*.html"))
    v = visit(page)
    assert v.page.locator("h1").inner_text() == HOSTILE
    body = v.page.locator(".body")
    assert "<script>alert('body')</script>" in body.inner_text()
    assert body.locator("strong").inner_text() == "strong"
    assert body.locator("a.wikilink").inner_text() == "our account"
    assert body.locator("a[href^='javascript']").count() == 0
    assert v.dialogs == [] and v.page.evaluate("document.scripts.length") == 0
    assert v.page.locator("img").count() == 0
    listing = visit(tmp_path / "site" / "leads.html")
    assert HOSTILE in listing.page.locator("main").inner_text() and listing.dialogs == []


def test_phone_and_print(example_site, visit):
    out, _ = example_site
    for rel in ("index.html", "agenda.html", "records/harbor-freight-fleet-renewal.html"):
        v = visit(out / rel, viewport={"width": 390, "height": 844}, is_mobile=True)
        assert v.page.evaluate("document.documentElement.scrollWidth") <= 390, rel
    v = visit(out / "pipeline.html")
    v.page.emulate_media(media="print")
    assert v.page.locator("header.top nav").evaluate("e => getComputedStyle(e).display") == "none"
    assert v.page.pdf()[:4] == b"%PDF"


def test_rebuild_rewrites_only_what_changed(tmp_path):
    vault = make_vault(tmp_path / "v")
    vault.commit("initial")
    site = tmp_path / "site"
    first = vault.run("report", "--out", str(site), ok=True)
    assert "wrote" in first.output
    stamps = {p: p.stat().st_mtime_ns for p in site.rglob("*.html")}
    again = vault.run("report", "--out", str(site), ok=True)
    assert again.output.startswith("wrote 0 of ")
    vault.write("notes/trade-in-terms.md", vault.read("notes/trade-in-terms.md").replace("9,000", "9,500"))
    third = vault.run("report", "--out", str(site), ok=True)
    changed = {p.relative_to(site).as_posix() for p, t in stamps.items() if p.stat().st_mtime_ns != t}
    assert changed == {"records/trade-in-terms.html"}, third.output
    os.remove(vault.root / "notes/trade-in-terms.md")
    vault.run("report", "--out", str(site), ok=True)
    assert not (site / "records/trade-in-terms.html").exists()


def test_vault_templates_override_and_extend(tmp_path, visit):
    vault = make_vault(tmp_path / "v", {
        "templates/pipeline.html": '{% extends "default:pipeline.html" %}{% block title %}Our board{% endblock %}',
        "templates/problems.html": "{% extends 'base.html' %}{% block content %}<p id=mine>Custom</p>{% endblock %}",
    })
    vault.run("report", "--out", str(tmp_path / "site"), ok=True)
    v = visit(tmp_path / "site" / "pipeline.html")
    assert v.page.title().startswith("Our board")
    assert v.page.locator("section.column").count() == 7
    assert visit(tmp_path / "site" / "problems.html").page.locator("#mine").inner_text() == "Custom"


def test_a_broken_template_is_a_clear_error(tmp_path):
    vault = make_vault(tmp_path / "v", {"templates/agenda.html": "{% extends 'base.html' %}{% block content %}{% if %}"})
    result = vault.run("report", "--out", str(tmp_path / "site"))
    assert result.exit_code == 2
    assert "agenda.html:1: error[template]" in result.stderr and "Traceback" not in result.output


def test_site_calendar_parses(example_site):
    from icalendar import Calendar

    out, _ = example_site
    cal = Calendar.from_ical((out / "agenda.ics").read_bytes())
    uids = [str(c.get("uid")) for c in cal.walk() if c.name in ("VTODO", "VEVENT")]
    assert uids and len(uids) == len(set(uids)) and all(u.endswith("@salesmd") for u in uids)


def test_lead_board_and_lead_list_are_two_pages_both_in_the_nav(tmp_path, visit):
    vault = make_vault(tmp_path / "v")
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    site = tmp_path / "site"
    nav = visit(site / "index.html").page.locator("header.top nav a")
    hrefs = [a.get_attribute("href") for a in nav.all()]
    assert "lead-pipeline.html" in hrefs and "leads.html" in hrefs
    board = visit(site / "lead-pipeline.html").page
    assert [c.get_attribute("data-stage") for c in board.locator("section.column").all()] == \
        ["new", "contacted", "qualified", "converted", "disqualified"]
    contacted = board.locator("section.column[data-stage=contacted] article.card")
    assert contacted.count() == 1 and contacted.inner_text().startswith("Bolt Builders")
    summary = board.locator("h1 + p").inner_text()  # leads are counted as leads, and have no amounts
    assert summary.startswith("Open: 1 lead · period "), summary
    assert "no amounts" not in board.locator("#board").inner_text()
    listing = visit(site / "leads.html").page
    assert listing.locator("h1").inner_text() == "Leads (2)"
    assert listing.locator("table").inner_text().count("\n") >= 2  # header and a row per lead
    assert {"Bolt Builders", "Jane Doe inquiry"} <= {a.inner_text() for a in listing.locator("table a").all()}


def test_dashboard_nav_and_problems_page_count_what_check_counts(tmp_path, visit):
    vault = make_vault(tmp_path / "v", {
        "accounts/typos.md": "---\ntype: account\nname: Typos\nindusty: retail\nwebsit: typos.example\n---\n",
        "contacts/lost.md": "---\ntype: contact\nname: Lost\naccount: \"[[nowhere]]\"\n---\n",
    })
    check = vault.json("check")
    assert (check["errors"], check["warnings"]) == (1, 2)
    assert vault.run("check").output.strip().endswith("records checked: 1 error, 2 warnings")
    built = vault.run("report", "--out", str(tmp_path / "site"), ok=True)
    assert "(1 error, 2 warnings: see problems.html)" in built.output
    dashboard = visit(tmp_path / "site" / "index.html").page
    assert "1 error, 2 warnings" in dashboard.locator(".kpis").inner_text()
    assert dashboard.locator("header.top nav a", has_text="Problems").inner_text() == "Problems (3)"
    page = visit(tmp_path / "site" / "problems.html").page
    assert page.locator("h1").inner_text() == "Problems (1 error, 2 warnings)"
    rows = [r.locator("td").all_inner_texts() for r in page.locator("tr").all()[1:]]
    assert sorted((where, code) for where, _, code, _ in rows) == \
        sorted((f"{Path(p['path']).resolve().relative_to(vault.root.resolve()).as_posix()}:{p['line']}", p["code"])
               for p in check["problems"])


def test_every_board_column_is_in_view_at_1400_px(example_site, visit, tmp_path):
    out, pipeline = example_site
    v = visit(out / "pipeline.html", viewport={"width": 1400, "height": 900})
    v.page.screenshot(path=str(tmp_path / "board-1400.png"), full_page=True)  # to look at when this fails
    width = v.page.evaluate("document.documentElement.clientWidth")
    columns = v.page.locator("section.column")
    assert columns.count() == len(pipeline["stages"])
    for column in columns.all():
        box = column.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, column.get_attribute("data-stage")
    board = v.page.locator("#board")
    assert board.evaluate("b => b.scrollWidth <= b.clientWidth")  # nothing hidden to scroll to
    assert v.page.evaluate("document.documentElement.scrollWidth") <= width
    phone = visit(out / "pipeline.html", viewport={"width": 390, "height": 844}, is_mobile=True)
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390  # one column a row
