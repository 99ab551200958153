"""`salesmd search`: what it looks in, how it ranks, the matching line it shows, --owner, JSON."""

from __future__ import annotations

from conftest import index_db, make_vault

OWNERS = """\
owners:
  maria: {name: Maria Lopez, aliases: ["Maria Lopez"]}
  dev: {}
"""

EXTRA = {
    "contacts/li-wei.md": """\
        ---
        type: contact
        name: Li Wei
        email: li@bolt.example
        emails: [wei.li@private.example, procurement@bolt.example]
        phone: "(503) 555-0199"
        phones: ["+49 30 1234 5678"]
        owner: dev
        ---
        Met at the Hamburg trade fair.
        Prefers Zürich office.
        """,
    "leads/cedar-mill.md": """\
        ---
        type: lead
        name: Cedar mill inquiry
        stage: new
        company: Cedar Sawmill GmbH
        owner: dev
        ---
        Asked about renewal terms for propane trucks.
        """,
    "tasks/call-back.md": """\
        ---
        type: task
        subject: Call back about the propane trucks
        status: open
        due: 2026-11-30
        related: ["[[acme-fleet-renewal]]"]
        ---
        """,
}


def search(vault, *args):
    return vault.json("search", *args)


def test_search_looks_in_names_subjects_companies_every_email_phones_and_bodies(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    assert [h["id"] for h in search(vault, "Cedar", "Sawmill")] == ["cedar-mill"]  # a lead's company
    assert [h["id"] for h in search(vault, "procurement@bolt.example")] == ["li-wei"]  # in the `emails` list
    assert [h["id"] for h in search(vault, "wei.li@private.example")] == ["li-wei"]
    assert [h["id"] for h in search(vault, "jane@acme.example")] == ["jane-doe"]
    assert [h["id"] for h in search(vault, "hamburg")] == ["li-wei"]  # the body
    assert [h["id"] for h in search(vault, "zurich")] == ["li-wei"]  # accents ignored
    assert [h["id"] for h in search(vault, "Send", "revised")] == ["send-quote"]  # a task's subject


def test_a_number_finds_phone_numbers_by_their_digits_however_written(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    hit, = search(vault, "5550142")  # jane-doe's phone is "+1 503 555 0142"
    assert (hit["id"], hit["line"], hit["match"]) == ("jane-doe", 6, '"+1 503 555 0142"')
    assert [h["id"] for h in search(vault, "503-555-0199")] == ["li-wei"]  # written "(503) 555-0199"
    assert [h["id"] for h in search(vault, "+4930 12345678")] == ["li-wei"]  # in the `phones` list
    assert [h["id"] for h in search(vault, "5550")] == ["jane-doe", "li-wei"]
    assert search(vault, "5551") == []


def test_each_hit_shows_the_line_of_its_file_that_holds_the_match(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    out = vault.run("search", "propane", ok=True).stdout
    root = vault.root.name
    assert f"{root}/opportunities/acme-fleet-renewal.md:13: Twelve electric forklifts to replace the propane fleet." in out
    assert f"{root}/tasks/call-back.md:3: Call back about the propane trucks" in out  # the subject, without `subject:`
    assert f"{root}/leads/cedar-mill.md:8: Asked about renewal terms for propane trucks." in out
    assert out.rstrip().endswith("3 records")
    # the line holding the most of the words, not the first holding one
    hit, = search(vault, "renewal", "propane", "--type", "lead")
    assert (hit["path"], hit["line"]) == ("leads/cedar-mill.md", 8)


def test_the_name_or_subject_ranks_above_the_body(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    # "renewal" is the deal's name, and in the lead's body; a link to the deal is not a word of the
    # records that link to it (the tasks and notes about the deal)
    assert [h["id"] for h in search(vault, "renewal")] == ["acme-fleet-renewal", "cedar-mill"]
    assert [h["id"] for h in search(vault, "trucks")] == ["call-back", "cedar-mill"]
    # once in a long name, against three times in a short body: the name wins
    vault.write("accounts/a.md", "---\ntype: account\nname: The Northern Pallet and Racking Company\n---\n")
    vault.write("accounts/b.md", "---\ntype: account\nname: B\n---\nPallet pallet pallet.\n")
    assert [h["id"] for h in search(vault, "pallet")] == ["a", "b"]


def test_owner_filters_by_id_or_alias_and_a_task_takes_its_deals_owner(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    vault.write("salesmd.yaml", vault.read("salesmd.yaml") + OWNERS)
    assert [h["id"] for h in search(vault, "propane", "--owner", "dev")] == ["cedar-mill"]
    # the task has no owner: its deal's (maria) counts, written here as her alias
    assert [h["id"] for h in search(vault, "propane", "--owner", "Maria Lopez")] == ["call-back", "acme-fleet-renewal"]
    assert [h["id"] for h in search(vault, "propane", "--owner", "maria", "--limit", "1")] == ["call-back"]


def test_an_unknown_owner_is_refused_with_did_you_mean(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    vault.write("salesmd.yaml", vault.read("salesmd.yaml") + OWNERS)
    result = vault.run("search", "propane", "--owner", "mari")
    assert result.exit_code == 2 and result.stdout == ""
    assert "mari" in result.stderr and "did you mean 'maria'" in result.stderr


def test_nothing_to_look_for_is_a_usage_error(tmp_path):
    vault = make_vault(tmp_path / "v")
    result = vault.run("search", "--", "!!", "*")
    assert result.exit_code == 2 and result.stderr.startswith("salesmd: error: ")
    assert "\n" not in result.stderr.strip()


def test_words_that_look_like_query_syntax_are_only_words(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    for words in (["OR"], ["NEAR(a", "b)"], ["title:acme"], ['"unclosed'], ["-propane"]):
        result = vault.run("search", "--", *words)
        assert result.exit_code == 0, (words, result.output)
    assert "call-back" in vault.run("search", "--type", "task", "--", "-propane", ok=True).stdout


def test_the_words_are_stored_as_the_index_reads_the_files_so_no_search_reads_them_all(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    vault.run("check")
    db = index_db(vault.root)
    try:
        records = db.execute("SELECT count(*) FROM files WHERE type IS NOT NULL").fetchone()[0]
        worded = db.execute("SELECT count(*) FROM words").fetchone()[0]
    finally:
        db.close()
    assert records == worded == 12
    # an edited file's words are replaced as the next command reads it
    vault.write("leads/cedar-mill.md", vault.read("leads/cedar-mill.md").replace("propane", "diesel"))
    assert [h["id"] for h in search(vault, "diesel")] == ["cedar-mill"]
    assert "cedar-mill" not in [h["id"] for h in search(vault, "propane")]
    (vault.root / "leads/cedar-mill.md").unlink()
    assert search(vault, "diesel") == []


def test_without_the_index_the_answers_are_the_same(tmp_path):
    vault = make_vault(tmp_path / "v", EXTRA)
    for words in (["propane"], ["5550142"], ["renew*"], ["propane", "--owner", "dev"]):
        assert vault.run("--no-cache", "search", *words).stdout == vault.run("search", *words).stdout
