"""The quick check (from the check state in .salesmd/index.sqlite and the files changed since) says exactly what the
full check says: a differential test over random edits, commits, renames and staged changes."""

from __future__ import annotations

import os
import random
import subprocess
import time

import pytest

from conftest import git, make_vault

STAGES = {"lead": ["new", "contacted", "qualified", "converted", "disqualified", "bogus"],
          "opportunity": ["qualification", "discovery", "proposal", "negotiation", "won", "lost", "nope"]}
FOLDER = {"account": "accounts", "contact": "contacts", "lead": "leads", "opportunity": "opportunities",
          "task": "tasks", "activity": "activities", "note": "notes"}


def record_text(type_: str, id_: str, rng: random.Random, ids: list[str]) -> str:
    def link() -> str:
        return f'"[[{rng.choice(ids + ["nowhere", "a-typo"])}]]"'

    lines = [f"type: {type_}"]
    if type_ == "account":
        lines += [f"name: {id_.title()}"]
    elif type_ == "contact":
        lines += [f"name: {id_.title()}", f"account: {link()}"]
    elif type_ == "lead":
        stage = rng.choice(STAGES["lead"][:5])
        lines += [f"name: {id_.title()}", f"stage: {stage}"]
        if stage == "converted" or rng.random() < 0.2:
            lines += [f"converted_to: {link()}"]
    elif type_ == "opportunity":
        lines += [f"name: {id_.title()}", f"stage: {rng.choice(STAGES['opportunity'][:6])}",
                  f"account: {link()}", f"contacts: [{link()}]", "amount: 1000", "currency: USD",
                  "close_date: 2026-12-01"]
        if rng.random() < 0.5:
            lines += [f"lead: {link()}"]
    elif type_ == "task":
        lines += [f"subject: Do {id_}", "status: open", "due: 2026-11-30", f"related: [{link()}]"]
        if rng.random() < 0.6:
            lines += [f"follows: {link()}"]
    elif type_ == "activity":
        lines += [f"subject: Call {id_}", "kind: call", "status: done", "start: 2026-11-20T10:00",
                  f"related: [{link()}]"]
    else:
        lines += [f"title: About {id_}", "date: 2026-11-20", f"related: [{link()}]"]
    if type_ in ("lead", "opportunity", "task") and rng.random() < 0.6:
        lines += [f"owner: {rng.choice(['maria', 'Maria', 'dev', 'Ma ria'])}"]
    return "---\n" + "\n".join(lines) + "\n---\nSome notes.\n"


class World:
    """A vault in git and the edits a user makes to it, each with a file time of its own."""

    def __init__(self, root, seed: int):
        self.rng = random.Random(seed)
        self.vault = make_vault(root, base=True)
        self.base = time.time() - 7200
        self.tick = 0
        self.ids: list[str] = []
        for type_, count in (("account", 4), ("contact", 5), ("lead", 6), ("opportunity", 6),
                             ("task", 10), ("activity", 5), ("note", 3)):
            self.ids += [f"{type_[:3]}{i}" for i in range(count)]
        for id_ in self.ids:
            self.write(self.path_of(id_), record_text(self.type_of(id_), id_, self.rng, self.ids))
        self.vault.commit("start")

    @staticmethod
    def type_of(id_: str) -> str:
        return {t[:3]: t for t in FOLDER}[id_[:3].lower()]

    def path_of(self, id_: str) -> str:
        return f"{FOLDER[self.type_of(id_)]}/{id_}.md"

    def files(self) -> list[str]:
        root = self.vault.root
        return sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.md"))

    def write(self, rel: str, text: str) -> None:
        path = self.vault.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.tick += 1
        stamp = self.base + self.tick
        os.utime(path, (stamp, stamp))

    def edit(self) -> str:
        rng, files = self.rng, self.files()
        rel = rng.choice(files)
        text = (self.vault.root / rel).read_text(encoding="utf-8")
        what = rng.choice(["relink", "relink", "stage", "stage", "stage", "delete", "add", "break", "cycle",
                           "cycle", "commit", "commit", "rename", "retype", "touch", "duplicate", "stage-files", "merge",
                           "not-a-record"])
        if what == "stage":
            rel = rng.choice([f for f in files if f.startswith(("leads/", "opportunities/"))] or files)
            text = (self.vault.root / rel).read_text(encoding="utf-8")
        if what == "relink":
            lines = text.split("\n")
            linked = [i for i, l in enumerate(lines) if "[[" in l]
            if linked:
                i = rng.choice(linked)
                key = lines[i].split(":", 1)[0]
                target = rng.choice(self.ids + ["nowhere", "Acme-Corp", "acme-corp"])
                if rng.random() < 0.5:  # as Obsidian writes links: a path from the vault root (maybe the wrong one), .md
                    folder = FOLDER[self.type_of(target)] if target in self.ids and rng.random() < 0.7 \
                        else rng.choice(list(FOLDER.values()))
                    target = rng.choice([f"{target}.md", f"{folder}/{target}", f"{folder.title()}/{target}.md#Notes|{target}"])
                lines[i] = f'{key}: "[[{target}]]"' if key != "contacts" and key != "related" \
                    else f'{key}: ["[[{target}]]"]'
                self.write(rel, "\n".join(lines))
        elif what == "stage" and ("leads/" in rel or "opportunities/" in rel):
            type_ = "lead" if rel.startswith("leads/") else "opportunity"
            lines = [f"stage: {rng.choice(STAGES[type_])}" if l.startswith("stage:") else l
                     for l in text.split("\n")]
            self.write(rel, "\n".join(lines))
        elif what == "delete":
            (self.vault.root / rel).unlink()
        elif what == "add":
            type_ = rng.choice(list(FOLDER))
            id_ = f"{type_[:3]}{rng.randrange(20)}"
            self.write(f"{FOLDER[type_]}/{id_}.md", record_text(type_, id_, rng, self.ids))
        elif what == "break":
            self.write(rel, rng.choice([text.replace("---\n", "---\nname: [oops\n", 1),
                                        "<<<<<<< HEAD\n" + text + "=======\n>>>>>>> other\n",
                                        text.replace("type:", "type: wizard\nold_type:", 1), ""]))
        elif what == "cycle":
            tasks = [f for f in files if f.startswith("tasks/")]
            if len(tasks) >= 4:
                ring = rng.sample(tasks, rng.choice([2, 3, 4]))
                # some links of the ring now, the others in a later step: a cycle closed by one edit
                for src, dst in [pair for pair in zip(ring, ring[1:] + ring[:1]) if rng.random() < 0.7]:
                    body = (self.vault.root / src).read_text(encoding="utf-8")
                    body = "\n".join(l for l in body.split("\n") if not l.startswith("follows:"))
                    body = body.replace("type: task", f'type: task\nfollows: "[[{dst[6:-3]}]]"', 1)
                    self.write(src, body)
        elif what == "commit":
            self.vault.commit(f"step {self.tick}", "--no-verify")
        elif what == "rename":
            folder, name = rel.split("/")
            new = f"{folder}/moved-{self.tick}-{name}"
            git(self.vault.root, "mv", "-f", rel, new) if rel in git(self.vault.root, "ls-files") \
                else os.rename(self.vault.root / rel, self.vault.root / new)
        elif what == "retype":
            self.write(rel, text.replace("type: task", "type: note").replace("type: note", "type: task")
                       if "type: task" in text or "type: note" in text else text.replace("type: lead", "type: contact"))
        elif what == "touch":
            self.write(rel, text)
        elif what == "duplicate":
            folder, name = rel.split("/")
            other = "notes" if folder != "notes" else "tasks"
            self.write(f"{other}/{name[:-3].upper()}.md", text)
        elif what == "merge":
            # a side branch from a few commits back that moves deals, merged back with conflicts
            # resolved to this side: history as a graph, whose rules hold along ancestry
            root, side = self.vault.root, f"side-{self.tick}"
            self.vault.commit(f"step {self.tick}", "--no-verify")
            earlier = git(root, "rev-list", "--max-count=4", "HEAD").split()[-1]
            git(root, "checkout", "-q", "-b", side, earlier)
            deals = [f for f in self.files() if f.startswith(("leads/", "opportunities/"))]
            for deal in rng.sample(deals, min(2, len(deals))):
                type_ = "lead" if deal.startswith("leads/") else "opportunity"
                body = (root / deal).read_text(encoding="utf-8").split("\n")
                self.write(deal, "\n".join(f"stage: {rng.choice(STAGES[type_])}" if l.startswith("stage:") else l
                                           for l in body))
            self.vault.commit(side, "--no-verify")
            git(root, "checkout", "-q", "main")
            try:
                git(root, "merge", "-q", "-X", "ours", "--no-ff", "-m", f"merge {side}", side)
            except subprocess.CalledProcessError:
                git(root, "merge", "--abort")  # a file deleted on one side and changed on the other
        elif what == "not-a-record":  # someone's note: counted, not checked (or, in a record folder, an error)
            kind = rng.choice(["type: person", "type: meeting", "tags: [daily]", "type: Task", "type: [oops"])
            self.write(f"{rng.choice(['People', 'Daily', 'notes'])}/n{rng.randrange(4)}.md", f"---\n{kind}\nname: N\n---\n")
        elif what == "stage-files":
            git(self.vault.root, "add", "-A", "--", rng.choice(["leads", "opportunities", "tasks", "."]))
        return what


def compare(vault, mode: tuple[str, ...] = ()) -> bool:
    """Quick and full check agree; True when the quick one was taken."""
    quick = vault.run("-v", "check", *mode, "--format", "json")
    full = vault.run("--no-cache", "check", *mode, "--format", "json")
    assert "Traceback" not in quick.output
    assert quick.stdout == full.stdout
    assert quick.exit_code == full.exit_code
    return "state" in quick.stderr and "used" in quick.stderr


@pytest.mark.parametrize("seed", range(6))
def test_quick_check_says_what_the_full_check_says(tmp_path, seed):
    world = World(tmp_path / "v", seed)
    vault = world.vault
    vault.run("check")  # a full check writes the state
    used = 0
    steps = 40
    for step in range(steps):
        world.edit()
        used += compare(vault)
        if step % 5 == 0:
            compare(vault, ("--staged",))
    assert used >= steps // 2  # the quick way was taken, not only the full one


def test_state_survives_damage_and_is_bypassed_with_no_cache(tmp_path):
    world = World(tmp_path / "v", 99)
    vault = world.vault
    vault.run("check")
    state = vault.root / ".salesmd" / "index.sqlite"
    assert state.exists()
    world.edit()
    assert compare(vault)
    for junk in (b"", b"SQLite format 3\x00" + bytes(200), os.urandom(4096)):
        for extra in state.parent.glob("index.sqlite*"):
            extra.unlink()
        state.write_bytes(junk)
        result = vault.run("check", "--format", "json")
        assert result.stdout == vault.run("--no-cache", "check", "--format", "json").stdout
        assert "Traceback" not in result.output
    before = state.stat().st_mtime_ns
    world.edit()
    vault.run("--no-cache", "check")
    assert state.stat().st_mtime_ns == before  # --no-cache writes no state either


def test_config_change_means_a_full_check(tmp_path):
    world = World(tmp_path / "v", 7)
    vault = world.vault
    vault.run("check")
    assert compare(vault)
    config = vault.root / "salesmd.yaml"
    config.write_text(config.read_text().replace("stale_days:", "# changed\nstale_days:"))
    quick = vault.run("-v", "check")
    assert "full check needed" in quick.stderr


def test_renamed_deal_keeps_its_history_in_the_quick_check(tmp_path):
    vault = make_vault(tmp_path / "v")
    deal = vault.root / "opportunities" / "acme-fleet-renewal.md"
    deal.write_text(deal.read_text().replace("stage: proposal", "stage: won"))
    vault.commit("won")
    vault.run("check")
    git(vault.root, "mv", "opportunities/acme-fleet-renewal.md", "opportunities/acme-renewal.md")
    moved = vault.root / "opportunities" / "acme-renewal.md"
    moved.write_text(moved.read_text().replace("stage: won", "stage: negotiation"))
    assert compare(vault)
    assert "terminal-left" in vault.run("check").output


def test_two_checks_at_once_leave_a_state_that_agrees(tmp_path):
    import subprocess
    import sys

    world = World(tmp_path / "v", 3)
    vault = world.vault
    command = [sys.executable, "-m", "salesmd", "--vault", str(vault.root), "check", "--format", "json"]
    for _ in range(6):
        world.edit()
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
        outputs = [run.communicate() for run in runs]
        full = vault.run("--no-cache", "check", "--format", "json").stdout
        for out, err in outputs:
            assert err == b""
            assert out.decode() == full
        assert compare(vault)


# Cases found in review, each once a divergence of the quick check from the full one.
TASK = "---\ntype: task\nsubject: S\nstatus: open\ndue: 2026-01-01\nfollows: {}\n{}---\n"
DEAL = ("---\ntype: opportunity\nname: Q deal with a long name\nstage: {}\namount: 10\nclose_date: 2026-12-01\n"
        "owner: maria\nterritory: west\nproduct: forklifts\n---\nSome body text that is long enough to be similar.\n"
        "More lines here.\n")
ACCOUNT = "---\ntype: account\nname: {}\n---\n"


def _aged(vault, rel: str, text: str | None = None, seconds: int = 1800) -> None:
    path = vault.root / rel
    if text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp), follow_symlinks=False)


def _pull_commits_that_cancel_out(vault) -> None:
    other = vault.root.parent / "clone"
    git(vault.root.parent, "clone", "-q", str(vault.root), str(other))
    for stage in ("won", "proposal"):
        (other / "opportunities" / "q.md").write_text(DEAL.format(stage), encoding="utf-8")
        git(other, "commit", "-qam", stage)
    git(vault.root, "pull", "-q", "--ff-only", str(other), "main")


REVIEWED = {
    "duplicate id of a record linking to the edited one": (
        {"accounts/acme.md": ACCOUNT.format("Acme"), "accounts/bolt.md": ACCOUNT.format("Bolt"),
         "notes/dup.md": '---\ntype: note\ntitle: A\ndate: 2026-01-01\nrelated: ["[[acme]]"]\n---\n',
         "tasks/dup.md": '---\ntype: task\nsubject: B\nstatus: open\ndue: 2026-01-01\nrelated: ["[[bolt]]"]\n---\n'},
        lambda v: _aged(v, "accounts/bolt.md", ACCOUNT.format("Bolt Inc"))),
    "duplicate id (not a task) of a record linking to the edited one": (
        {"accounts/acme.md": ACCOUNT.format("Acme"), "accounts/bolt.md": ACCOUNT.format("Bolt"),
         "accounts/dup.md": ACCOUNT.format("Dup"),
         "contacts/dup.md": '---\ntype: contact\nname: B\naccount: "[[bolt]]"\n---\n'},
        lambda v: _aged(v, "accounts/bolt.md", ACCOUNT.format("Bolt Inc"))),
    "a new record changes another's did-you-mean": (
        {"notes/n.md": '---\ntype: note\ntitle: A\ndate: 2026-01-01\nrelated: ["[[acme-crop]]"]\n---\n'},
        lambda v: _aged(v, "accounts/acme-corp.md", ACCOUNT.format("Acme"))),
    "a new record shadows an id on a follow-up cycle": (
        {"tasks/a.md": TASK.format('"[[x]]"', ""), "tasks/x.md": TASK.format('"[[b]]"', ""),
         "tasks/b.md": TASK.format('"[[a]]"', "")},
        lambda v: _aged(v, "accounts/x.md", ACCOUNT.format("X"))),
    "the shadowing record goes again": (
        {"tasks/a.md": TASK.format('"[[x]]"', ""), "tasks/x.md": TASK.format('"[[b]]"', ""),
         "tasks/b.md": TASK.format('"[[a]]"', ""), "accounts/x.md": ACCOUNT.format("X")},
        lambda v: (v.root / "accounts" / "x.md").unlink()),
    "follows lists whose first link leads nowhere": (
        {"tasks/f.md": TASK.format('"[[b]]"', ""), "tasks/a.md": TASK.format('"[[b]]"', ""),
         "tasks/b.md": TASK.format('"[[f]]"', "")},
        lambda v: _aged(v, "tasks/f.md", TASK.format('["[[nowhere]]", "[[a]]"]', ""))),
    "conversion messages two links away": (
        {"leads/l.md": '---\ntype: lead\nname: L\nstage: converted\nconverted_to: "[[o]]"\n---\n',
         "opportunities/o.md": '---\ntype: opportunity\nname: O\nstage: proposal\nlead: "[[other]]"\n---\n',
         "leads/m.md": '---\ntype: lead\nname: M\nstage: new\nconverted_to: "[[p]]"\n---\n',
         "opportunities/q.md": '---\ntype: opportunity\nname: Q\nstage: proposal\nlead: "[[m]]"\n---\n'},
        lambda v: (_aged(v, "leads/Other.md", "---\ntype: lead\nname: Other\nstage: new\n---\n"),
                   _aged(v, "opportunities/p.md", "---\ntype: opportunity\nname: P\nstage: proposal\n---\n"))),
    "a rename seen only once it is staged": (
        {"opportunities/q.md": DEAL.format("won")},
        lambda v: (os.rename(v.root / "opportunities/q.md", v.root / "opportunities/p.md"),
                   _aged(v, "opportunities/p.md", DEAL.format("negotiation")), v.run("check"),
                   git(v.root, "add", "-A"))),
    "the other half of a rename committed": (
        {"opportunities/q.md": DEAL.format("won")},
        lambda v: (git(v.root, "mv", "opportunities/q.md", "opportunities/p.md"),
                   _aged(v, "opportunities/p.md", DEAL.format("negotiation")), v.run("check"),
                   git(v.root, "commit", "-q", "-m", "drop q", "--", "opportunities/q.md"))),
    "a deletion on disk makes a staged copy a rename": (
        {"opportunities/q.md": DEAL.format("won")},
        lambda v: (_aged(v, "opportunities/p.md", DEAL.format("won").replace("stage: won", "stage: proposal")),
                   git(v.root, "add", "opportunities/p.md"), v.run("check"),
                   (v.root / "opportunities" / "q.md").unlink())),
    "a renamed deal whose old name is back on disk, untracked": (
        {"opportunities/old.md": DEAL.format("won")},
        lambda v: (git(v.root, "mv", "opportunities/old.md", "opportunities/new.md"),
                   _aged(v, "opportunities/old.md", DEAL.format("won")), v.run("check"),
                   _aged(v, "opportunities/new.md", DEAL.format("negotiation"), seconds=900))),
    "pulled commits that cancel out": ({"opportunities/q.md": DEAL.format("proposal")}, _pull_commits_that_cancel_out),
    "duplicate task ids on a cycle": (
        {"accounts/acct.md": ACCOUNT.format("A"), "notes/A.md": TASK.format('"[[c]]"', ""),
         "tasks/a.md": TASK.format('"[[b]]"', 'related: ["[[acct]]"]\n'),
         "tasks/b.md": TASK.format('"[[a]]"', 'related: ["[[acct]]"]\n'), "tasks/c.md": TASK.format('"[[a]]"', "")},
        lambda v: _aged(v, "accounts/acct.md", ACCOUNT.format("A2"))),
    "a file dated before 1970": (
        {"accounts/acme.md": ACCOUNT.format("Acme")},
        lambda v: (os.utime(v.root / "accounts/acme.md", ns=(-10**9, -10**9)), v.run("check"),
                   (v.root / "accounts/acme.md").write_text("---\ntype: account\n---\n"),
                   os.utime(v.root / "accounts/acme.md", ns=(-10**9, -10**9)))),
}


@pytest.mark.parametrize("case", list(REVIEWED))
def test_reviewed_cases(tmp_path, case):
    files, change = REVIEWED[case]
    vault = make_vault(tmp_path / "v", files, base=False)
    for rel in files:
        _aged(vault, rel, seconds=7200)
    vault.commit("start")
    vault.run("check")
    change(vault)
    assert compare(vault)


def test_deleted_symlinked_record_leaves_the_state(tmp_path):
    vault = make_vault(tmp_path / "v", {
        "extra/real.txt": '---\ntype: note\ntitle: T\ndate: 2026-01-01\nrelated: ["[[nowhere]]"]\n---\n',
        "tasks/t.md": '---\ntype: task\nsubject: S\nstatus: open\ndue: 2026-01-01\nrelated: ["[[lnk]]"]\n---\n'},
        base=False)
    (vault.root / "notes").mkdir(exist_ok=True)
    os.symlink("../extra/real.txt", vault.root / "notes" / "lnk.md")
    vault.commit("start")
    vault.run("check")
    (vault.root / "notes" / "lnk.md").unlink()
    assert compare(vault)
    assert "link-broken" in vault.run("check").output


def test_the_renamed_deal_keeps_its_history_in_the_full_check_too(tmp_path):
    """Its old name's file, back and unchanged, must not leave that history unread."""
    vault = make_vault(tmp_path / "v", {"opportunities/old.md": DEAL.format("won")}, base=False)
    vault.commit("won")
    git(vault.root, "mv", "opportunities/old.md", "opportunities/new.md")
    _aged(vault, "opportunities/old.md", DEAL.format("won"))
    _aged(vault, "opportunities/new.md", DEAL.format("negotiation"), seconds=900)
    assert "new.md:4: error[terminal-left]" in vault.run("--no-cache", "check").output


def test_a_file_name_that_is_not_utf8_does_not_break_the_state(tmp_path):
    vault = make_vault(tmp_path / "v")
    name = os.fsdecode(b"caf\xe9.md")
    (vault.root / "notes" / name).write_bytes(b"---\ntype: note\ntitle: Cafe\ndate: 2026-11-20\n---\n")
    vault.commit("cafe")
    for _ in range(3):
        result = vault.run("check", "--format", "json")
        assert "Traceback" not in result.output
        assert result.stdout == vault.run("--no-cache", "check", "--format", "json").stdout


def test_a_committed_file_name_with_a_newline_is_one_path(tmp_path):
    lead = "---\ntype: lead\nname: A B\nstage: {}\n---\n"
    vault = make_vault(tmp_path / "v", {"leads/a\nb.md": lead.format("qualified")}, base=False)
    _aged(vault, "leads/a\nb.md", seconds=7200)
    vault.commit("qualified")
    _aged(vault, "leads/a\nb.md", lead.format("contacted"))
    assert "stage-backwards" in vault.run("check").output
    vault.commit("back to contacted")
    assert compare(vault)
    assert "stage-backwards" not in vault.run("check").output


def test_caches_written_by_other_code_of_the_same_version_are_not_trusted(vault, monkeypatch):
    # a development install or an upgrade that kept the version number: what the old code
    # stored (a problem the new schema no longer has, say) must not be answered again
    import salesmd.checks.state
    import salesmd.store.index

    vault.run("check", ok=True)
    assert "state" in vault.run("check", "-v").output and "used" in vault.run("check", "-v").output
    monkeypatch.setattr(salesmd.store.index, "code_stamp", lambda: "0.1.0+other")
    monkeypatch.setattr(salesmd.checks.state, "code_stamp", lambda: "0.1.0+other")
    out = vault.run("check", "-v").output
    assert "full check needed" in out, out
    assert "9 read" in out or "10 read" in out, out  # every file read again, none from the index


VIEWS = (("list", "opportunity", "--format", "json"), ("list", "task", "--owner", "maria", "--sort", "-due"),
         ("list", "contact", "--where", "account=[[acc1]]", "--format", "csv"),
         ("list", "opportunity", "--owner", "MARIA"), ("list", "lead", "--where", "stage=Qualified", "--format", "json"),
         ("list", "opportunity", "--where", "amount=1000", "--where", "name!=opp1"),
         ("pipeline", "--deals", "--format", "json"), ("pipeline",), ("pipeline", "--pipeline", "lead", "--format", "json"),
         ("agenda", "--format", "json"), ("agenda",), ("search", "opp*", "--format", "json"),
         ("list", "opportunity", "--filter", "amount>=1000 AND stage!=won OR name~=opp", "--format", "ids"),
         ("pipeline", "--filter", "amount<2000", "--format", "tsv"))


def compare_views(world) -> None:
    """Every reading command answers from the index what it answers reading every file."""
    vault = world.vault
    shown = world.rng.sample(world.files(), 3) + ["acc1", "nowhere"]
    for args in VIEWS + tuple(("show", rel.rsplit("/", 1)[-1][:-3], "--format", "json") for rel in shown[:3]) \
            + (("show", shown[3]), ("show", shown[4])):
        indexed = vault.run(*args)
        full = vault.run("--no-cache", *args)
        assert "Traceback" not in indexed.output
        assert (indexed.exit_code, indexed.stdout, indexed.stderr) == (full.exit_code, full.stdout, full.stderr), args


@pytest.mark.parametrize("seed", range(3))
def test_commands_answer_from_the_index_what_they_answer_from_the_files(tmp_path, seed):
    world = World(tmp_path / "v", 100 + seed)
    for _ in range(25):
        world.edit()
        if world.rng.random() < 0.3:
            world.write(world.rng.choice(world.files()), record_text(
                "opportunity", f"opp{world.rng.randrange(9)}", world.rng, world.ids).replace("1000", "2,500"))
        compare_views(world)
