"""Git histories with dated commits and named authors, for the reports on the past (--as-of, diff,
forecast-accuracy): every figure a test asserts is computed by hand from these commits."""

from __future__ import annotations

import os
import subprocess


def commit_on(v, day: str, files: dict[str, str | None], author: str = "Maria", moves: dict[str, str] | None = None) -> str:
    """Write (None: delete) the files, `git mv` each of `moves` (old -> new path), and commit it all
    on `day` at noon as `author`; the new commit's id."""
    env = dict(os.environ, GIT_AUTHOR_DATE=f"{day}T12:00:00", GIT_COMMITTER_DATE=f"{day}T12:00:00",
               GIT_AUTHOR_NAME=author, GIT_AUTHOR_EMAIL=f"{author.lower()}@example.com",
               GIT_COMMITTER_NAME=author, GIT_COMMITTER_EMAIL=f"{author.lower()}@example.com")
    for old, new in (moves or {}).items():
        subprocess.run(["git", "mv", old, new], cwd=v.root, check=True, env=env)
    for rel, text in files.items():
        if text is None:
            (v.root / rel).unlink()
        else:
            v.write(rel, text)
    subprocess.run(["git", "add", "-A"], cwd=v.root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", f"on {day}"], cwd=v.root, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=v.root, check=True, capture_output=True,
                          text=True).stdout.strip()


def deal(name: str, stage: str, amount, close: str, owner: str = "maria", currency: str | None = None,
         body: str = "", **extra) -> str:
    lines = ["---", "type: opportunity", f"name: {name}", f"stage: {stage}", f"amount: {amount}",
             f"close_date: {close}", f"owner: {owner}"] + [f"currency: {currency}"] * bool(currency)
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines + ["---", body])


def lead(name: str, stage: str, owner: str = "maria", **extra) -> str:
    lines = ["---", "type: lead", f"name: {name}", f"stage: {stage}", f"owner: {owner}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return "\n".join(lines + ["---", ""])
