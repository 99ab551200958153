"""`salesmd check`: every problem code fires at the right file and line, and only there."""

from __future__ import annotations

import json
import os

import pytest

from conftest import BASE, make_vault


def test_base_vault_is_clean(vault):
    result = vault.run("check", ok=True)
    assert result.output.strip() == "9 records checked: 0 errors, 0 warnings"


def _record(rel: str, text: str) -> dict:
    return {rel: text}


LEAD = "---\ntype: lead\nname: Zed\nstage: new\n{extra}---\nBody\n"

# (code, files to add or replace, path, line, a phrase the message must contain)
CASES = [
    ("yaml-syntax", {"leads/zed.md": "---\ntype: lead\nname: [Zed\nstage: new\n---\n"}, "leads/zed.md", 4, "flow sequence (on line 3)"),
    ("duplicate-key", {"leads/zed.md": LEAD.format(extra="stage: contacted\n")}, "leads/zed.md", 5,
     "appears twice (first on line 4)"),
    ("yaml-tag", {"leads/zed.md": LEAD.format(extra="x: !!python/object/apply:os.system ['echo hi']\n")},
     "leads/zed.md", 5, "not allowed"),
    ("yaml-alias", {"leads/zed.md": LEAD.format(extra="a: &x [1, 2]\nb: [*x, *x]\n")}, "leads/zed.md", 5, "aliases"),
    ("yaml-depth", {"leads/zed.md": LEAD.format(extra="x: " + "[" * 3000 + "]" * 3000 + "\n")}, "leads/zed.md", 5,
     "nested deeper"),
    ("yaml-depth", {"leads/zed.md": LEAD.format(extra="x: " + "[" * 100 + "]" * 100 + "\n")}, "leads/zed.md", 5,
     "nested deeper"),
    ("yaml-depth", {"leads/zed.md": LEAD.format(extra="".join("  " * i + f"k{i}:\n" for i in range(70)))},
     "leads/zed.md", 70, "nested deeper"),
    ("frontmatter-unclosed", {"leads/zed.md": "---\ntype: lead\nname: Zed\n"}, "leads/zed.md", 1, "never closed"),
    ("frontmatter-not-mapping", {"leads/zed.md": "---\n- a\n- b\n---\n"}, "leads/zed.md", 2, "key: value"),
    ("conflict-marker", {"leads/zed.md": "---\ntype: lead\nname: Zed\n<<<<<<< HEAD\nstage: new\n=======\n"
                                         "stage: contacted\n>>>>>>> theirs\n---\n"}, "leads/zed.md", 4, "conflict"),
    ("encoding", {"leads/zed.md": b"---\ntype: lead\nname: Z\xe9d\nstage: new\n---\n"}, "leads/zed.md", 3, "UTF-8"),
    ("file-too-large", {"leads/zed.md": LEAD.format(extra="") + "x" * 1_100_000}, "leads/zed.md", 1, "limit"),
    ("empty-file", {"leads/zed.md": ""}, "leads/zed.md", 1, "empty"),
    ("type-unknown", {"leads/zed.md": "---\ntype: leed\nname: Zed\n---\n"}, "leads/zed.md", 2, "did you mean 'lead'"),
    ("key-missing", {"leads/zed.md": "---\ntype: lead\nname: Zed\n---\n"}, "leads/zed.md", 2, "'stage' is missing"),
    ("value-type", {"leads/zed.md": LEAD.format(extra="phone: 0123456\n")}, "leads/zed.md", 5, "quote it"),
    ("value-type", {"accounts/zed.md": "---\ntype: account\nname: 2026-01-01\n---\n"}, "accounts/zed.md", 3,
     "read it as a date"),
    ("value-type", {"leads/zed.md": LEAD.format(extra="email: true\n")}, "leads/zed.md", 5, "boolean"),
    ("value-type", {"opportunities/o.md": "---\ntype: opportunity\nname: O\nstage: prospecting\n"
                                          "amount: $48,000\n---\n"}, "opportunities/o.md", 5, "plain number"),
    ("value-type", {"notes/n.md": "---\ntype: note\ntitle: N\ndate: 2026-02-30\n---\n"}, "notes/n.md", 4, "YYYY-MM-DD"),
    ("value-type", {"contacts/c.md": "---\ntype: contact\nname: C\naccount: [[acme-corp]]\n---\n"}, "contacts/c.md", 4,
     "nested list"),
    ("key-unknown", {"leads/zed.md": LEAD.format(extra="compnay: Zed Inc\n")}, "leads/zed.md", 5,
     "did you mean 'company'"),
    ("id-duplicate", {"notes/Acme-Corp.md": "---\ntype: note\ntitle: Dup\ndate: 2026-11-01\n---\n"},
     "notes/Acme-Corp.md", 2, "already used by accounts/acme-corp.md"),
    ("link-broken", {"contacts/c.md": "---\ntype: contact\nname: C\naccount: \"[[acme-crop]]\"\n---\n"},
     "contacts/c.md", 4, "did you mean 'acme-corp'"),
    ("link-type", {"contacts/c.md": "---\ntype: contact\nname: C\naccount: \"[[jane-doe]]\"\n---\n"},
     "contacts/c.md", 4, "must link to an account"),
    ("link-format", {"contacts/c.md": "---\ntype: contact\nname: C\naccount: acme-corp\n---\n"}, "contacts/c.md", 4,
     "quoted wikilinks"),
    ("stage-unknown", {"leads/zed.md": "---\ntype: lead\nname: Zed\nstage: qualifed\n---\n"}, "leads/zed.md", 4,
     "did you mean 'qualified'"),
    ("stage-requires", {"opportunities/o.md": "---\ntype: opportunity\nname: O\nstage: proposal\namount: 5\n---\n"},
     "opportunities/o.md", 4, "requires 'close_date'"),
    ("kind-unknown", {"activities/a.md": "---\ntype: activity\nsubject: A\nkind: lunch\nstatus: done\n"
                                         "start: 2026-11-01T12:00\n---\n"}, "activities/a.md", 4, "activity kind"),
    ("status-unknown", {"tasks/t.md": "---\ntype: task\nsubject: T\nstatus: doing\ndue: 2026-11-01\n---\n"},
     "tasks/t.md", 4, "task status"),
    ("end-before-start", {"activities/a.md": "---\ntype: activity\nsubject: A\nkind: call\nstatus: done\n"
                                             "start: 2026-11-01T12:00\nend: 2026-11-01T11:00\n---\n"},
     "activities/a.md", 7, "before start"),
    ("follows-cycle", {"tasks/send-quote.md": BASE["tasks/send-quote.md"].replace(
        "owner: maria", "owner: maria\n        follows: \"[[chase-quote]]\"")}, "tasks/send-quote.md", 8, "circle"),
    ("conversion", {"opportunities/acme-fleet-renewal.md": BASE["opportunities/acme-fleet-renewal.md"].replace(
        "        lead: \"[[jane-doe-inquiry]]\"\n", "")}, "leads/jane-doe-inquiry.md", 6, "is not set"),
    ("conversion", {"opportunities/o.md": "---\ntype: opportunity\nname: O\nstage: prospecting\n"
                                          "lead: \"[[bolt-builders]]\"\n---\n"}, "opportunities/o.md", 5, "contacted"),
    ("conversion", {"leads/zed.md": LEAD.format(extra="converted_to: \"[[acme-fleet-renewal]]\"\n")},
     "leads/zed.md", 4, "stage is 'new'"),
]


@pytest.mark.parametrize("code,files,path,line,phrase", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_problem_is_reported_at_its_file_and_line(tmp_path, monkeypatch, code, files, path, line, phrase):
    vault = make_vault(tmp_path / "v", files)
    monkeypatch.chdir(vault.root)  # paths are shown relative to where the user stands
    before = vault.snapshot()
    result = vault.run("check")
    report = json.loads(vault.run("check", "--format", "json").stdout)
    after = vault.snapshot()
    assert "Traceback" not in result.output
    severity = "warning" if code in ("key-unknown", "empty-file") else "error"
    assert result.exit_code == (1 if severity == "error" else 0), result.output
    expected = f"{path}:{line}: {severity}[{code}]: "
    lines = [l for l in result.output.splitlines() if l.startswith(expected)]
    assert lines, f"expected {expected!r} in:\n{result.output}"
    assert phrase in lines[0]
    # json carries the same fields
    assert any(p["code"] == code and p["line"] == line and p["path"].endswith(path) for p in report["problems"])
    # and one broken file does not make the rest noisy: every problem is in the file we broke
    # or about the link to it
    assert before == after, "check must never change a file"


def test_problem_paths_are_shown_from_where_the_user_stands(tmp_path, monkeypatch):
    vault = make_vault(tmp_path / "v", {"leads/zed.md": LEAD.format(extra="stage: bogus\n")})
    monkeypatch.chdir(tmp_path)
    assert "\nv/leads/zed.md:" in "\n" + vault.run("check").output
    far = tmp_path / "a" / "b" / "c"
    far.mkdir(parents=True)
    monkeypatch.chdir(far)  # three levels of ../ is harder to read than the absolute path
    assert f"\n{vault.root}/leads/zed.md:" in "\n" + vault.run("check").output


@pytest.mark.parametrize("extra,line,fix", [
    ("company: Acme: fleet renewal\n", 5, 'quote the value: company: "Acme: fleet renewal"'),
    ("company: Acme:\n", 5, 'quote the value: company: "Acme:"'),
    ("company: @acme  # handle\n", 5, 'quote the value: company: "@acme"'),
    ("company: `acme`\n", 5, 'quote the value: company: "`acme`"'),
    ("company: - fleet\n", 5, 'quote the value: company: "- fleet"'),
    ('company: "Acme" fleet\n', 5, """quote the value: company: '"Acme" fleet'"""),
    ('company: "Tom "Bull" Lee"\n', 5, """quote the value: company: 'Tom "Bull" Lee'"""),  # the outer quotes hold it
    ("tags:\n  - x: Acme: fleet\n", 6, 'quote the value: - x: "Acme: fleet"'),
    ("tags:\n\t- x\n", 6, "indent with spaces"),
])
def test_common_yaml_mistakes_say_how_to_quote_at_their_line(tmp_path, monkeypatch, extra, line, fix):
    """The hint comes from the line itself, so it does not hang on any parser's wording."""
    vault = make_vault(tmp_path / "v", {"leads/zed.md": LEAD.format(extra=extra)})
    monkeypatch.chdir(vault.root)
    result = vault.run("check")
    assert result.exit_code == 1 and "Traceback" not in result.output
    found = [l for l in result.output.splitlines() if l.startswith(f"leads/zed.md:{line}: error[yaml-syntax]: ")]
    assert found and fix in found[0], result.output


def test_crlf_and_bom_are_read(tmp_path):
    text = "\ufeff---\r\ntype: lead\r\nname: Crlf Co\r\nstage: new\r\nphone: \"0123\"\r\n---\r\nBody\r\n"
    vault = make_vault(tmp_path / "v", {"leads/crlf-co.md": text.encode("utf-8")})
    vault.run("check", ok=True)
    data = vault.json("show", "crlf-co")
    assert data["fields"]["phone"] == "0123"
    assert data["fields"]["name"] == "Crlf Co"


def test_yaml_12_meaning(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/norway.md":
                                        "---\ntype: account\nname: Norway AS\nindustry: NO\nwebsite: yes\n---\n"})
    vault.run("check", ok=True)
    fields = vault.json("show", "norway")["fields"]
    assert fields["industry"] == "NO" and fields["website"] == "yes"


def test_symlink_outside_vault_is_not_read(tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntype: note\ntitle: Secret\ndate: 2026-01-01\n---\nsecret\n")
    vault = make_vault(tmp_path / "v")
    os.symlink(secret, vault.root / "notes" / "leak.md")
    result = vault.run("check", ok=False)
    assert "notes/leak.md:1: error[path-escape]" in result.output
    assert vault.run("show", "leak").exit_code == 1


def test_non_records_are_skipped_and_only_counted(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "daily/2026-11-24.md": "---\ntags: [daily]\nmood: good\n---\nA daily note.\n",
        "daily/broken.md": "---\ntitle: [unclosed\n---\n",
        "leads/notes-without-front-matter.md": "Just text.\n",
        ".obsidian/x.md": "---\ntype: lead\n---\n",
        "_site/page.md": "---\ntype: lead\n---\n",
    })
    result = vault.run("check", ok=True)
    assert "0 errors, 0 warnings" in result.output
    assert not any(skipped in result.output for skipped in ("daily/", "notes-without", ".obsidian", "_site/"))
    assert result.output.endswith("\n2 files with front matter are not records "
                                  "(1 without a type, 1 whose front matter could not be read); -v lists them\n")


def test_record_outside_default_folders_counts(tmp_path):
    vault = make_vault(tmp_path / "v", {"archive/2025/old-lead.md": "---\ntype: lead\nname: Old\nstage: nwe\n---\n"})
    result = vault.run("check", ok=False)
    assert "archive/2025/old-lead.md:4: error[stage-unknown]" in result.output


def test_broken_file_does_not_cascade_into_link_errors(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/acme-corp.md": "---\ntype: account\nname: [Acme\n---\n"})
    result = vault.run("check", ok=False)
    assert "link-broken" not in result.output
    assert "accounts/acme-corp.md:3: error[yaml-syntax]" in result.output


def test_paths_filter_and_strict(tmp_path):
    vault = make_vault(tmp_path / "v", {"leads/zed.md": LEAD.format(extra="compnay: Z\n"),
                                        "notes/n.md": "---\ntype: note\ntitle: N\n---\n"})
    only_leads = vault.run("check", str(vault.root / "leads"))
    assert "key-unknown" in only_leads.output and "notes/n.md" not in only_leads.output
    assert only_leads.exit_code == 0
    assert vault.run("check", "--strict", str(vault.root / "leads")).exit_code == 1
    assert vault.run("check").exit_code == 1


def test_verbose_shows_stage_timings(vault):
    result = vault.run("-v", "check", ok=True)
    for stage in ("config", "walk", "read+parse", "build", "checks", "save index", "total"):
        assert f"  {stage}" in result.stderr


def test_config_errors(tmp_path):
    vault = make_vault(tmp_path / "v", config="currency: dollars\nstale_dayz: 3\npipelines:\n  lead: 5\n")
    result = vault.run("check", ok=False)
    assert "salesmd.yaml:1: error[config-value]: 'currency' must be an ISO 4217 code" in result.output
    assert "salesmd.yaml:2: warning[config-unknown-key]: unknown setting 'stale_dayz' (did you mean 'stale_days'?)" \
        in result.output
    assert "salesmd.yaml:3: error[config-value]" in result.output


def test_unreadable_config_exits_2(tmp_path):
    vault = make_vault(tmp_path / "v", config="pipelines: [unclosed\n")
    result = vault.run("check")
    assert result.exit_code == 2
    assert "salesmd.yaml:1: error[config-yaml-syntax]" in result.stderr


def test_no_vault_found_exits_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from salesmd.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SALESMD_VAULT", raising=False)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "no salesmd.yaml found" in result.stderr


def test_vault_found_from_a_subfolder(vault, monkeypatch):
    from click.testing import CliRunner

    from salesmd.cli import main

    monkeypatch.chdir(vault.root / "leads")
    monkeypatch.delenv("SALESMD_VAULT", raising=False)
    result = CliRunner().invoke(main, ["list", "lead"])
    assert result.exit_code == 0 and "bolt-builders" in result.output


def test_a_cycle_at_the_end_of_a_long_follow_up_chain_is_reported_once_on_each_of_its_tasks(tmp_path, monkeypatch):
    # t-000 follows t-003, and every later task follows the one before: the walk from any task
    # runs down the chain into the circle t-000 -> t-003 -> t-002 -> t-001 -> t-000
    def task(i: int, follows: int | None) -> str:
        link = f'follows: "[[t-{follows:03d}]]"\n' if follows is not None else ""
        return f"---\ntype: task\nsubject: Check in {i}\nstatus: open\ndue: 2026-11-26\n{link}---\n"

    files = {f"tasks/t-{i:03d}.md": task(i, 3 if i == 0 else i - 1) for i in range(300)}
    vault = make_vault(tmp_path / "v", files)
    monkeypatch.chdir(vault.root)
    result = vault.run("check")
    cycle = [l for l in result.output.splitlines() if "[follows-cycle]" in l]
    assert sorted(l.split(":")[0] for l in cycle) == [f"tasks/t-{i:03d}.md" for i in range(4)]
    assert all(l.endswith("follow-up chain goes round in a circle: t-000 -> t-003 -> t-002 -> t-001 -> t-000")
               for l in cycle), cycle
    assert "0 errors" not in result.output and result.exit_code == 1
