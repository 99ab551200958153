"""Regressions from an adversarial review: each was a traceback, a silent change or a wrong result."""

from __future__ import annotations

import json

from conftest import git, make_vault


def test_custom_values_are_written_as_typed(vault):
    vault.run("new", "account", "Boston Co", "--zip", "02134", "--ref", "1.50", "--flag", "True",
              "--code", "1e3", "--seats", "12", ok=True)
    text = vault.read("accounts/boston-co.md")
    assert 'zip: "02134"' in text and 'ref: "1.50"' in text and 'flag: "True"' in text and 'code: "1e3"' in text
    assert "seats: 12\n" in text


def test_a_value_that_looks_like_an_option_is_a_value(vault):
    vault.run("new", "account", "Acme Two", "--notes", "-shipping delay", ok=True)
    assert 'notes: "-shipping delay"' in vault.read("accounts/acme-two.md")


def test_non_finite_amounts_are_errors(tmp_path):
    vault = make_vault(tmp_path / "v", {"opportunities/n.md":
                                        "---\ntype: opportunity\nname: N\nstage: prospecting\namount: .nan\n---\n"})
    assert "opportunities/n.md:5: error[value-type]: 'amount' must be a finite number" in vault.run("check").output
    data = json.loads(vault.run("pipeline", "--format", "json").stdout)  # still valid JSON
    assert data["stages"][0]["count"] == 1
    refused = vault.run("won", "acme-fleet-renewal", "--amount", "nan")
    assert refused.exit_code == 1 and "finite" in refused.stderr


def test_dates_out_of_range_are_usage_errors(vault):
    for args in (["pipeline", "--period", "0000"], ["--today", "9999-12-31", "agenda"],
                 ["agenda", "--date", "9999-12-31"]):
        result = vault.run(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, args
        value = next(a for a in args if a[:1].isdigit())
        assert value in result.stderr and "1900" in result.stderr and "9000" in result.stderr, result.stderr


def test_report_does_not_overwrite_foreign_files(vault, tmp_path):
    mine = tmp_path / "mysite"
    mine.mkdir()
    (mine / "index.html").write_text("MY OWN PAGE")
    refused = vault.run("report", "--out", str(mine))
    assert refused.exit_code == 2 and "did not make" in refused.stderr
    assert (mine / "index.html").read_text() == "MY OWN PAGE"
    assert vault.run("report", "--out", str(vault.root / "leads")).exit_code == 2
    vault.run("report", "--out", str(mine), "--force", ok=True)
    vault.run("report", "--out", str(mine), ok=True)  # ours now: no --force needed


def test_body_wikilinks_lead_to_existing_pages(vault, tmp_path):
    vault.run("report", "--out", str(tmp_path / "site"), ok=True)
    page = tmp_path / "site" / "records" / "acme-fleet-renewal.html"
    vault.write("opportunities/acme-fleet-renewal.md",
                vault.read("opportunities/acme-fleet-renewal.md") + "See [[acme-corp]].\n")
    vault.run("report", "--out", str(tmp_path / "site"), ok=True)
    html = page.read_text()
    href = html.split('class="wikilink"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert (page.parent / href).resolve() == (tmp_path / "site" / "records" / "acme-corp.html").resolve()


def test_a_merge_that_undoes_won_is_caught(tmp_path):
    vault = make_vault(tmp_path / "v")
    vault.commit("initial")
    git(vault.root, "checkout", "-q", "-b", "side")
    vault.run("won", "acme-fleet-renewal", ok=True)
    vault.commit("won")
    git(vault.root, "checkout", "-q", "main")
    vault.run("move", "acme-fleet-renewal", "negotiation", ok=True)
    vault.commit("negotiating")
    try:
        git(vault.root, "merge", "-q", "side")
    except Exception:
        git(vault.root, "checkout", "--ours", "opportunities/")
        vault.commit("merge, keeping ours")
    assert "terminal-left" in vault.run("check").output
    assert "terminal-left" in vault.run("check", "--history").output


def test_a_staged_rename_keeps_its_history(tmp_path):
    vault = make_vault(tmp_path / "v")
    vault.run("won", "acme-fleet-renewal", ok=True)
    vault.commit("won")
    git(vault.root, "mv", "opportunities/acme-fleet-renewal.md", "opportunities/acme-renewal.md")
    for rel in ("leads/jane-doe-inquiry.md", "activities/call-jane.md", "tasks/send-quote.md",
                "tasks/chase-quote.md", "notes/trade-in-terms.md", "opportunities/acme-renewal.md"):
        vault.write(rel, vault.read(rel).replace("[[acme-fleet-renewal]]", "[[acme-renewal]]")
                    .replace("stage: won", "stage: proposal"))
    git(vault.root, "add", "-A")
    assert "opportunities/acme-renewal.md:4: error[terminal-left]" in vault.run("check", "--staged").output


def test_a_damaged_history_cache_is_rebuilt(vault):
    vault.commit("initial")
    first = vault.run("check", "--history", ok=True).output
    for junk in ("[]", '{"version": 2, "facts": 5}', '{"version": 2, "facts": {}, "commits": "x", "head": 1}'):
        (vault.root / ".salesmd" / "history.json").write_text(junk)
        assert vault.run("check", "--history", ok=True).output == first
        assert isinstance(json.loads((vault.root / ".salesmd" / "history.json").read_text()), dict)  # rebuilt


def test_check_of_a_missing_path_is_an_error(vault):
    result = vault.run("check", str(vault.root / "nosuch.md"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_commit_outside_git_writes_nothing(tmp_path):
    vault = make_vault(tmp_path / "v", git_init=False)
    result = vault.run("new", "account", "Xylo", "--commit")
    assert result.exit_code == 1 and "git repository" in result.stderr
    assert not (vault.root / "accounts" / "xylo.md").exists()


def test_move_refuses_a_stage_in_set(vault):
    result = vault.run("move", "acme-fleet-renewal", "proposal", "--set", "stage=negotiation")
    assert result.exit_code == 1 and "STAGE argument" in result.stderr


def test_terminal_control_characters_are_neutralised(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/evil.md": '---\ntype: account\nname: "evil\\e]0;pwned\\a"\n---\n'})
    for args in (["list", "account"], ["show", "evil"]):
        out = vault.run(*args, ok=True).output
        assert "\x1b" not in out and "\x07" not in out and "\ufffd]0;pwned" in out


def test_ids_that_links_cannot_name_are_refused(vault):
    for bad in ("a#b", "x|y", "[[x]]", " pad"):
        result = vault.run("new", "account", "Whatever", "--id", bad)
        assert result.exit_code == 1 and "cannot be an id" in result.stderr, bad


def test_names_in_other_scripts_make_distinct_ids(vault):
    vault.run("new", "account", "東京 Logistics", ok=True)
    vault.run("new", "account", "Москва Freight", ok=True)
    assert (vault.root / "accounts" / "東京-logistics.md").exists()
    assert (vault.root / "accounts" / "москва-freight.md").exists()
    vault.run("check", ok=True)


def test_report_dir_may_not_hide_records(tmp_path):
    from salesmd.config import default_config_text

    vault = make_vault(tmp_path / "v", config=default_config_text().replace("report_dir: _site", "report_dir: leads"))
    result = vault.run("check")
    assert "error[config-value]: 'report_dir' must be a folder inside the vault that holds no records" in result.output
    assert "bolt-builders" in vault.run("list", "lead").output


def test_an_offset_datetime_shows_its_local_time(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        vault = make_vault(tmp_path / "v", {"tasks/tz.md": "---\ntype: task\nsubject: Call Pune\nstatus: open\n"
                                                           "due: 2026-11-25T02:00+05:00\n---\n"})
        out = vault.run("--today", "2026-11-24", "agenda", "--days", "2", ok=True).output
        day = out.split("Tue 2026-11-24", 1)[1].split("Wed 2026-11-25", 1)[0]
        assert "21:00" in day and "Call Pune" in day
    finally:
        monkeypatch.undo()
        time.tzset()
