"""Links as Obsidian writes them: a path from the vault root, `.md`, `#heading` and `|alias`; a
Markdown link gets the wikilink to write instead. Every command resolves them as it resolves a
plain `[[id]]`."""

from __future__ import annotations

import json

import pytest

from conftest import make_vault

TREE = "---\ntype: account\nname: Tree Company\nowner: maria\n---\n"
ANN = "---\ntype: contact\nname: Ann Lee\naccount: {link}\n---\n"
DEAL = """\
---
type: opportunity
name: Tree forklifts
stage: proposal
account: {link}
contacts: [{contact}]
amount: 12000
close_date: 2026-12-10
owner: maria
---
"""
CALL = """\
---
type: activity
subject: Call Ann
kind: call
status: planned
start: 2026-11-26T10:00
related: [{deal}]
owner: maria
---
Met [[People/Ann Lee]] and [[Tree forklifts.md|the deal]].
"""
TASK = """\
---
type: task
subject: Send Tree the quote
status: open
due: 2026-11-25
related: [{deal}]
owner: maria
---
"""


def obsidian_vault(root, account: str, contact: str, deal: str):
    """Records in Obsidian's folders, linked with the links given."""
    return make_vault(root, {
        "Companies/Tree Company.md": TREE,
        "People/Ann Lee.md": ANN.format(link=account),
        "Deals/Tree forklifts.md": DEAL.format(link=account, contact=contact),
        "Meetings/Call Ann.md": CALL.format(deal=deal),
        "tasks/send-tree-the-quote.md": TASK.format(deal=deal),
    }, base=False, config="today: 2026-11-24\n")


PLAIN = ('"[[Tree Company]]"', '"[[Ann Lee]]"', '"[[Tree forklifts]]"')
OBSIDIAN = [
    ('"[[Companies/Tree Company]]"', '"[[People/Ann Lee|Ann]]"', '"[[Deals/Tree forklifts.md]]"'),
    ('"[[Tree Company.md]]"', '"[[Ann Lee#Phone|Ann]]"', '"[[deals/tree forklifts#Notes]]"'),
    ('"[[Companies/Tree Company.md#Sites|Tree]]"', '"[[People/Ann Lee.md]]"', '"[[Tree forklifts.md|Deal]]"'),
]


@pytest.mark.parametrize("links", OBSIDIAN)
def test_obsidian_links_check_clean(tmp_path, links):
    vault = obsidian_vault(tmp_path / "v", *links)
    result = vault.run("check", ok=True)
    assert "5 records checked: 0 errors, 0 warnings" in result.output, result.output


def _views(vault, cache: bool) -> dict:
    """What a user reads about these records, from every command that follows links."""
    flag = () if cache else ("--no-cache",)
    show = {id_: vault.json(*flag, "show", id_) for id_ in ("Tree Company", "Ann Lee", "Tree forklifts", "Call Ann")}
    for view in show.values():
        del view["fields"]  # the links as written: the one thing meant to differ
    return {
        "show": show,
        "agenda": vault.json(*flag, "agenda"),
        "pipeline": vault.json(*flag, "pipeline", "--deals"),
        "list": vault.run(*flag, "list", "opportunity", "--format", "csv").stdout,
        "where": vault.run(*flag, "list", "contact", "--where", "account=Tree Company", "--format", "csv").stdout,
        "export": vault.run(*flag, "export", "opportunity", "--format", "csv").stdout,
    }


@pytest.mark.parametrize("links", OBSIDIAN)
def test_every_command_follows_path_and_md_links_as_plain_ones(tmp_path, links):
    plain = obsidian_vault(tmp_path / "plain", *PLAIN)
    written = obsidian_vault(tmp_path / "obsidian", *links)
    expected = _views(plain, cache=True)
    assert [b["id"] for b in expected["show"]["Tree Company"]["backlinks"]] == ["Ann Lee", "Tree forklifts"]
    assert expected["show"]["Tree forklifts"]["timeline"]  # the call and the task are on the deal's timeline
    assert "Tree Company" in expected["where"]
    assert "Tree forklifts" in json.dumps(expected["agenda"])
    for cache in (True, False):  # from the index and from the files
        assert _views(written, cache) == expected


def test_site_pages_link_path_style_links_in_front_matter_and_body(tmp_path):
    vault = obsidian_vault(tmp_path / "v", *OBSIDIAN[0])
    vault.run("report", "--out", str(tmp_path / "site"), ok=True)
    pages = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")}
    account = next(text for name, text in pages.items() if name.startswith("tree-company") or "Tree Company</h1>" in text)
    assert "Tree forklifts" in account and "Ann Lee" in account
    call = next(text for text in pages.values() if "Call Ann</h1>" in text)
    assert 'class="wikilink missing"' not in call
    assert call.count('class="wikilink"') == 2


def test_a_path_to_where_the_record_is_not_is_broken_and_says_where_it_is(tmp_path):
    vault = obsidian_vault(tmp_path / "v", '"[[Accounts/Tree Company]]"', '"[[Ann Lee]]"', '"[[Deals/Tree forklift]]"')
    out = vault.run("check", ok=False).output
    assert ("People/Ann Lee.md:4: error[link-broken]: 'account' links to [[Accounts/Tree Company]], but there is "
            "no record at Accounts/Tree Company.md (a path is read from the vault root); Tree Company is at "
            'Companies/Tree Company.md: link it as "[[Tree Company]]"') in out
    assert ("Meetings/Call Ann.md:7: error[link-broken]: 'related' links to [[Deals/Tree forklift]], but there is "
            "no record at Deals/Tree forklift.md (a path is read from the vault root) "
            "(did you mean 'Tree forklifts'?)") in out
    # and a link that leads nowhere is nobody's backlink (Ann's and the deal's, here), from the index or the files
    vault.write("Deals/Tree forklifts.md", DEAL.format(link='"[[Companies/Tree Company]]"', contact='"[[Ann Lee]]"'))
    assert [b["id"] for b in vault.json("show", "Tree Company")["backlinks"]] == ["Tree forklifts"]
    assert [b["id"] for b in vault.json("--no-cache", "show", "Tree Company")["backlinks"]] == ["Tree forklifts"]


def test_a_path_link_to_a_file_that_cannot_be_read_is_that_files_error_only(tmp_path):
    vault = obsidian_vault(tmp_path / "v", '"[[Companies/Tree Company]]"', '"[[Ann Lee]]"', '"[[Tree forklifts]]"')
    vault.write("Companies/Tree Company.md", "---\ntype: account\nname: [Tree\n---\n")
    out = vault.run("check", ok=False).output
    assert "Companies/Tree Company.md:3: error[yaml-syntax]" in out
    assert "link-broken" not in out


@pytest.mark.parametrize("written, wikilink", [
    ("[Tree Company](../Companies/Tree%20Company.md)", "[[Tree Company]]"),
    ("[Tree](<Companies/Tree Company.md>)", "[[Tree Company]]"),
    ("[Tree](Tree%20Company.md#Sites \"the sites\")", "[[Tree Company]]"),
    ("acme", "[[acme]]"),
])
def test_a_link_key_in_another_shape_says_which_wikilink_to_write(tmp_path, written, wikilink):
    vault = obsidian_vault(tmp_path / "v", json.dumps(written), '"[[Ann Lee]]"', '"[[Tree forklifts]]"')
    out = vault.run("check", ok=False).output
    line = next(line for line in out.splitlines() if "People/Ann Lee.md:4: error[link-format]" in line)
    assert line.endswith(f'"{wikilink}"'), line


def test_a_web_address_in_a_link_key_is_not_made_a_wikilink(tmp_path):
    vault = obsidian_vault(tmp_path / "v", '"[Tree](https://tree.example/)"', '"[[Ann Lee]]"', '"[[Tree forklifts]]"')
    out = vault.run("check", ok=False).output
    assert "'account' holds '[Tree](https://tree.example/)'; a link key takes a wikilink to a record" in out
