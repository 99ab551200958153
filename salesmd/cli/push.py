"""`salesmd hooks pre-receive`: what the server's hook (`hooks install --server`) runs on a push."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model import printable
from ..render.output import count
from .app import fail
from .vault_commands import hooks


@hooks.command(name="pre-receive")
@click.option("--repo", "repo_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="The repository receiving the push (default: the current folder, where git runs the hook).")
@click.option("--vault-path", default="", metavar="PATH", help="The vault's folder inside the repository (default: its top).")
def pre_receive(repo_dir: Path, vault_path: str):
    """Check a push as git's pre-receive hook: read `<old> <new> <ref>` lines on standard input.

    For each branch updated (and each tag set at a commit): every new commit is held to the process
    rules against its parents (a terminal stage kept, a conversion final, stages not moved back
    where `backwards` forbids it), and the vault at the new tip is checked as `salesmd check` checks files. Prints each problem as
    `path:line: severity[code]: message` under the commit that made it (id, author, subject) and
    exits 1, which refuses the whole push; exit 0 accepts it. Deleted refs, and refs
    other than branches and tags, pass.

    Example: echo "$OLD $NEW refs/heads/main" | salesmd hooks pre-receive --vault-path crm
    """
    from ..checks.push import check_push
    from ..git.hooks import HookError, vault_prefix
    from ..git.repo import GitError
    from ..git.receive import read_updates

    try:
        prefix = vault_prefix(vault_path)
    except HookError as e:
        fail(str(e))
    try:
        updates = read_updates(sys.stdin.read())
    except ValueError as e:
        fail(f"error: {e}")
    try:
        verdicts = check_push(repo_dir, prefix, updates)
    except GitError as e:
        fail(f"git: {e}; push refused", 1)
    refused = False
    for verdict in verdicts:
        ref = verdict.update.ref
        if verdict.note is not None:
            continue
        errors = sum(f.problem.severity == "error" for f in verdict.findings)
        if verdict.refused:
            refused = True
            say(f"salesmd: push to {ref} refused: {count(errors, 'error')}; fix the commits named "
                "(git rebase -i, or git commit --amend for the last) and push again")
        elif verdict.findings:
            say(f"salesmd: {ref}: {count(len(verdict.findings), 'warning')}")
        else:
            say(f"salesmd: {ref}: {count(verdict.commits, 'new commit')} checked, nothing broken")
        by_commit: dict[str, list] = {}  # in the push's order, parents first
        for f in verdict.findings:
            by_commit.setdefault(f.commit.sha, []).append(f)
        for found in by_commit.values():
            commit = found[0].commit
            say(f"  commit {commit.short} by {commit.author}: {commit.subject}")
            for f in sorted(found, key=lambda f: f.problem.sort_key()):
                say(f"    {f.problem.format()}")
    if refused:
        sys.exit(1)


def say(line: str) -> None:
    """To stderr, which git shows the pusher (each line after `remote:`)."""
    click.echo(printable(line), err=True)
