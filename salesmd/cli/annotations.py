"""`check --format github|gitlab`: the paths from the repository's top, where CI runs."""

from __future__ import annotations

from pathlib import Path

import click

from ..git.repo import Repo
from ..render.annotations import github, gitlab


def annotate(app, fmt: str, root: Path, problems: list, summary: str) -> None:
    repo = Repo.find(root)
    prefix = repo.prefix if repo is not None else ""

    def repo_path(path: str) -> str:
        return prefix + path

    if fmt == "gitlab":  # the report is the whole output: CI saves it as an artifact
        click.echo(gitlab(problems, repo_path))
        return
    text = github(problems, repo_path)
    if text:
        click.echo(text)
    click.echo(summary)  # a plain line in the job's log
