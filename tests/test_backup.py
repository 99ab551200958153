"""`salesmd export all` (a JSON backup of the whole vault) and `salesmd import json` (it, read back)."""

from __future__ import annotations

import json
import subprocess

from conftest import VaultDir, git, make_vault

# Files that only come back byte for byte if the backup keeps what a typed front matter loses:
# comments, quoting, key order, CRLF, a BOM, a date-time's offset, YAML's .inf, a nested map.
ODD = {
    "opportunities/odd-one.md": "\ufeff---\r\ntype: opportunity\r\nname: 'Odd one'  # quoted\r\nstage: proposal\r\n"
                                "close_date: \"2026-12-15\"\r\namount: .inf\r\ncustom: {a: [1, 2.5, true, null]}\r\n"
                                "---\r\nBody with CRLF.\r\n",
    "activities/visit.md": "---\ntype: activity\nsubject: Visit\nkind: visit\nstatus: planned\n"
                           "start: 2026-11-20T10:30:00+01:00\nrelated: [\"[[acme-fleet-renewal]]\"]\n---\n",
    "issues/flat-battery.md": "---\ntype: issue\nsubject: Flat battery  # truck 7\nseverity: high\nstage: new\n"
                              "account: \"[[acme-corp]]\"\nopened: 2026-11-20\n---\n",
}


def records_of(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.md")
            if ".git" not in p.parts and p.name != "README.md"}


def backup(vault, tmp_path):
    out = tmp_path / "backup.json"
    result = vault.run("export", "all", "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def fresh(tmp_path, name="fresh"):
    from click.testing import CliRunner

    from salesmd.cli import main

    root = tmp_path / name
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return VaultDir(root)


def test_a_backup_read_into_a_new_vault_gives_the_same_files_byte_for_byte(tmp_path):
    """The test is `diff -r` of the record files (and salesmd.yaml), not only equal front matter:
    a restore should give back the files as they were written, comments and all."""
    vault = make_vault(tmp_path / "v", ODD)
    vault.write("salesmd.yaml", vault.read("salesmd.yaml") + "\nstale_days: 21\n")
    target = fresh(tmp_path)
    result = target.run("import", "json", str(backup(vault, tmp_path)))
    assert result.exit_code == 0, result.output
    assert "created 12" in result.stdout
    assert records_of(target.root) == records_of(vault.root)
    assert target.read("salesmd.yaml") == vault.read("salesmd.yaml")
    diff = subprocess.run(["diff", "-r", "-x", ".git", "-x", ".salesmd", "-x", ".gitignore", "-x", ".gitkeep",
                           "-x", "README.md", str(vault.root), str(target.root)], capture_output=True, text=True)
    assert diff.returncode == 0 and diff.stdout == ""
    # and the vault reads as the other did
    assert target.run("list", "opportunity", "--format", "json").stdout == \
        vault.run("list", "opportunity", "--format", "json").stdout


def test_the_backup_keeps_types_dates_tagged(tmp_path):
    vault = make_vault(tmp_path / "v", ODD)
    data = json.loads(backup(vault, tmp_path).read_text(encoding="utf-8"))
    assert data["format"] == "salesmd-backup" and data["version"] == 1 and "currency:" in data["config"]
    by_path = {r["path"]: r for r in data["records"]}
    odd = by_path["opportunities/odd-one.md"]
    assert odd["front_matter"]["close_date"] == {"$date": "2026-12-15"}
    assert odd["front_matter"]["amount"] == {"$float": ".inf"}
    assert odd["front_matter"]["custom"] == {"a": [1, 2.5, True, None]}
    assert odd["body"] == "Body with CRLF.\r\n" and odd["id"] == "odd-one" and odd["type"] == "opportunity"
    assert by_path["activities/visit.md"]["front_matter"]["start"] == {"$datetime": "2026-11-20T10:30:00+01:00"}
    assert by_path["opportunities/acme-fleet-renewal.md"]["front_matter"]["amount"] == 48000
    assert by_path["issues/flat-battery.md"]["front_matter"]["opened"] == {"$date": "2026-11-20"}
    assert len(data["records"]) == 12


def test_a_backup_without_heads_is_written_from_its_typed_front_matter(tmp_path):
    vault = make_vault(tmp_path / "v", ODD)
    path = backup(vault, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    for record in data["records"]:
        del record["head"]
    data["records"][0]["front_matter"]["name"] = "Renamed in the JSON"
    path.write_text(json.dumps(data), encoding="utf-8")
    target = fresh(tmp_path)
    result = target.run("import", "json", str(path), ok=True)
    assert "front matter written from the backup's front_matter" in result.stdout
    restored = json.loads(target.run("export", "all").stdout)
    assert [r["front_matter"] for r in restored["records"]] == [r["front_matter"] for r in data["records"]]
    assert [r["body"] for r in restored["records"]] == [r["body"] for r in data["records"]]
    assert restored["records"][0]["front_matter"]["name"] == "Renamed in the JSON"
    odd = target.read("opportunities/odd-one.md")
    assert odd.startswith("---\ntype: opportunity\nname: Odd one\n") and "amount: .inf\n" in odd


def test_into_a_vault_with_records_a_differing_file_is_refused_unless_overwrite(tmp_path):
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    other = make_vault(tmp_path / "other", {"accounts/new-one.md": "---\ntype: account\nname: New one\n---\n"})
    other.write("accounts/acme-corp.md", other.read("accounts/acme-corp.md").replace("Logistics", "Retail"))
    other.write("salesmd.yaml", other.read("salesmd.yaml") + "\nstale_days: 9\n")
    before = other.snapshot()
    result = other.run("import", "json", str(path))
    assert result.exit_code == 1 and other.snapshot() == before
    assert "accounts/acme-corp.md: differs from the backup's" in result.stderr
    assert "1 file in the vault differs" in result.stderr and "nothing was imported" in result.stderr
    result = other.run("import", "json", str(path), "--dry-run", "--overwrite", ok=True)
    assert "-industry: Retail" in result.stdout and "+industry: Logistics" in result.stdout
    assert other.snapshot() == before
    result = other.run("import", "json", str(path), "--overwrite", ok=True)
    assert "replaced 1" in result.stdout and "already as in the backup" in result.stdout
    assert other.read("accounts/acme-corp.md") == vault.read("accounts/acme-corp.md")
    assert other.read("salesmd.yaml") == vault.read("salesmd.yaml")  # --overwrite takes the backup's settings
    assert (other.root / "accounts/new-one.md").exists()  # a record the backup lacks is left alone


def test_a_vault_with_records_keeps_its_settings_and_gains_what_it_lacks(tmp_path):
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    other = make_vault(tmp_path / "other", {"accounts/new-one.md": "---\ntype: account\nname: New one\n---\n"},
                       base=False)
    other.write("salesmd.yaml", other.read("salesmd.yaml") + "\nstale_days: 9\n")
    result = other.run("import", "json", str(path), ok=True)
    assert "created 9" in result.stdout and "kept the vault's own" in result.stdout
    assert other.read("salesmd.yaml").endswith("stale_days: 9\n")


def test_an_id_held_by_another_file_is_refused(tmp_path):
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    other = make_vault(tmp_path / "other", {"clients/acme-corp.md": "---\ntype: account\nname: Acme\n---\n"},
                       base=False)
    before = other.snapshot()
    result = other.run("import", "json", str(path))
    assert result.exit_code == 1 and other.snapshot() == before
    assert "accounts/acme-corp.md: its id is taken by clients/acme-corp.md" in result.stderr


def test_bad_json_is_reported_at_its_line_and_column_and_nothing_is_written(tmp_path):
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    text[3] = text[3].replace('"type":', '"type"', 1)  # the second record's line: a colon missing
    path.write_text("".join(text), encoding="utf-8")
    target = fresh(tmp_path)
    before = target.snapshot()
    result = target.run("import", "json", str(path))
    assert result.exit_code == 1 and target.snapshot() == before
    column = text[3].index('"type"') + len('"type"') + 2  # 1-based, after the space that follows
    assert result.stderr.startswith(f"{path}:4: error[import-json]: column {column}: not valid JSON: ")
    assert "nothing was imported" in result.stderr and "Traceback" not in result.stderr


def test_a_record_that_cannot_be_restored_is_reported_with_its_line(tmp_path):
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    data = path.read_text(encoding="utf-8").replace('"path": "contacts/jane-doe.md"', '"path": "../jane-doe.md"')
    data = data.replace('"close_date": {"$date": "2026-12-15"}', '"close_date": {"$date": "2026-02-30"}')
    path.write_text(data, encoding="utf-8")
    target = fresh(tmp_path)
    before = target.snapshot()
    result = target.run("import", "json", str(path))
    assert result.exit_code == 1 and target.snapshot() == before
    lines = data.splitlines()
    jane = next(n for n, line in enumerate(lines, 1) if "../jane-doe.md" in line)
    deal = next(n for n, line in enumerate(lines, 1) if "2026-02-30" in line)
    assert f"{path}:{jane}: error[import-json]: records[" in result.stderr and "must be relative" in result.stderr
    assert f"{path}:{deal}: error[import-json]: " in result.stderr and "not a valid $date" in result.stderr
    not_backup = tmp_path / "list.json"
    not_backup.write_text("[1, 2]", encoding="utf-8")
    result = target.run("import", "json", str(not_backup))
    assert result.exit_code == 1 and "not a salesmd backup" in result.stderr


def test_a_backup_restores_records_only_never_a_template_or_a_site_page(tmp_path):
    """A backup from someone else must not plant a skeleton `new` would render, nor anything else
    salesmd does not read as a record: each such entry is refused and nothing is written."""
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    data = path.read_text(encoding="utf-8")
    for planted in ("templates/skeletons/note.md", "_site/index.md"):
        path.write_text(data.replace('"path": "contacts/jane-doe.md"', f'"path": "{planted}"'), encoding="utf-8")
        target = fresh(tmp_path, planted.replace("/", "-"))
        before = target.snapshot()
        result = target.run("import", "json", str(path))
        assert result.exit_code == 1 and target.snapshot() == before
        assert f"path '{planted}' is where salesmd reads no records" in result.stderr


def test_dry_run_writes_nothing_and_commit_commits_the_restore(tmp_path):
    vault = make_vault(tmp_path / "v")
    path = backup(vault, tmp_path)
    target = fresh(tmp_path)
    before = target.snapshot()
    result = target.run("import", "json", str(path), "--dry-run", ok=True)
    assert "accounts/acme-corp.md" in result.stdout and "would create 9, would replace 0" in result.stdout
    assert target.snapshot() == before
    target.run("import", "json", str(path), "--commit", ok=True)
    assert "opportunities/acme-fleet-renewal.md" in git(target.root, "show", "--name-only", "HEAD")
    assert git(target.root, "status", "--porcelain", "--", "opportunities/acme-fleet-renewal.md") == ""


def test_export_all_takes_no_filters(tmp_path):
    vault = make_vault(tmp_path / "v")
    for extra in (["--owner", "maria"], ["--format", "csv"], ["--filter", "amount>1"]):
        result = vault.run("export", "all", *extra)
        assert result.exit_code == 2 and result.stdout == "" and "export all" in result.stderr
    assert json.loads(vault.run("export", "all", "--format", "json", ok=True).stdout)["version"] == 1
