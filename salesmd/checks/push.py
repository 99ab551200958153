"""A push checked where it arrives (`salesmd hooks pre-receive`, the server's hook): git/receive.py
reads it from git objects, without a working tree; this applies the rules to it.

For each branch the push updates (and each tag it sets at a commit, held as a branch would be):
- every new commit is held to the process rules against each of its parents, as `check --history`
  holds every version to the versions it descends from: a record committed in a terminal stage
  keeps it, a converted lead keeps its `converted_to`, and (with `backwards: warn|error`) a stage
  does not move back. The parents are what the repository already accepted, so a commit is told
  against its parents' versions alone, and the cost is that of the pushed commits, not of history.
  "New" is what no branch held before the push: a commit only a tag holds is checked again;
- a push that rewrites a branch's history (its old tip is not in the new history: a force-push)
  is held to the same rules between the two tips: each record as the old tip had it against the
  same record (renames followed) at the new tip, the new tip blamed;
- the vault at the new tip is checked as `salesmd check` checks files (the configuration, every
  record, links), and the push is refused for the errors it brings: those the branch's old tip
  did not have (a vault that had problems before the hook was installed can still be pushed to).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, ConfigError
from ..git.receive import Pushed, Receiving, Update, WrittenTree
from ..git.repo import GitError
from ..git.versions import Commit, Facts, facts_of
from ..model import ERROR, WARNING, Problem, Source
from ..store import frontmatter
from ..store.walk import walked
from .process import conversion_of, is_terminal, moved_back


@dataclass(frozen=True)
class Finding:
    commit: Commit  # the commit to blame: the one that made the change
    problem: Problem  # its path relative to the repository's top


@dataclass
class Verdict:
    update: Update
    findings: list[Finding] = field(default_factory=list)
    commits: int = 0  # new commits checked
    note: str | None = None  # why the update was not checked

    @property
    def refused(self) -> bool:
        return any(f.problem.severity == ERROR for f in self.findings)


def check_push(git_dir: Path, prefix: str, updates: list[Update]) -> list[Verdict]:
    receiving = Receiving(git_dir, prefix)
    receiving.accept_branches(updates)
    return [check_update(receiving, u) for u in updates]


def check_update(receiving: Receiving, update: Update) -> Verdict:
    if update.deleted:
        return Verdict(update, note="deleted")
    if not (update.branch or update.tag):
        return Verdict(update, note="not a branch or a tag")
    new = receiving.peeled(update.new)
    if new is None:
        if update.tag and receiving.has_object(update.new):
            return Verdict(update, note="a tag of no commit")
        raise GitError(f"{update.ref}: {update.new} is not a commit of this repository")
    old = None if update.created else receiving.peeled(update.old)
    if not receiving.has_vault(new):
        where = receiving.prefix + "salesmd.yaml"
        if old is None or not receiving.has_vault(old):
            return Verdict(update, note=f"no {where} there")
        blamed = receiving.last_change(new, where, exclude=old) or receiving.commit(new)
        return Verdict(update, [Finding(blamed, Problem(Source(where, 1), "vault-removed", (
            f"the push removes {where}, and with it the vault this hook checks; if the vault moved, "
            "install the hook again with its new --vault-path")))])
    commits = receiving.new_commits(new)
    base = receiving.base(old, new, commits)
    verdict = Verdict(update, commits=len(commits))
    if base is not None and not {p for p in receiving.changed_paths(base, new)
                                 if p.startswith(receiving.prefix)}:
        return verdict  # the vault is as it was: nothing to check
    with _tree(receiving) as checked:
        config, problems = checked(new)
        if problems and base is not None and receiving.has_vault(base):
            _, before = checked(base)
            known = {(p.source.path, p.code, p.message) for p in before}
            problems = [p for p in problems if (p.source.path, p.code, p.message) not in known]
    tip = next((p.commit for p in commits if p.commit.sha == new), None) or receiving.commit(new)
    if config is not None:
        verdict.findings += process_findings(receiving, commits, config)
        if update.branch and old is not None and not receiving.is_ancestor(old, new):
            verdict.findings += rewrite_findings(receiving, old, tip, config, verdict.findings)
    changed_by = receiving.last_changes(new, base) if problems else {}
    for p in problems:
        where = receiving.prefix + p.source.path
        blamed = changed_by.get(where, tip)  # a file the push did not touch: the tip broke it
        verdict.findings.append(Finding(blamed, Problem(Source(where, p.source.line), p.code, p.message, p.severity)))
    return verdict


@contextmanager
def _tree(receiving: Receiving):
    """A function: commit -> (configuration, problems) of the vault as that commit has it.

    The vault is written out where the repository keeps it between pushes (git/receive.py's
    WrittenTree, its index warm), else, when that cannot be written, in a temporary folder."""
    kept = _kept_tree(receiving)
    if kept is not None:
        with kept.locked():
            yield lambda sha: _checked(kept, sha, use_cache=True)
        return
    with tempfile.TemporaryDirectory(prefix="salesmd-push-") as tmp:
        yield lambda sha: _checked(WrittenTree(receiving, Path(tmp) / sha), sha, use_cache=False)


def _kept_tree(receiving: Receiving) -> WrittenTree | None:
    """The tree kept in the repository's git directory, or None where it cannot be written."""
    try:
        git_dir = Path(receiving.git("rev-parse", "--absolute-git-dir").decode().strip())
        folder = git_dir / "salesmd-hook" / (receiving.prefix.strip("/").replace("/", "%") or "_")
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "lock", "a"):
            pass
    except (OSError, GitError):
        return None
    return WrittenTree(receiving, folder)


def _checked(tree: WrittenTree, sha: str, use_cache: bool) -> tuple[Config | None, list[Problem]]:
    from .run import run_check

    try:
        root = tree.write(sha)
    except OSError:  # a file where a folder now is, a folder become a link...: write it all afresh
        shutil.rmtree(tree.root, ignore_errors=True)
        tree.manifest.unlink(missing_ok=True)
        root = tree.write(sha)
    escaping = "symbolic link leads outside the vault; not read"
    if "salesmd.yaml" in tree.outside:
        return None, [Problem(Source("salesmd.yaml", 1), "path-escape", escaping)]
    with _outside_git(root.parent):
        try:
            vault, problems, _ = run_check(root, "current", use_cache=use_cache)
        except ConfigError as e:
            return None, [Problem(Source("salesmd.yaml", 1), "config", str(e))]
    # the links not written out, where the check would have read them (as it refuses them in a clone)
    problems += [Problem(Source(rel, 1), "path-escape", escaping) for rel in tree.outside if walked(rel, vault.config)]
    return vault.config, problems


@contextmanager
def _outside_git(ceiling: Path):
    """The written-out tree is no repository: the check must not find the one receiving the push
    (git gives the hook GIT_DIR) nor any repository around the temporary folder."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("GIT_")}
    os.environ["GIT_CEILING_DIRECTORIES"] = str(ceiling)
    try:
        yield
    finally:
        os.environ.pop("GIT_CEILING_DIRECTORIES", None)
        os.environ.update(saved)


def process_findings(receiving: Receiving, commits: list[Pushed], config: Config) -> list[Finding]:
    """The process rules broken by the new commits, each against the parent it changed."""
    pairs = [(p, c) for p in commits for c in p.changes
             if c.old_blob and c.new_blob and c.status in "MRT" and c.new_path.endswith(".md")]
    blobs = receiving.blobs(sorted({b for _, c in pairs for b in (c.old_blob, c.new_blob)}))
    facts = {sha: facts_of(data) for sha, data in blobs.items()}
    found: list[Finding] = []
    for pushed, change in pairs:
        before, after = facts.get(change.old_blob), facts.get(change.new_blob)
        if before is None or after is None:
            continue
        for code, key, severity, message in _breaks(config, before, after):
            made = receiving.last_change(change.parent, change.old_path) if change.parent else None
            was = made.label() if made else "an earlier commit"
            line = _line_of(blobs[change.new_blob], key)
            found.append(Finding(pushed.commit, Problem(
                Source(change.new_path, line), code, message.replace("{was}", was).replace("{now}", pushed.commit.label()), severity)))
    return found


def rewrite_findings(receiving: Receiving, old: str, tip: Commit, config: Config,
                     found: list[Finding]) -> list[Finding]:
    """The rules a push that rewrites history breaks between the branch's old tip, which the new
    history leaves out, and its new tip: each record as `old` had it against the same record at
    the tip, the tip blamed. A rule the pushed commits already break at that path is not said twice."""
    said = {(f.problem.source.path, f.problem.code) for f in found}
    changes = [c for c in receiving.changes_between(old, tip.sha)
               if c.old_blob and c.new_blob and c.status in "MRT" and c.new_path.endswith(".md")]
    blobs = receiving.blobs(sorted({b for c in changes for b in (c.old_blob, c.new_blob)}))
    facts = {sha: facts_of(data) for sha, data in blobs.items()}
    dropped = receiving.commit(old)
    out: list[Finding] = []
    for change in changes:
        before, after = facts.get(change.old_blob), facts.get(change.new_blob)
        if before is None or after is None:
            continue
        for code, key, severity, message in _breaks(config, before, after):
            if (change.new_path, code) in said:
                continue
            made = receiving.last_change(old, change.old_path) or dropped
            text = (message.replace("{was}", made.label()).replace("{now}", tip.label())
                    + f"; the push rewrites history: the branch's tip {dropped.short} is not in the new one")
            out.append(Finding(tip, Problem(Source(change.new_path, _line_of(blobs[change.new_blob], key)),
                                            code, text, severity)))
    return out


def _breaks(config: Config, before: Facts, after: Facts):
    """(code, key, severity, message with {was} and {now}) for each rule `after` breaks against
    `before`, the version it was made from (the rules of checks/process.py, version to version)."""
    if is_terminal(config, before.type, before.stage) and after.stage != before.stage:
        yield ("terminal-left", "stage", ERROR,
               f"was '{before.stage}' in {{was}}, became '{after.stage}' in {{now}}: "
               "a record in a terminal stage stays there")
    if conversion_of(before) and after.converted_to != before.converted_to:
        yield ("conversion-changed", "converted_to", ERROR,
               f"was converted to [[{before.converted_to}]] in {{was}}, changed in {{now}}: a conversion is final")
    back = moved_back(config, before.type, before.stage, after.stage) if after.type == before.type else None
    if back is not None:
        yield ("stage-backwards", "stage", ERROR if config.backwards == "error" else WARNING,
               f"moved back from '{back[0]}' ({{was}}) to '{back[1]}' in {{now}}")


def _line_of(data: bytes, key: str) -> int:
    """The file line of `key` in a version's front matter (1 when it is not there)."""
    try:
        parts = frontmatter.split(data.decode("utf-8"))
    except UnicodeDecodeError:
        return 1
    if not parts.has_front_matter or parts.unclosed:
        return 1
    lines = frontmatter.parse_yaml(parts.yaml_text, parts.yaml_line).key_lines
    return lines.get(key, lines.get("stage", 1))
