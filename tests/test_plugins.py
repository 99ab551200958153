"""Check plugins: Python files of the vault that `check` runs only with the user's consent."""

from __future__ import annotations

import textwrap

import pytest
import yaml

# The README's example plugin, byte for byte (test_readme_ships_this_plugin holds them equal).
BIG_DEALS = '''\
"""A deal over 100,000 needs a second contact."""


def check(records, config):
    for r in records:
        if r.type == "opportunity" and (r.get("amount") or 0) > 100_000 and len(r.links("contacts")) < 2:
            yield (r.path, r.line_of("contacts"), "second-contact",
                   f"'{r.id}' is worth {r.get('amount'):,}: name a second contact under contacts")
'''

# A plugin that leaves a file behind when it runs: its absence proves it did not run.
WRITES = '''\
from pathlib import Path


def check(records, config):
    (config.root / "plugin-ran.txt").write_text("ran")
    return []
'''


@pytest.fixture(autouse=True)
def user_config(tmp_path, monkeypatch):
    """Every test gets its own, empty user config folder, never the real one."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg"))
    monkeypatch.delenv("SALESMD_DEBUG", raising=False)
    (tmp_path / "vault").mkdir()
    monkeypatch.chdir(tmp_path / "vault")  # paths are shown relative to where the user stands
    return home / "xdg" / "salesmd" / "config.yaml"


@pytest.fixture
def big(vault):
    """The base vault with a 240,000 deal of one contact and the README's plugin listed."""
    text = vault.read("opportunities/acme-fleet-renewal.md").replace("amount: 48000", "amount: 240000")
    vault.write("opportunities/acme-fleet-renewal.md", text)
    vault.write("checks/big_deals.py", BIG_DEALS)
    with_plugins(vault, "checks/big_deals.py")
    vault.commit("big deal, and a plugin")
    return vault


def with_plugins(vault, *names: str) -> int:
    """List these plugins in salesmd.yaml, one a line; the line of the first."""
    text = vault.read("salesmd.yaml").rstrip("\n") + "\nplugins:\n" + "".join(f"  - {n}\n" for n in names)
    vault.write("salesmd.yaml", text)
    return text.splitlines().index(f"  - {names[0]}") + 1


EXPECTED = ("opportunities/acme-fleet-renewal.md:6: error[plugin-big-deals-second-contact]: "
            "'acme-fleet-renewal' is worth 240,000: name a second contact under contacts")


def test_plugins_do_not_run_without_consent_and_the_note_says_which_and_how(vault):
    with_plugins(vault, "checks/writes.py")
    vault.write("checks/writes.py", WRITES)
    result = vault.run("check", ok=True)
    assert not (vault.root / "plugin-ran.txt").exists()
    assert "plugins not run: checks/writes.py (not allowed)" in result.stderr
    assert "salesmd plugins allow" in result.stderr and "--allow-plugins" in result.stderr
    assert "note" not in result.stdout  # stdout stays the problems and the summary (and valid JSON)
    assert vault.json("check")["errors"] == 0


def test_allow_plugins_runs_them_once_with_their_problems_at_the_record_line(big):
    result = big.run("check", "--allow-plugins", ok=False)
    assert result.exit_code == 1
    assert EXPECTED in result.stdout.splitlines()
    assert "1 error" in result.stdout
    assert "plugins not run" not in result.stderr
    # once: the next check without the flag does not run it, and the quick answer holds no plugin problem
    again = big.run("check", ok=True)
    assert "plugin-big-deals" not in again.stdout and "plugins not run" in again.stderr


def test_json_carries_plugin_problems(big):
    found = big.json("check", "--allow-plugins")["problems"]
    assert found == [{"path": "opportunities/acme-fleet-renewal.md", "line": 6, "severity": "error",
                      "code": "plugin-big-deals-second-contact",
                      "message": "'acme-fleet-renewal' is worth 240,000: name a second contact under contacts"}]


def test_plugins_allow_writes_the_user_config_and_check_runs_them(big, user_config):
    listed = big.run("plugins", "list", ok=True)
    assert "checks/big_deals.py  not allowed" in listed.stdout
    result = big.run("plugins", "allow", ok=True)
    assert f"written {user_config}" in result.stdout
    pinned = yaml.safe_load(user_config.read_text())["allow_plugins"]
    import hashlib

    assert pinned == {str(big.root.resolve()): {
        "checks/big_deals.py": hashlib.sha256(BIG_DEALS.encode()).hexdigest()}}
    assert "checks/big_deals.py  allowed" in big.run("plugins", "list", ok=True).stdout
    check = big.run("check", ok=False)
    assert EXPECTED in check.stdout.splitlines() and "plugins not run" not in check.stderr
    assert big.run("plugins", "forget", ok=True).stdout.startswith("written")
    assert "plugins not run" in big.run("check", ok=True).stderr


def test_home_config_is_used_without_xdg(big, monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CONFIG_HOME")
    big.run("plugins", "allow", ok=True)
    assert (tmp_path / "home" / ".config" / "salesmd" / "config.yaml").is_file()
    assert EXPECTED in big.run("check", ok=False).stdout


def test_a_plugin_changed_after_it_was_allowed_asks_again(big):
    big.run("plugins", "allow", ok=True)
    big.write("checks/big_deals.py", WRITES)  # as a `git pull` might bring
    result = big.run("check", ok=True)
    assert not (big.root / "plugin-ran.txt").exists()
    assert "checks/big_deals.py (changed since allowed)" in result.stderr
    assert "changed since allowed" in big.run("plugins", "list").stdout
    big.run("plugins", "allow", ok=True)
    big.run("check", ok=True)
    assert (big.root / "plugin-ran.txt").read_text() == "ran"


def test_a_plugin_added_after_the_vault_was_allowed_is_not_run(big):
    big.run("plugins", "allow", ok=True)
    big.write("salesmd.yaml", big.read("salesmd.yaml") + "  - checks/writes.py\n")
    big.write("checks/writes.py", WRITES)
    result = big.run("check", ok=False)
    assert EXPECTED in result.stdout  # the allowed one still runs
    assert "checks/writes.py (not allowed)" in result.stderr
    assert not (big.root / "plugin-ran.txt").exists()


@pytest.mark.parametrize("body, says", [
    ("def check(records, config):\n    raise ValueError('no amount on ' + records[0].id)\n",
     "raised ValueError: no amount on "),
    ("import no_such_module_here\n", "raised ModuleNotFoundError: "),
    ("def check(records, config)\n    return []\n", "raised SyntaxError: "),
    ("def check(records, config):\n    raise SystemExit(3)\n", "raised SystemExit: 3"),
    ("def check(records, config):\n    return 42\n", "returned int where an iterable of problems was expected"),
    ("def check(records, config):\n    return ['oops']\n", "returned 'oops' where a (path, line, code, message"),
    ("def check(records, config):\n    return [('nowhere.md', 1, 'x', 'y')]\n",
     "returned a problem in 'nowhere.md', which is not a record of the vault"),
    ("def check(records, config):\n    return [('salesmd.yaml', 0, 'x', 'y')]\n", "returned line 0 where"),
    ("def check(records, config):\n    return [('salesmd.yaml', 1, 'Stage Unknown', 'y')]\n",
     "returned code 'Stage Unknown' where"),
    ("def check(records, config):\n    return [{'path': 'salesmd.yaml', 'line': 1}]\n", "returned a dict with keys"),
    ("x = 1\n", "returned nothing: it defines no check(records, config) function"),
])
def test_a_failing_plugin_is_a_located_problem_not_a_crash(vault, body, says):
    line = with_plugins(vault, "checks/bad.py")
    vault.write("checks/bad.py", body)
    result = vault.run("check", "--allow-plugins", ok=False)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [x for x in result.stdout.splitlines() if "plugin-failed" in x]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"salesmd.yaml:{line}: error[plugin-failed]: plugin 'checks/bad.py' {says}")


def test_the_raising_line_is_named_and_salesmd_debug_shows_the_traceback(vault, monkeypatch):
    with_plugins(vault, "checks/bad.py")
    vault.write("checks/bad.py", "def check(records, config):\n    return [1 / 0]\n")
    assert "raised ZeroDivisionError: division by zero (at checks/bad.py:2)" in vault.run("check", "--allow-plugins").stdout
    monkeypatch.setenv("SALESMD_DEBUG", "1")
    assert "Traceback" in vault.run("check", "--allow-plugins").stderr


def test_a_plugin_problem_with_dict_and_severity_and_other_plugins_still_run(big):
    big.write("salesmd.yaml", big.read("salesmd.yaml") + "  - checks/bad.py\n  - checks/warn.py\n")
    big.write("checks/bad.py", "def check(records, config):\n    raise RuntimeError('boom')\n")
    big.write("checks/warn.py", textwrap.dedent("""\
        def check(records, config):
            for r in records:
                if r.type == "lead" and not r.get("territory"):
                    yield {"path": r.path, "line": r.line_of("stage"), "code": "territory",
                           "message": "no territory", "severity": "warning"}
        """))
    out = big.run("check", "--allow-plugins", ok=False).stdout.splitlines()
    assert EXPECTED in out
    assert "leads/jane-doe-inquiry.md:4: warning[plugin-warn-territory]: no territory" in out
    assert any("error[plugin-failed]: plugin 'checks/bad.py' raised RuntimeError: boom" in x for x in out)


@pytest.mark.parametrize("entry, says", [
    ("checks/missing.py", "plugin 'checks/missing.py' cannot be read: "),
    ("../outside.py", "plugin '../outside.py' leads outside the vault"),
    ("checks/link.py", "plugin 'checks/link.py' leads outside the vault"),
    ("/etc/hostname.py", "plugin '/etc/hostname.py' leads outside the vault"),
    ("os.path", "plugin 'os.path' is not a .py file in the vault"),
])
def test_a_plugin_path_that_is_missing_or_escapes_is_a_located_config_error(vault, tmp_path, entry, says):
    outside = tmp_path / "outside.py"
    outside.write_text(WRITES)
    (vault.root / "checks").mkdir()
    (vault.root / "checks" / "link.py").symlink_to(outside)
    line = with_plugins(vault, entry)
    for args in (("check",), ("check", "--allow-plugins")):  # reported whether allowed or not
        result = vault.run(*args, ok=False)
        assert f"salesmd.yaml:{line}: error[config-plugins]: {says}" in result.stdout, result.output
    assert not (vault.root / "plugin-ran.txt").exists() and not (tmp_path / "plugin-ran.txt").exists()
    assert vault.run("plugins", "allow", ok=False).exit_code == 1


def test_a_plugin_may_print_and_use_dataclasses_without_spoiling_the_json(vault):
    with_plugins(vault, "checks/chatty.py")
    vault.write("checks/chatty.py", textwrap.dedent("""\
        from dataclasses import dataclass


        @dataclass
        class Finding:
            path: str
            line: int


        def check(records, config):
            print("looking at", len(records), "records")
            deal = next(r for r in records if r.type == "opportunity")
            f = Finding(deal.path, deal.line_of("amount"))
            return [(f.path, f.line, "seen", "looked at")]
        """))
    result = vault.run("check", "--allow-plugins", "--format", "json")
    assert "looking at 9 records" in result.stderr
    import json

    assert [p["code"] for p in json.loads(result.stdout)["problems"]] == ["plugin-chatty-seen"]


def test_plugins_not_a_list_is_a_located_config_error(vault):
    text = vault.read("salesmd.yaml").rstrip("\n") + "\nplugins: checks/big_deals.py\n"
    vault.write("salesmd.yaml", text)
    result = vault.run("check", ok=False)
    assert f"salesmd.yaml:{len(text.splitlines())}: error[config-plugins]: 'plugins' must be a list" in result.stdout


def test_a_broken_user_config_is_a_note_and_plugins_do_not_run(big, user_config):
    user_config.parent.mkdir(parents=True)
    user_config.write_text("allow_plugins: [oops\n")
    result = big.run("check", ok=True)
    assert f"salesmd: note: {user_config}" in result.stderr and "plugins not run" in result.stderr
    assert big.run("plugins", "allow", ok=False).exit_code == 2
    assert user_config.read_text() == "allow_plugins: [oops\n"


def test_staged_check_runs_plugins_on_what_is_staged(big):
    from conftest import git

    deal = "opportunities/acme-fleet-renewal.md"
    big.write(deal, big.read(deal).replace("amount: 240000", "amount: 250000"))
    git(big.root, "add", deal)
    big.write(deal, big.read(deal).replace('contacts: ["[[jane-doe]]"]', 'contacts: ["[[jane-doe]]", "[[bob]]"]'))
    out = big.run("check", "--allow-plugins", "--staged", ok=False).stdout
    assert "'acme-fleet-renewal' is worth 250,000" in out and out.count("plugin-big-deals") == 1


def test_readme_ships_this_plugin():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert BIG_DEALS in readme


def test_plugins_commands_on_a_vault_without_plugins_write_nothing(vault, user_config):
    assert vault.run("plugins", "list", ok=True).stdout == "no plugins: salesmd.yaml lists none under 'plugins:'\n"
    result = vault.run("plugins", "allow")
    assert result.exit_code == 1 and "salesmd: salesmd.yaml lists no plugins: nothing to allow" in result.stderr
    assert "was not allowed: nothing to forget" in vault.run("plugins", "forget", ok=True).stdout
    assert not user_config.exists()
    assert "plugins not run" not in vault.run("check", ok=True).stderr
