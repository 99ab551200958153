"""A vault with a long git history: the records of generate.py, built up over `commits` commits
dated across about two years, by several authors, written with one `git fast-import`.

    python benchmarks/history_shape.py OUT_DIR [--records 10000] [--commits 5000] [--seed 1]

The first commit holds the accounts, contacts and a third of the rest; every other record is
created in a later commit and then lives a life: a deal starts in the first stage and moves
forward to the stage it has now, its amount and close date changing on the way; a lead is
worked and then qualified, disqualified or converted; a task is done, a planned activity logged.
One deal is edited in about every tenth commit (hundreds of versions of one file, the shape that
punishes anything quadratic in a file's versions), a few records are renamed, and a few
records (deals and leads among them, with stage histories of their own) are deleted. Every
change keeps the process rules (stages only move forward, terminal stages are reached last), so
the vault checks as the generated one does. The same seed gives the same commits, byte for byte.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import subprocess
import sys
from pathlib import Path

from generate import FOLDERS, OPEN, TODAY, generate

AUTHORS = [("Maria Lopez", "maria@example.com"), ("Dev Patel", "dev@example.com"),
           ("Sam Okafor", "sam@example.com"), ("Lee Chen", "lee@example.com"), ("Ops Bot", "ops@example.com")]
DAYS = 730  # the history spans about two years, ending on generate.py's TODAY
HOT = "opp-000003"  # the deal edited in about every tenth commit


def _set(text: str, key: str, value: str | None) -> str:
    """The text with `key: ...` (a front-matter line) replaced by `value`, or removed when None."""
    line = re.compile(rf"^{key}: .*\n", re.M)
    return line.sub("" if value is None else f"{key}: {value}\n", text, count=1)


def _life(rng: random.Random, type_: str, final: str) -> list[str]:
    """The versions a record goes through before its final text (the last item)."""
    if type_ == "opportunity":
        stage = re.search(r"^stage: (.*)$", final, re.M).group(1)
        steps = OPEN[: OPEN.index(stage) + 1] if stage in OPEN else OPEN[: rng.randint(1, len(OPEN))]
        versions = []
        for s in steps:
            text = _set(_set(final, "stage", s), "lost_reason", None)
            versions.append(_set(text, "amount", str(rng.randrange(5, 250) * 1000)))
            if rng.random() < 0.4:  # the close date slips once in this stage
                slipped = TODAY + dt.timedelta(days=rng.randint(-200, 150))
                versions.append(_set(versions[-1], "close_date", slipped.isoformat()))
        return versions + [final]
    if type_ == "lead":
        text = _set(_set(_set(final, "stage", "new"), "converted_to", None), "converted_on", None)
        return [text, _set(text, "stage", "contacted"), final] if "stage: new" not in final else [final]
    if type_ == "task" and "status: done" in final:
        return [_set(final, "status", "open"), final]
    if type_ == "activity" and "status: done" in final and rng.random() < 0.5:
        return [_set(_set(final, "status", "planned"), "outcome", None), final]
    return [final]


def _plan(rng: random.Random, files: dict[str, str], commits: int) -> list[list[tuple[str, str | None]]]:
    """Each commit's changes, oldest first: (path, new text, or None to delete it)."""
    plan: list[list[tuple[str, str | None]]] = [[] for _ in range(commits)]
    hot = f"opportunities/{HOT}.md"
    for path in sorted(files):
        type_ = next((t for t, f in FOLDERS.items() if path.startswith(f + "/")), None)
        versions = _life(rng, type_, files[path]) if type_ else [files[path]]
        versions = [v for i, v in enumerate(versions) if not i or v != versions[i - 1]]  # each a change
        if path == hot:  # edited about every tenth commit, its amount each time
            born = 1
            versions = [versions[0], *(_set(files[path], "amount", str(1000 * (n % 240 + 5)))
                                       for n in range(commits // 10)), files[path]]
        elif type_ in (None, "account", "contact") or rng.random() < 0.33:
            born = 0
        else:
            born = rng.randrange(1, commits - 1)
        later = sorted(rng.sample(range(born + 1, commits), min(len(versions) - 1, commits - born - 1)))
        when = [born, *later]
        versions = [*versions[: len(when) - 1], versions[-1]]  # a short life still ends in the final text
        if born and type_ in ("note", "task", "opportunity") and rng.random() < 0.01:  # renamed once, at the end
            if len(when) == 1:
                when, versions = [born, rng.randrange(born + 1, commits)], [versions[0], versions[0]]
            old = path.replace(".md", "-draft.md")
            for at, text in zip(when[:-1], versions):
                plan[at].append((old, text))
            plan[when[-1]] += [(old, None), (path, versions[-1])]
            continue
        for at, text in zip(when, versions):
            plan[at].append((path, text))
    for i in range(max(1, commits // 200)):  # records made and deleted later, deals and leads among them
        type_ = ("opportunity", "lead", "task", "note")[i % 4]
        path = f"{FOLDERS[type_]}/gone-{i:04d}.md"
        template = next(t for p, t in sorted(files.items()) if p.startswith(FOLDERS[type_] + "/"))
        versions = _life(rng, type_, template)[:-1] or [template]
        born = rng.randrange(1, commits // 2)
        for at, text in zip(range(born, commits), versions):
            plan[at].append((path, text))
        plan[min(commits - 1, born + len(versions) + rng.randrange(1, 50))].append((path, None))
    # A commit left with nothing to do fills in an account's website or a contact's role instead.
    filled = [i for i, (path, _) in enumerate(plan[0]) if path.startswith(("accounts/", "contacts/"))]
    rng.shuffle(filled)
    for n, i in zip([n for n in range(1, commits) if not plan[n]], filled):
        path, final = plan[0][i]
        plan[0][i] = (path, _set(final, "website" if path.startswith("accounts/") else "role", None))
        plan[n].append((path, final))
    return plan


def _stream(plan: list[list[tuple[str, str | None]]], rng: random.Random) -> bytes:
    """The git fast-import stream of the plan: one commit per item, dated over DAYS days."""
    out: list[bytes] = []
    start = int(dt.datetime.combine(TODAY - dt.timedelta(days=DAYS), dt.time(9)).replace(
        tzinfo=dt.timezone.utc).timestamp())
    step = DAYS * 86400 // max(1, len(plan))
    for n, changes in enumerate(plan):
        name, email = AUTHORS[0] if n == 0 else rng.choice(AUTHORS)
        when = start + n * step + rng.randrange(0, max(1, step // 2))
        what = "import" if n == 0 else f"{name.split()[0]}: {len(changes)} change{'s' * (len(changes) != 1)}"
        message = what.encode()
        out.append(f"commit refs/heads/main\nmark :{n + 1}\nauthor {name} <{email}> {when} +0000\n"
                   f"committer {name} <{email}> {when} +0000\ndata {len(message)}\n".encode() + message + b"\n")
        if n:
            out.append(f"from :{n}\n".encode())
        for path, text in changes:
            if text is None:
                out.append(f"D {path}\n".encode())
            else:
                data = text.encode("utf-8")
                out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        out.append(b"\n")
    return b"".join(out)


def history_vault(root: Path, records: int = 10000, commits: int = 5000, seed: int = 1) -> dict[str, list[str]]:
    """Generate the vault in `root` (generate.py's records) and its history of `commits` commits;
    the work tree is HEAD's. Returns the ids, as generate() does."""
    ids = generate(root, records, seed)
    files = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(root.rglob("*")) if p.is_file()}
    rng = random.Random(seed + 2)
    plan = _plan(rng, files, max(2, commits))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, check=True, input=_stream(plan, rng))
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ids = history_vault(args.out, args.records, args.commits, args.seed)
    print(f"{sum(len(v) for v in ids.values())} records, {args.commits} commits in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
