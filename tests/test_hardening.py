"""Regressions from an adversarial review: each was a traceback, a silent change or a wrong result."""

from __future__ import annotations

import json

from conftest import git, history_row, make_vault


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
    for junk in ("[]", '{"version": 5, "facts": 5}', '{"version": 5, "facts": {}, "commits": "x", "head": 1}'):
        history_row(vault.root, junk)
        assert vault.run("check", "--history", ok=True).output == first
        assert isinstance(json.loads(history_row(vault.root)), dict)  # rebuilt


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
        assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned" in out


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


# A vault's templates come from whoever can push to it: they render in a sandbox, and fail located.
ESCAPES = [
    '{{ cycler.__init__.__globals__.os.popen("touch MARKER").read() }}',
    '{{ lipsum.__globals__["os"].popen("touch MARKER").read() }}',
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'Popen' %}"
    "{{ c(['touch', 'MARKER']) }}{% endif %}{% endfor %}",
    '{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system("touch MARKER") }}',
]


def _escapes(marker):
    return [e.replace("MARKER", str(marker)) for e in ESCAPES]


def test_a_vault_page_template_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    for payload in _escapes(marker):
        for text in (f"<p>\n{payload}</p>",
                     '{% extends "default:pipeline.html" %}{% block title %}\n' + payload + "{% endblock %}"):
            vault = make_vault(tmp_path / "v", {"templates/pipeline.html": text}, git_init=False)
            result = vault.run("report", "--out", str(tmp_path / "site"))
            assert result.exit_code == 2, result.output
            assert "templates/pipeline.html:2: error[template-unsafe]: " in result.stderr, result.output
            assert "Traceback" not in result.output and not marker.exists(), payload


def test_a_vault_skeleton_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    for payload in _escapes(marker):
        vault = make_vault(tmp_path / "v", {"templates/skeletons/account.md":
                                            "---\ntype: account\nname: {{ name | yaml }}\n" + payload + "\n---\n"},
                           git_init=False)
        result = vault.run("new", "account", "Evil Co")
        assert result.exit_code == 1, result.output
        assert "templates/skeletons/account.md:4: error[template-unsafe]: " in result.stderr, result.output
        assert not marker.exists() and not (vault.root / "accounts/evil-co.md").exists(), payload


def test_watch_rebuilds_with_the_sandbox_too(tmp_path):
    from test_watch import Watcher

    marker = tmp_path / "pwned"
    vault = make_vault(tmp_path / "v")
    w = Watcher(vault, tmp_path / "site")
    try:
        w.wait_for("watching")
        vault.write("templates/agenda.html", "hi\n" + _escapes(marker)[0])
        assert "templates/agenda.html:2: error[template-unsafe]: " in w.wait_for("rebuild failed")
        vault.write("templates/agenda.html", "{% extends 'default:agenda.html' %}")
        w.wait_for("rebuilt")
    finally:
        assert w.stop() == 0
    assert not marker.exists()


def test_template_mistakes_are_located_problems(tmp_path):
    cases = {
        "{% if %}": ("templates/agenda.html:2: error[template]: ", 2),
        "{{ nobody.name }}": ("templates/agenda.html:2: error[template]: ", 2),
        "{{ agenda.nothing_here.x }}": ("templates/agenda.html:2: error[template]: ", 2),
        "{{ 1 / 0 }}": ("templates/agenda.html:2: error[template]: ", 2),
        "{% include 'missing.html' %}": ("templates/agenda.html:2: error[template]: ", 2),
        "{{ agenda.schedule.append(1) }}": ("templates/agenda.html:2: error[template-unsafe]: ", 2),
    }
    for text, (expected, code) in cases.items():
        vault = make_vault(tmp_path / "v", {"templates/agenda.html": "<p>\n" + text}, git_init=False)
        result = vault.run("report", "--out", str(tmp_path / "site"))
        assert result.exit_code == code and expected in result.stderr, (text, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output, text
    vault = make_vault(tmp_path / "w", {"templates/skeletons/lead.md": "---\ntype: lead\n{{ stage }\n---\n"},
                       git_init=False)
    result = vault.run("new", "lead", "Nope")
    assert result.exit_code == 1 and "templates/skeletons/lead.md:3: error[template]: " in result.stderr, result.output


def test_templates_cannot_use_paths_to_touch_files(tmp_path):
    import jinja2

    from salesmd.render.templating import TemplateProblem, render, sandbox

    env = sandbox(jinja2.DictLoader({"t.html": "{{ p.name }}\n{{ p.write_text('x') }}"}))
    try:
        render(env, "t.html", tmp_path, p=tmp_path / "victim.txt")
    except TemplateProblem as e:
        assert e.code == "template-unsafe" and e.line == 2
    else:
        raise AssertionError("a template wrote a file through a path")
    assert not (tmp_path / "victim.txt").exists()
    assert render(env.overlay(loader=jinja2.DictLoader({"t.html": "{{ p.name }}"})), "t.html", tmp_path,
                  p=tmp_path / "victim.txt") == "victim.txt"


def _odd_files(root):
    """A link to itself, a dangling link, a link to a folder, a FIFO, a link to a FIFO: none is a file."""
    import os

    os.symlink("loop.md", root / "leads/loop.md")
    os.symlink("nothing-here.md", root / "leads/dangling.md")
    (root / "folder").mkdir()
    os.symlink("../folder", root / "leads/folder.md")
    os.mkfifo(root / "leads/fifo.md")
    os.symlink("fifo.md", root / "leads/to-fifo.md")
    return ["leads/loop.md", "leads/dangling.md", "leads/folder.md", "leads/fifo.md", "leads/to-fifo.md"]


def test_links_that_loop_or_lead_nowhere_and_fifos_are_located_problems(vault):
    import os

    odd = _odd_files(vault.root)
    for args in (["check"], ["check"], ["--no-cache", "check"]):
        result = vault.run(*args)  # the first check is full, the second answers from the check state
        assert result.exit_code == 1 and "Traceback" not in result.output, (args, result.output)
        for rel in odd:
            assert f"{rel}:1: error[unreadable]" in result.output, (args, rel)
    found = {(p["path"].split("vault/")[-1], p["line"], p["code"]) for p in vault.json("check")["problems"]}
    assert found == {(rel, 1, "unreadable") for rel in odd}
    assert "loops back on itself" in vault.run("check").output
    assert "loop.md:1: error[unreadable]" in vault.run("check", str(vault.root / "leads/loop.md")).output
    vault.write("leads/bolt-builders.md", vault.read("leads/bolt-builders.md").replace("contacted", "new"))
    assert "leads/fifo.md:1: error[unreadable]" in vault.run("check").output  # incremental, after an edit
    assert "bolt-builders" in vault.run("list", "lead", ok=True).output
    for args in (["agenda"], ["pipeline"], ["export", "lead", "--format", "json"], ["show", "acme-corp"]):
        vault.run(*args, ok=True)
    report = vault.run("report", "--out", str(vault.root.parent / "site"), ok=True)
    assert "problems" in report.output
    for name, target in (("loop", "loop"), ("nowhere", "missing")):  # --out itself a bad link
        os.symlink(target, vault.root.parent / name)
        result = vault.run("report", "--out", str(vault.root.parent / name))
        assert result.exit_code == 2 and "not a folder" in result.stderr, result.output


def test_watch_reports_a_link_to_itself(tmp_path):
    import os

    from test_watch import Watcher

    vault = make_vault(tmp_path / "v")
    w = Watcher(vault, tmp_path / "site")
    try:
        w.wait_for("watching")
        os.symlink("loop.md", vault.root / "leads/loop.md")
        assert "leads/loop.md:1: error[unreadable]" in w.wait_for("new:")
        w.wait_for("rebuilt")
    finally:
        assert w.stop() == 0


def _strict_json(text):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_infinite_and_nan_values_are_valid_json(tmp_path):
    vault = make_vault(tmp_path / "v", {"leads/odd.md": "---\ntype: lead\nname: Odd\nstage: new\nscore: .inf\n"
                                                        "floor: -.inf\nratio: .nan\nsizes: [1, .inf]\n---\n"})
    vault.commit("odd lead")
    vault.write("leads/odd.md", vault.read("leads/odd.md").replace("score: .inf", "score: -.inf"))
    vault.commit("score down")
    listed = next(r for r in _strict_json(vault.run("list", "lead", "--format", "json", ok=True).stdout)
                  if r["id"] == "odd")
    assert (listed["score"], listed["floor"], listed["ratio"], listed["sizes"]) == ("-.inf", "-.inf", ".nan", [1, ".inf"])
    shown = vault.run("show", "odd", "--format", "json", ok=True).stdout
    assert ".nan" in shown and _strict_json(shown)
    exported = vault.run("export", "lead", "--format", "json", ok=True).stdout
    assert [r["fields"]["ratio"] for r in _strict_json(exported) if r["id"] == "odd"] == [".nan"]
    history = vault.run("history", "odd", "--format", "json", ok=True).stdout
    assert '".inf"' in history and _strict_json(history)
    for args in (["check"], ["agenda"], ["pipeline", "--pipeline", "lead"]):
        _strict_json(vault.run(*args, "--format", "json").stdout)


def test_a_template_linked_to_a_file_outside_the_vault_is_not_read(tmp_path):
    import os

    secret = tmp_path / "secret.txt"
    secret.write_text("---\ntype: note\ntitle: aws_secret_access_key\ndate: 2026-11-24\n---\nSECRET\n")
    vault = make_vault(tmp_path / "v")
    (vault.root / "templates/skeletons").mkdir(parents=True)
    os.symlink(secret, vault.root / "templates/skeletons/note.md")
    os.symlink(secret, vault.root / "templates/agenda.html")
    result = vault.run("new", "note", "Minutes")
    assert result.exit_code == 1 and "templates/skeletons/note.md:1: error[template-unsafe]" in result.stderr
    assert not (vault.root / "notes/minutes.md").exists()
    result = vault.run("report", "--out", str(tmp_path / "site"))
    assert result.exit_code == 2 and "templates/agenda.html:1: error[template-unsafe]" in result.stderr
    assert not (tmp_path / "site" / "agenda.html").exists()


def test_a_cache_file_that_is_a_fifo_or_a_device_is_not_read(vault):
    import os
    import subprocess
    import sys

    vault.commit("initial")  # so that check reads git history through the index too
    (vault.root / ".salesmd").mkdir()
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm", "journal"):
        for make in (lambda p: os.mkfifo(p), lambda p: os.symlink("/dev/zero", p)):
            cache = vault.root / ".salesmd" / name
            if os.path.lexists(cache):
                os.unlink(cache)
            make(cache)
            for args in (["check"], ["check", "--history"], ["pipeline"]):
                result = subprocess.run([sys.executable, "-m", "salesmd", "--vault", str(vault.root), *args],
                                        capture_output=True, text=True, timeout=60)
                assert result.returncode == 0 and "Traceback" not in result.stderr, (name, args, result.stderr)
                assert "records checked" in result.stdout or args == ["pipeline"], (name, args, result.stdout)


def test_the_pre_commit_check_follows_a_staged_link_as_the_full_check_does(vault, monkeypatch):
    # git stores a symbolic link as the path it leads to: read as a file, a staged self-link
    # ("loop.md") would pass the hook, and a link to a record would be read as a broken one
    import os

    monkeypatch.chdir(vault.root)
    vault.commit("initial")
    os.symlink("loop.md", vault.root / "leads/loop.md")
    os.symlink("bolt-builders.md", vault.root / "leads/bolt-alias.md")
    git(vault.root, "add", "-A")
    result = vault.run("check", "--staged")
    assert result.exit_code == 1, result.output
    assert "leads/loop.md:1: error[unreadable]" in result.output and "loops back on itself" in result.output
    alias = [line for line in vault.run("check").output.splitlines() if "bolt-alias" in line]
    assert [line for line in result.output.splitlines() if "bolt-alias" in line] == alias


def test_a_cache_save_killed_half_way_leaves_no_temporary_file_for_long(vault):
    # a kill while a file under .salesmd/ is written (a journal, its .gitignore) leaves its temporary
    # file: the next command removes those older than ten minutes, and leaves a young one (a write at work)
    import os
    import time

    vault.commit("initial")
    vault.run("check", ok=True)
    folder = vault.root / ".salesmd"
    old, young = folder / ".journal.k1ll3d.tmp", folder / ".gitignore.k1ll3d.tmp"
    for path in (old, young):
        path.write_bytes(b"half a cache")
    stamp = time.time() - 3600
    os.utime(old, (stamp, stamp))
    vault.write("leads/bolt-builders.md", vault.read("leads/bolt-builders.md").replace("contacted", "new"))
    vault.run("list", "lead", ok=True)  # reads (and updates) the index
    assert not old.exists() and young.exists()
