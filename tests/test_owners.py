"""Owners and territories are known names: `owners:` and `territories:` in salesmd.yaml, checked in
records, on the command line and in imports; each owner's tasks_per_day is their capacity."""

from __future__ import annotations

from pathlib import Path

from conftest import make_vault
from salesmd.config import default_config_text

DATA = Path(__file__).resolve().parent / "data"
TODAY = ["--today", "2026-11-24"]
OWNERS = """\
owners:
  maria: {name: Maria Lopez, tasks_per_day: 2, aliases: ["Maria Lopez", "mlopez@acme.example"]}
  dev: {}
territories: [west, east, emea]
"""


def with_owners(tmp_path, files=None, owners: str = OWNERS, **kwargs):
    return make_vault(tmp_path / "v", files, config=default_config_text() + owners, **kwargs)


def task(subject: str, due: str, owner: str | None = "maria") -> str:
    return f"""\
        ---
        type: task
        subject: {subject}
        status: open
        due: {due}
        related: ["[[acme-fleet-renewal]]"]
        {f"owner: {owner}" if owner else ""}
        ---
        """


# ------------------------------------------------------------------ salesmd.yaml

def test_owners_and_territories_are_checked_in_salesmd_yaml_with_their_lines(tmp_path):
    top = len(default_config_text().splitlines())
    v = with_owners(tmp_path, owners="""\
owners:
  maria: {name: Maria Lopez, tasks_per_day: five, aliases: ["Maria Lopez"]}
  dev:
    tasks_per_day: -1
    alias: [Dev]
  sam: {aliases: ["maria lopez"]}
  Maria: {}
territories: [west, east, west]
""")
    result = v.run("check")
    assert result.exit_code == 1
    out = result.output
    assert (f"salesmd.yaml:{top + 2}: error[config-value]: owner 'maria': 'tasks_per_day' must be a whole number, "
            "zero or more, not 'five'") in out
    assert f"salesmd.yaml:{top + 4}: error[config-value]: owner 'dev': 'tasks_per_day' must be" in out
    assert (f"salesmd.yaml:{top + 5}: warning[config-unknown-key]: owner 'dev': unknown setting 'alias' "
            "(did you mean 'aliases'?)") in out
    assert (f"salesmd.yaml:{top + 6}: error[config-value]: owner 'sam': alias 'maria lopez' is already an alias "
            "of owner 'maria'") in out
    assert f"salesmd.yaml:{top + 7}: error[config-value]: owner 'Maria' is listed twice (ids ignore case)" in out
    assert f"salesmd.yaml:{top + 8}: error[config-value]: territory 'west' is listed twice" in out
    assert "Traceback" not in out


def test_owners_in_another_shape_is_one_error_and_no_record_is_judged_by_it(tmp_path):
    top = len(default_config_text().splitlines())
    v = with_owners(tmp_path, owners="owners: [maria, dev]\nterritories: west\n")
    out = v.run("check").output
    assert f"salesmd.yaml:{top + 1}: error[config-value]: 'owners' must map each owner's id to their details" in out
    assert "owner-unknown" not in out
    # a single territory is a list of one: bolt-builders' east is not in it
    assert "leads/bolt-builders.md:6: warning[territory-unknown]: territory 'east' is not one of the territories" in out


# ------------------------------------------------------------------ check

def test_an_owner_or_territory_not_listed_is_a_warning_with_did_you_mean(tmp_path):
    v = with_owners(tmp_path, {
        "tasks/typo.md": task("Typo owner", "2026-11-27", owner="mraia"),
        "tasks/alias.md": task("Owner by alias", "2026-11-27", owner='"maria  LOPEZ"'),
        "tasks/email.md": task("Owner by email", "2026-11-27", owner="mlopez@acme.example"),
        "accounts/wset.md": "---\ntype: account\nname: Wset\nterritory: wset\n---\n",
    })
    result = v.run("check")
    assert result.exit_code == 0, result.output  # warnings only
    assert ("tasks/typo.md:7: warning[owner-unknown]: owner 'mraia' is not one of the owners in salesmd.yaml "
            "(did you mean 'maria'?); owners: dev, maria") in result.output
    assert ("accounts/wset.md:4: warning[territory-unknown]: territory 'wset' is not one of the territories in "
            "salesmd.yaml (did you mean 'west'?); territories: east, emea, west") in result.output
    assert "alias.md" not in result.output and "email.md" not in result.output
    assert "owner-unknown" not in make_vault(tmp_path / "plain", {"tasks/typo.md": task("T", "2026-11-27", "mraia")}
                                             ).run("check", ok=True).output


def test_the_quick_check_keeps_the_warning_and_drops_it_when_the_owner_is_added(tmp_path):
    v = with_owners(tmp_path, {"tasks/typo.md": task("Typo owner", "2026-11-27", owner="sam")})
    v.commit("start")
    assert "owner 'sam' is not one of the owners" in v.run("check").output
    v.write("tasks/other.md", task("Another", "2026-11-28"))  # the next check reads only this file
    assert "owner 'sam' is not one of the owners" in v.run("check").output
    v.write("salesmd.yaml", default_config_text() + OWNERS.replace("  dev: {}\n", "  dev: {}\n  sam: {}\n"))
    assert "owner-unknown" not in v.run("check").output


# ------------------------------------------------------------------ the command line

def test_an_unknown_owner_on_the_command_line_is_an_error_not_an_empty_report(tmp_path):
    v = with_owners(tmp_path)
    for command in (["agenda"], ["pipeline"], ["list", "task"], ["export", "opportunity"]):
        result = v.run(*TODAY, *command, "--owner", "marai")
        assert result.exit_code == 2, (command, result.output)
        assert ("--owner: owner 'marai' is not one of the owners in salesmd.yaml (did you mean 'maria'?); "
                "owners: dev, maria") in result.stderr, command
        assert result.stdout == ""
    result = v.run(*TODAY, "list", "lead", "--territory", "eastt")
    assert result.exit_code == 2 and "(did you mean 'east'?)" in result.stderr
    # without owners: in salesmd.yaml any name is a filter, and bob has nothing
    plain = make_vault(tmp_path / "plain")
    assert plain.run(*TODAY, "agenda", "--owner", "bob", ok=True).stderr == ""


def test_an_alias_means_its_owner_on_the_command_line_and_in_records(tmp_path):
    v = with_owners(tmp_path, {"tasks/by-alias.md": task("Owner written by name", "2026-11-26", owner="Maria Lopez")})
    report = v.json(*TODAY, "agenda", "--owner", "Maria Lopez")
    assert report["filters"]["owner"] == "maria"
    day = next(d for d in report["schedule"] if d["date"] == "2026-11-26")
    assert [(o["owner"], sorted(i["id"] for i in o["items"])) for o in day["owners"]] == \
        [("maria", ["by-alias", "chase-quote"])]
    listed = v.json("list", "task", "--owner", "MLOPEZ@acme.example")
    assert sorted(t["id"] for t in listed) == ["by-alias", "chase-quote", "send-quote"]
    assert "by-alias" in v.run("list", "task", "--owner", "maria", ok=True).output
    assert [t["id"] for t in v.json("list", "task", "--where", "owner=Maria Lopez", "--where", "status=open")] \
        == ["by-alias", "chase-quote"]
    assert v.json(*TODAY, "pipeline", "--owner", "Maria Lopez")["filters"]["owner"] == "maria"


# ------------------------------------------------------------------ capacity

def test_each_owner_has_their_own_tasks_per_day_in_the_agenda_and_the_site(tmp_path):
    files = {f"tasks/m{i}.md": task(f"Maria task {i}", "2026-11-25") for i in range(3)}
    files.update({f"tasks/d{i}.md": task(f"Dev task {i}", "2026-11-25", owner="dev") for i in range(3)})
    v = with_owners(tmp_path, files)
    capacity = v.json(*TODAY, "agenda")["capacity"]
    assert [(c["owner"], c["tasks"], c["capacity"]) for c in capacity] == [("maria", 3, 2)]  # dev: 6, the default
    text = v.run(*TODAY, "agenda", ok=True).output
    assert "maria  - 3 tasks, over capacity (2 a day)" in text and "maria: 3 tasks on 2026-11-25, capacity 2" in text
    v.run(*TODAY, "report", "--out", str(tmp_path / "site"), ok=True)
    page = (tmp_path / "site" / "agenda.html").read_text()
    assert "3 tasks, over capacity (2 a day)" in page and page.count("over capacity") == 1


def test_new_task_and_follow_up_warn_when_they_take_the_owners_day_over_capacity(tmp_path):
    v = with_owners(tmp_path)  # maria: 2 a day; chase-quote is hers, due 2026-11-26
    first = v.run(*TODAY, "new", "task", "Book the demo", "--related", "acme-fleet-renewal", "--due", "2026-11-26",
                  ok=True)
    assert "over-capacity" not in first.stderr  # two tasks: her capacity
    second = v.run(*TODAY, "new", "task", "Send the brochure", "--related", "acme-fleet-renewal",
                   "--due", "2026-11-26", ok=True)
    assert ("tasks/send-the-brochure.md:5: warning[over-capacity]: maria: 3 open tasks due on 2026-11-26 with "
            "this one, capacity 2 a day (owners: maria: tasks_per_day in salesmd.yaml)") in second.stderr
    assert (v.root / "tasks/send-the-brochure.md").exists()  # written all the same
    # chase-quote is done, so its follow-up makes three again, not four
    done = v.run(*TODAY, "done", "chase-quote", "--follow-up", "Chase again", "--due", "2026-11-26", ok=True)
    assert "maria: 3 open tasks due on 2026-11-26 with this one" in done.stderr
    other_day = v.run(*TODAY, "new", "task", "Later", "--related", "acme-fleet-renewal", "--due", "2026-11-27", ok=True)
    assert other_day.stderr == ""


def test_the_vaults_tasks_per_day_is_the_capacity_of_an_owner_without_their_own(tmp_path):
    config = default_config_text().replace("tasks_per_day: 6", "tasks_per_day: 1")
    v = make_vault(tmp_path / "v", config=config)
    result = v.run(*TODAY, "new", "task", "Book the demo", "--owner", "maria", "--due", "2026-11-26",
                   "--dry-run", ok=True)
    assert ("warning[over-capacity]: maria: 2 open tasks due on 2026-11-26 with this one, capacity 1 a day "
            "(tasks_per_day in salesmd.yaml)") in result.stderr
    assert not (v.root / "tasks/book-the-demo.md").exists()


def test_new_and_log_write_an_aliases_owner_id_and_warn_of_an_unknown_one(tmp_path):
    v = with_owners(tmp_path)
    v.run(*TODAY, "new", "account", "Zeta", "--owner", "Maria Lopez", ok=True)
    assert "owner: maria\n" in v.read("accounts/zeta.md")
    result = v.run(*TODAY, "log", "call", "--related", "zeta", "--owner", "mraia", ok=True)
    assert "warning[owner-unknown]: owner 'mraia' is not one of the owners in salesmd.yaml " \
           "(did you mean 'maria'?)" in result.stderr


# ------------------------------------------------------------------ import csv

IMPORT_OWNERS = """\
owners:
  maria: {aliases: ["Maria Lopez"]}
  dev: {aliases: ["dev patel"]}
  sam: {}
"""


def test_import_maps_owner_names_through_aliases_and_an_owner_map(tmp_path):
    v = with_owners(tmp_path, owners=IMPORT_OWNERS, base=False)
    owner_map = v.write("../owners.csv", "name,id\nKim Nguyen,sam\n")
    result = v.run("import", "csv", str(DATA / "hubspot-deals.csv"), "--owner-map", str(owner_map), ok=True)
    assert "not one of the owners" not in result.output
    assert "owner: maria\n" in v.read("opportunities/acme-electric-forklifts.md")
    assert "owner: dev\n" in v.read("opportunities/bolt-reach-trucks.md")
    assert "owner: sam\n" in v.read("opportunities/cascade-pallet-jacks.md")
    assert "owner: maria\n" in v.read("accounts/acme-corp.md")  # accounts named on a deal row take its owner
    assert "owner-unknown" not in v.run("check").output


def test_import_says_which_owner_names_it_could_not_map(tmp_path):
    v = with_owners(tmp_path, owners=IMPORT_OWNERS, base=False)
    result = v.run("import", "csv", str(DATA / "hubspot-deals.csv"), ok=True)
    assert ("hubspot-deals.csv:4: owner 'Kim Nguyen' is not one of the owners in salesmd.yaml (on 10 rows): "
            "imported as written") in result.output
    assert "owner: Kim Nguyen\n" in v.read("opportunities/cascade-pallet-jacks.md")


def test_an_owner_map_to_an_owner_not_listed_is_refused_with_its_line(tmp_path):
    v = with_owners(tmp_path, owners=IMPORT_OWNERS, base=False)
    owner_map = v.write("../owners.yaml", '"Maria Lopez": maria\n"Kim Nguyen": samm\n')
    before = v.snapshot()
    result = v.run("import", "csv", str(DATA / "hubspot-deals.csv"), "--owner-map", str(owner_map))
    assert result.exit_code == 1
    assert (f"{owner_map}:2: error[import-mapping]: 'samm' is not one of the owners in salesmd.yaml "
            "(did you mean 'sam'?)") in result.stderr
    assert v.snapshot() == before
    bad_row = v.write("../bad.csv", "Kim Nguyen,sam,extra\n")
    result = v.run("import", "csv", str(DATA / "hubspot-deals.csv"), "--owner-map", str(bad_row))
    assert result.exit_code == 1 and f"{bad_row}:1: error[import-mapping]: a row of the owner map is two cells" \
        in result.stderr
