"""Guards on the HTML site, looked at in headless chromium: every cell of a list page is text."""

from __future__ import annotations

import pytest

from conftest import make_vault
from test_site import CHROMIUM, browser, visit  # noqa: F401 - the browser fixtures

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")

OWNER = "<img src=x onerror=alert('owner')>"
TERRITORY = "<b>west</b> & <i>east</i>"
STAGE = "<script>alert('stage')</script>"
STATUS = '"><svg onload=alert(1)>'
WHEN = "<u>soon</u>"


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_list_page_cells_show_markup_as_text_and_run_nothing(tmp_path, visit):  # noqa: F811
    vault = make_vault(tmp_path / "v", {
        "leads/web-form.md": f"---\ntype: lead\nname: Web form\nstage: {quoted(STAGE)}\n"
                             f"owner: {quoted(OWNER)}\ncompany: {quoted(TERRITORY)}\nsource: {quoted(WHEN)}\n---\n",
        "tasks/odd-task.md": f"---\ntype: task\nsubject: Odd task\nstatus: {quoted(STATUS)}\n"
                             f"due: {quoted(WHEN)}\nowner: {quoted(OWNER)}\n---\n",
    })
    result = vault.run("report", "--out", str(tmp_path / "site"))
    assert result.exit_code in (0, 1), result.output  # the records have problems; the site is built anyway
    leads = visit(tmp_path / "site" / "leads.html")
    row = leads.page.locator("tr", has_text="Web form")
    cells = [c.inner_text() for c in row.locator("td").all()]
    assert cells == ["Web form", TERRITORY, STAGE, WHEN, OWNER]
    tasks = visit(tmp_path / "site" / "tasks.html")
    cells = [c.inner_text() for c in tasks.page.locator("tr", has_text="Odd task").locator("td").all()]
    assert cells == ["Odd task", STATUS, WHEN, OWNER]
    for v in (leads, tasks):
        table = v.page.locator("main table")
        assert table.locator("img, b, i, u, svg, script").count() == 0
        # the list's own sorting script is the page's only one, and no dialog opened
        assert v.dialogs == [] and v.page.evaluate("document.scripts.length") == 1


def test_dashboard_chart_by_month_is_in_the_home_currency_only(tmp_path, visit):  # noqa: F811
    vault = make_vault(tmp_path / "v", {
        "opportunities/euro-deal.md": "---\ntype: opportunity\nname: Euro deal\nstage: proposal\n"
                                      "amount: 900000\ncurrency: EUR\nclose_date: 2026-12-20\n---\n",
    })
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    v = visit(tmp_path / "site" / "index.html")
    months = v.page.locator("svg[role=img]").nth(1)
    labels = [t.text_content() for t in months.locator("rect title").all()]
    assert any("2026-12: 48,000 USD" in t for t in labels), labels  # acme-fleet-renewal alone
    assert not any("900,000" in t or "948,000" in t for t in labels), labels
    assert "Deals in EUR are on the pipeline page" in v.page.locator("main").inner_text()


def test_problems_page_and_navigation_count_errors_and_warnings_apart(tmp_path, visit):  # noqa: F811
    vault = make_vault(tmp_path / "v", {
        "leads/typo.md": "---\ntype: lead\nname: Typo\nstage: nwe\n---\n",  # an error
        "leads/empty.md": "",  # a warning
        "accounts/ownr.md": "---\ntype: account\nname: Ownr\nownr: maria\n---\n",  # a warning
    })
    check = vault.run("check")
    assert "1 error, 2 warnings" in check.output, check.output
    vault.run("report", "--out", str(tmp_path / "site"))
    v = visit(tmp_path / "site" / "problems.html")
    assert v.page.locator("h1").inner_text() == "Problems (1 error, 2 warnings)"
    assert v.page.locator("header.top nav a", has_text="Problems").inner_text() == "Problems (3)"
    assert "1 error, 2 warnings" in visit(tmp_path / "site" / "index.html").page.locator("main").inner_text()


def test_every_bar_and_its_amount_fit_inside_the_dashboard_charts(tmp_path, visit):  # noqa: F811
    deals = {f"opportunities/deal-{i}.md": f"---\ntype: opportunity\nname: Deal {i}\nstage: {stage}\n"
                                           f"amount: {amount}\nclose_date: 2026-{month}-10\n---\n"
             for i, (stage, amount, month) in enumerate([("prospecting", 250000, 12), ("qualification", 900, "01"),
                                                         ("negotiation", 480000, "02"), ("proposal", 75000, "03")])}
    vault = make_vault(tmp_path / "v", deals)
    vault.run("--today", "2026-11-24", "report", "--out", str(tmp_path / "site"), ok=True)
    v = visit(tmp_path / "site" / "index.html")
    charts = v.page.locator("svg[role=img]")
    assert charts.count() == 2
    for chart in charts.all():
        box = chart.evaluate("s => [s.viewBox.baseVal.width, s.viewBox.baseVal.height]")
        rows = chart.locator("g")
        assert rows.count() >= 4
        for row in rows.all():  # each row: its label, its bars and its amount, none cut off by the chart's edge
            x, y, w, h = row.evaluate("g => { const b = g.getBBox(); const m = g.transform.baseVal.consolidate();"
                                      " const dy = m ? m.matrix.f : 0; return [b.x, b.y + dy, b.width, b.height]; }")
            assert x >= 0 and x + w <= box[0], (row.inner_html(), box)
            assert y >= 0 and y + h <= box[1], (row.inner_html(), box)
