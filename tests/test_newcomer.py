"""Small things a newcomer trips on: the README's own examples work as written, options go where
people put them, ids are suggested from names, data cannot drive the terminal."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from click.testing import CliRunner

from conftest import git, make_vault
from salesmd.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


def readme_mapping_lines() -> str:
    """The mapping file the README describes: its `"Column": key` examples, one a line."""
    readme = (ROOT / "README.md").read_text()
    sentence = readme[readme.index("a mapping\n  file sends each column"):].split("(`skip`", 1)[0]
    return "\n".join(re.findall(r"`(\"[^`]+\": \w+)`", sentence)) + "\n"


def test_the_readmes_webform_import_checks_strict_clean(tmp_path):
    vault = make_vault(tmp_path / "crm", base=False)
    mapping = tmp_path / "webform.yaml"
    mapping.write_text(readme_mapping_lines(), encoding="utf-8")
    assert '"Ref": source_id' in mapping.read_text()
    form = tmp_path / "webform.csv"
    form.write_text("Full name,E-mail,Ref\nAna Ruiz,ana@bolt.example,F-1001\nTom Becker,tom@becker.example,F-1002\n",
                    encoding="utf-8")
    vault.run("import", "csv", str(form), "--type", "lead", "--mapping", str(mapping), ok=True)
    assert "source_id: webform:F-1001" in vault.read("leads/ana-ruiz.md")
    result = vault.run("check", "--strict")
    assert result.exit_code == 0, result.output
    assert "2 records checked: 0 errors, 0 warnings" in result.output


def test_source_id_is_a_known_key_on_every_type_import_writes(tmp_path):
    from salesmd.cli.data import IMPORT_TYPES
    from salesmd.schema import KEYS

    assert all(KEYS[t].get("source_id") == "str" for t in IMPORT_TYPES)
    vault = make_vault(tmp_path / "crm", {"leads/lead-a.md": "---\ntype: lead\nname: A\nstage: new\n"
                                                            "source_id: \"webform:7\"\n---\n"}, base=False)
    assert vault.run("check", "--strict").exit_code == 0


def test_a_mapping_adds_to_the_recognised_preset(tmp_path):
    """A Salesforce report with a mapping for one extra column still imports with the preset's columns."""
    vault = make_vault(tmp_path / "crm", base=False)
    mapping = tmp_path / "extra.yaml"
    mapping.write_text('"Next Step": next_step\n"Lead Source": skip\n', encoding="utf-8")
    result = vault.run("import", "csv", str(DATA / "salesforce-opportunities.csv"), "--mapping", str(mapping),
                       "--default", "lost_reason=not recorded in Salesforce")
    assert result.exit_code == 0, result.output
    assert "preset salesforce (recognised from the header)" in result.output
    pinnacle = vault.read("opportunities/pinnacle-electric-forklift-fleet.md")
    assert "next_step: Send revised quote" in pinnacle and "stage: prospecting" in pinnacle
    assert "source_id: salesforce:" in pinnacle and "lead_source" not in pinnacle
    # the mapping overrides a column of the preset
    mapping.write_text('"Opportunity Owner": skip\n', encoding="utf-8")
    again = vault.run("import", "csv", str(DATA / "salesforce-opportunities.csv"), "--mapping", str(mapping),
                      "--default", "lost_reason=not recorded in Salesforce", "--dry-run")
    assert again.exit_code == 0, again.output
    assert "Opportunity Owner" in again.output.split("columns not imported:", 1)[1].splitlines()[0]


def _age(root: Path) -> None:
    import os
    import time

    old = time.time() - 60
    for path in root.rglob("*.md"):
        os.utime(path, (old, old))


def test_global_options_work_after_the_command_name_too(vault, tmp_path, monkeypatch):
    """`check -v` as the README spells it, and a pre-commit hook's `check --staged --vault crm`."""
    _age(vault.root)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    timed = runner.invoke(main, ["check", "-v", "--vault", str(vault.root)])
    assert timed.exit_code == 0, timed.output
    assert "total" in timed.stderr and "9 records checked" in timed.stdout
    staged = runner.invoke(main, ["check", "--staged", "--vault", str(vault.root)])
    assert staged.exit_code == 0, staged.output
    both = runner.invoke(main, ["-v", "list", "lead", "--vault", str(vault.root), "--no-cache", "--verbose"])
    assert both.exit_code == 0 and "10 files, 10 read" in both.stderr
    agenda = runner.invoke(main, ["agenda", "--vault", str(vault.root), "--today", "2026-11-30", "--format", "json"])
    assert '"overdue"' in agenda.stdout and "chase-quote" in agenda.stdout
    imported = runner.invoke(main, ["import", "vcard", str(DATA / "contacts.vcf"), "--dry-run",
                                    "--vault", str(vault.root)])
    assert imported.exit_code == 0 and "would create" in imported.output
    installed = runner.invoke(main, ["hooks", "install", "--vault", str(vault.root)])
    assert installed.exit_code == 0, installed.output


def test_every_command_that_reads_a_vault_takes_the_global_options():
    from salesmd.cli.options import vault_options

    def leaves(group):
        for command in group.commands.values():
            yield from leaves(command) if hasattr(command, "commands") else [command]

    for command in leaves(vault_options(main)):
        names = {opt for p in command.params for opt in getattr(p, "opts", [])}
        wanted = {"--vault", "--today", "-v", "--verbose", "--no-cache"}
        assert wanted <= names or command.name == "init", command.name


def _commit(repo: Path, message: str, path_env: str) -> "subprocess.CompletedProcess[str]":
    import os
    import subprocess

    env = dict(os.environ, PATH=path_env, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@e")
    env.pop("SALESMD_VAULT", None)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    return subprocess.run(["git", "commit", "-qm", message], cwd=repo, capture_output=True, text=True, env=env)


def test_the_pre_commit_hook_survives_moving_the_repository(tmp_path):
    """A vault below the repository's top; the hook is installed, the repository moved, and the
    hook still checks the vault: a bad record is refused, a good one committed."""
    import os
    import sys

    vault = make_vault(tmp_path / "repo" / "crm", git_init=False)
    git(tmp_path / "repo", "init", "-q", "-b", "main")
    vault.run("hooks", "install", ok=True)
    hook = (tmp_path / "repo" / ".git" / "hooks" / "pre-commit").read_text()
    assert str(tmp_path) not in hook and "--vault crm" in hook
    (tmp_path / "repo").rename(tmp_path / "moved")
    moved = tmp_path / "moved"
    with_salesmd = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    without = "/usr/bin:/bin"  # no salesmd here: the installing interpreter is the fallback
    for path_env in (with_salesmd, without):
        (moved / "crm" / "leads" / "typo.md").write_text("---\ntype: lead\nname: T\nstage: nwe\n---\n")
        refused = _commit(moved, "typo", path_env)
        assert refused.returncode != 0 and "crm/leads/typo.md:4: error[stage-unknown]" in refused.stderr
        (moved / "crm" / "leads" / "typo.md").write_text("---\ntype: lead\nname: T\nstage: new\n---\n")
        ok = _commit(moved, "a good lead", path_env)
        assert ok.returncode == 0, ok.stderr
        (moved / "crm" / "leads" / "typo.md").unlink()
        assert _commit(moved, "gone", path_env).returncode == 0


def test_init_refuses_a_vault_inside_another_vault(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path / "crm")]).exit_code == 0
    nested = runner.invoke(main, ["init", str(tmp_path / "crm" / "notes" / "team-b")])
    assert nested.exit_code == 2
    assert f"inside the vault {(tmp_path / 'crm').resolve()}" in nested.stderr and "--force" in nested.stderr
    assert not (tmp_path / "crm" / "notes" / "team-b").exists()
    forced = runner.invoke(main, ["init", "--force", str(tmp_path / "crm" / "notes" / "team-b")])
    assert forced.exit_code == 0 and (tmp_path / "crm" / "notes" / "team-b" / "salesmd.yaml").is_file()


def test_a_name_given_for_an_id_gets_the_ids_suggested(vault):
    for args in (["show", "Acme Corp"], ["show", "acme  corp"], ["history", "ACME CORP"], ["show", "Acme Crop"]):
        result = vault.run(*args)
        assert result.exit_code == 1 and "(did you mean 'acme-corp'?)" in result.stderr, (args, result.output)
    moved = vault.run("move", "Acme fleet renewal", "negotiation")
    assert moved.exit_code == 1 and "did you mean 'acme-fleet-renewal'" in moved.stderr
    logged = vault.run("log", "call", "--related", "Jane Doe")
    assert logged.exit_code == 1 and "did you mean 'jane-doe'" in logged.stderr
    done = vault.run("done", "Chase the quote")
    assert done.exit_code == 1 and "did you mean 'chase-quote'" in done.stderr
    nothing = vault.run("show", "Zebra Logistics")
    assert nothing.exit_code == 1 and "did you mean" not in nothing.stderr


EVIL = {
    "accounts/evil.md": '---\ntype: account\nname: "Evil \\u202egnp.exe \\e[2J \\x9b31m"\n---\n',
    "leads/evil-lead.md": '---\ntype: lead\nname: "Lead \\u2066x\\u2069"\nstage: "new\\u202e"\n---\n',
    "tasks/evil-task.md": '---\ntype: task\nsubject: "Call \\u202eback \\e]0;pwned\\a"\nstatus: open\n'
                          'due: 2026-11-26\nrelated: ["[[acme-fleet-renewal]]"]\n---\n',
}
RAW = ("\u202e", "\x1b", "\x9b", "\u2066", "\u2069", "\x07")


def test_control_and_bidi_characters_from_data_are_shown_escaped(tmp_path):
    vault = make_vault(tmp_path / "v", EVIL)
    outputs = {
        "list": vault.run("list", "account").output,
        "show": vault.run("show", "evil").output,
        "check": vault.run("check").output,
        "agenda": vault.run("agenda", "--today", "2026-11-26").output,
        "new --dry-run": vault.run("new", "account", "Evil \u202e two", "--dry-run").output,
        "move refused": vault.run("move", "evil-lead", "contacted").output,
    }
    form = tmp_path / "form.csv"
    form.write_text("Full name,E-mail\nAna \u202eRuiz,ana@x.example\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"Full name": name\n"E-mail": email\n', encoding="utf-8")
    outputs["import --dry-run"] = vault.run("import", "csv", str(form), "--type", "contact", "--mapping",
                                            str(mapping), "--dry-run").output
    for what, out in outputs.items():
        assert not any(c in out for c in RAW), (what, out)
    assert "Evil \\u202egnp.exe \\x1b[2J \\x9b31m" in outputs["list"] + outputs["show"]
    assert "stage 'new\\u202e' is not in the lead pipeline" in outputs["check"]
    assert "Call \\u202eback \\x1b]0;pwned\\x07" in outputs["agenda"]
    assert "would create" in outputs["import --dry-run"]
    # JSON and CSV carry the data as it is
    assert "Evil \u202egnp.exe \x1b[2J \x9b31m" in vault.json("list", "account")[1]["name"]
    assert "Evil \u202egnp.exe" in vault.run("list", "account", "--format", "csv").output
    vault.run("export", "account", "-o", str(tmp_path / "accounts.csv"), ok=True)
    assert "Evil \u202egnp.exe \x1b[2J \x9b31m" in (tmp_path / "accounts.csv").read_text(encoding="utf-8")


def test_counts_of_one_are_singular_and_others_plural(tmp_path):
    from salesmd.render.output import count

    assert [count(1, "row"), count(2, "row"), count(0, "opportunity"), count(3, "activity"), count(2, "day")] == \
        ["1 row", "2 rows", "0 opportunities", "3 activities", "2 days"]
    vault = make_vault(tmp_path / "crm", {"leads/one.md": "---\ntype: lead\nname: One\nstage: nwe\n---\n"}, base=False)
    checked = vault.run("check").output
    assert "1 record checked: 1 error, 0 warnings" in checked
    assert vault.run("list", "lead").output.rstrip().endswith("\n1 lead")
    form = tmp_path / "one.csv"
    form.write_text("Full name,E-mail\nAna Ruiz,ana@x.example\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text('"Full name": name\n"E-mail": email\n', encoding="utf-8")
    imported = vault.run("import", "csv", str(form), "--type", "contact", "--mapping", str(mapping), "--dry-run")
    assert "1 row of contacts" in imported.output and "would create 1 contact" in imported.output
    cards = vault.run("import", "vcard", str(DATA / "contacts.vcf"), "--dry-run").output
    assert re.search(r"\b\d+ cards\b", cards) and not re.search(r"\b1 cards\b|\b1 rows\b", cards)
    for out in (checked, imported.output, cards):
        assert not re.search(r"\b1 (records|errors|warnings|rows|leads|contacts|cards|files)\b", out), out


def _commands(group, prefix=()):
    import click

    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield " ".join(prefix + (name,)), command


def test_every_option_of_every_command_is_in_the_readme():
    """Each option in its command's row of the README's table; the global options and the writing
    options, shared by many commands, in the paragraphs that say so (naming those commands)."""
    import click

    from salesmd.cli.options import vault_options

    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `salesmd ")]
    global_options = readme[readme.index("Global options:"):].split("\n\n", 1)[0]
    writing = readme[readme.index("The commands that write ("):].split("\n\n", 1)[0]
    for param in (p for p in main.params if isinstance(p, click.Option)):
        for opt in param.opts + param.secondary_opts:
            assert f"`{opt}" in global_options or f"/`{opt}`" in global_options or f"salesmd {opt}" in readme, opt
    missing = []
    for path, command in _commands(vault_options(main)):
        row = " ".join(r for r in rows if re.search(rf"`salesmd {re.escape(path)}\b", r))
        assert row, f"no row for salesmd {path} in the README's command table"
        for param in (p for p in command.params if isinstance(p, click.Option)):
            for opt in param.opts + param.secondary_opts:
                if opt in ("--vault", "--today", "-v", "--verbose", "--no-cache"):
                    assert opt in global_options, opt
                elif opt in ("--dry-run", "--commit", "--no-commit"):
                    assert f"`{path}`" in writing and opt in writing, (path, opt)
                elif not re.search(rf"{re.escape(opt)}\b", row):
                    missing.append(f"salesmd {path} {opt}")
    assert missing == []


def test_the_pre_commit_framework_hook_as_documented(tmp_path, monkeypatch):
    """.pre-commit-hooks.yaml names a rev that exists (a commit id, not a tag there is none of) and how
    to update it; its entry with the documented `args:` checks a vault below the repository's top."""
    import shlex

    import yaml

    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    readme = (ROOT / "README.md").read_text()
    for doc in (text, readme):
        assert "<a tag>" not in doc and "full commit id" in doc and "git ls-remote" in doc
        assert "pre-commit autoupdate --freeze" in doc
    hook = yaml.safe_load(text)[0]
    args = yaml.safe_load(re.search(r"args: (\[.*?\])", text).group(1))
    vault = make_vault(tmp_path / "repo" / args[-1], git_init=False)
    git(tmp_path / "repo", "init", "-q", "-b", "main")
    vault.write("leads/typo.md", "---\ntype: lead\nname: T\nstage: nwe\n---\n")
    git(tmp_path / "repo", "add", "-A")
    monkeypatch.chdir(tmp_path / "repo")  # the framework runs hooks from the repository's top
    monkeypatch.delenv("SALESMD_VAULT", raising=False)
    command = shlex.split(hook["entry"]) + args
    assert command[0] == "salesmd"
    result = CliRunner().invoke(main, command[1:])
    assert result.exit_code == 1 and "crm/leads/typo.md:4: error[stage-unknown]" in result.output


def test_csv_output_and_filters_carry_control_characters_as_the_record_has_them(tmp_path):
    # text shows them escaped; CSV on stdout (a pipe) and --owner read them as they are
    vault = make_vault(tmp_path / "v", {"opportunities/evil.md": "---\ntype: opportunity\nname: \"Evil \\e[31m deal\"\n"
                                        "stage: prospecting\nowner: \"bob\\e[2J\"\n---\n"})
    text = vault.run("list", "opportunity", "--columns", "id,name,owner", ok=True).output
    assert "\x1b" not in text and "bob\\x1b[2J" in text
    for args in (["list", "opportunity", "--columns", "id,name,owner", "--format", "csv"],
                 ["export", "opportunity", "--format", "csv"]):
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(vault.run(*args, ok=True).stdout))}
        assert rows["evil"]["owner"] == "bob\x1b[2J" and rows["evil"]["name"] == "Evil \x1b[31m deal", args
    found = vault.run("list", "opportunity", "--owner", "bob\x1b[2J", "--format", "csv", ok=True).stdout
    assert "evil" in found
