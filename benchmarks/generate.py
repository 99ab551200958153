"""Generate a synthetic but realistic salesmd vault of N records (all seven types, linked).

    python benchmarks/generate.py OUT_DIR --records 10000 [--commits 300] [--seed 1] [--hard]

The vault checks clean. With --hard, the links take the shapes real vaults grow into and that
punish anything quadratic: every task follows the one before (one follow-up chain as long as
there are tasks, a weekly check-in kept for years), every activity is also linked to one account
(10,000 activities at 30k records), and one contact is named by every other activity and note
(a contact linked from thousands of records). With --commits, the records are committed once and then moved through
their pipelines in that many further commits (a few files each), as a team's history would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

SHARE = {"account": 0.05, "contact": 0.10, "lead": 0.10, "opportunity": 0.10, "activity": 0.33,
         "task": 0.22, "note": 0.10}
FOLDERS = {"lead": "leads", "contact": "contacts", "account": "accounts", "opportunity": "opportunities",
           "activity": "activities", "task": "tasks", "note": "notes"}
OWNERS = [("maria", "west"), ("dev", "east"), ("sam", "central"), ("lee", "west")]
PRODUCTS = ["forklifts", "telehandlers", "aerial-lifts", "service-contract", "rentals"]
OPEN = ["prospecting", "qualification", "proposal", "negotiation"]
BODY = ("Met the operations lead on site. They run a mixed fleet and want fewer brands to service.\n"
        "Budget is set in January; the CFO signs anything over 50k. Follow the trade-in question.\n")
TODAY = dt.date(2026, 11, 24)


def _fm(lines: list[str], body: str = BODY) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def generate(root: Path, records: int, seed: int = 1, hard: bool = False) -> dict[str, list[str]]:
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    config = (Path(__file__).resolve().parent.parent / "templates" / "salesmd.yaml").read_text()
    (root / "salesmd.yaml").write_text(config.replace("# today: 2026-11-24", "today: 2026-11-24"))
    (root / ".gitignore").write_text(".salesmd/\n_site/\n")
    for folder in FOLDERS.values():
        (root / folder).mkdir()
    counts = {t: max(1, int(records * s)) for t, s in SHARE.items()}
    counts["activity"] += records - sum(counts.values())
    ids: dict[str, list[str]] = {t: [f"{t[:3]}-{i:06d}" for i in range(n)] for t, n in counts.items()}
    # converted leads: the first tenth of the leads, one opportunity each
    converted = dict(zip(ids["lead"][: len(ids["lead"]) // 10], ids["opportunity"]))
    lead_of = {opp: lead for lead, opp in converted.items()}

    def day(offset_range=(-120, 90)) -> dt.date:
        return TODAY + dt.timedelta(days=rng.randint(*offset_range))

    def write(type_: str, rid: str, text: str) -> None:
        (root / FOLDERS[type_] / f"{rid}.md").write_text(text)

    for i, rid in enumerate(ids["account"]):
        owner, terr = OWNERS[i % len(OWNERS)]
        write("account", rid, _fm([f"type: account", f"name: Account {i} Logistics", "industry: logistics",
                                   f"website: https://a{i}.example", f'phone: "+1 503 555 {i % 10000:04d}"',
                                   f"owner: {owner}", f"territory: {terr}", f"created: {day((-400, -100))}"]))
    for i, rid in enumerate(ids["contact"]):
        acc = ids["account"][i % len(ids["account"])]
        write("contact", rid, _fm([f"type: contact", f"name: Person {i}", f'account: "[[{acc}]]"',
                                   f"email: p{i}@example.com", "role: Fleet manager", f"created: {day((-300, -30))}"]))
    for i, rid in enumerate(ids["lead"]):
        owner, terr = OWNERS[i % len(OWNERS)]
        lines = [f"type: lead", f"name: Lead {i}", f"company: Company {i}", f"owner: {owner}", f"territory: {terr}",
                 f"created: {day((-200, -1))}"]
        if rid in converted:
            lines += ["stage: converted", f'converted_to: "[[{converted[rid]}]]"', f"converted_on: {day((-60, -1))}"]
        else:
            lines.append(f"stage: {rng.choice(['new', 'contacted', 'qualified', 'disqualified'])}")
        write("lead", rid, _fm(lines))
    for i, rid in enumerate(ids["opportunity"]):
        owner, terr = OWNERS[i % len(OWNERS)]
        stage = rng.choice(OPEN + ["won", "lost"])
        lines = [f"type: opportunity", f"name: Deal {i}", f"stage: {stage}",
                 f'account: "[[{ids["account"][i % len(ids["account"])]}]]"',
                 f'contacts: ["[[{ids["contact"][i % len(ids["contact"])]}]]"]',
                 f"amount: {rng.randrange(5, 250) * 1000}", f"close_date: {day((-90, 150))}",
                 f"product: {rng.choice(PRODUCTS)}", f"owner: {owner}", f"territory: {terr}",
                 f"created: {day((-300, -100))}"]
        if stage == "lost":
            lines.append("lost_reason: price")
        if rid in lead_of:
            lines.append(f'lead: "[[{lead_of[rid]}]]"')
        write("opportunity", rid, _fm(lines))
    for i, rid in enumerate(ids["activity"]):
        owner, _ = OWNERS[i % len(OWNERS)]
        start = dt.datetime.combine(day((-90, 20)), dt.time(rng.randint(8, 17), rng.choice([0, 30])))
        status = "done" if start.date() < TODAY else "planned"
        related = [rng.choice(ids["opportunity"]), rng.choice(ids["contact"])]
        if hard:
            related += [ids["account"][0]] + ([ids["contact"][0]] if i % 2 else [])
        write("activity", rid, _fm([f"type: activity", f"subject: Call {i}",
                                    f"kind: {rng.choice(['call', 'email', 'meeting', 'in-person'])}",
                                    f"status: {status}", f"start: {start:%Y-%m-%dT%H:%M}",
                                    "related: [" + ", ".join(f'"[[{r}]]"' for r in dict.fromkeys(related)) + "]",
                                    f"owner: {owner}", "outcome: Agreed next steps"]))
    for i, rid in enumerate(ids["task"]):
        owner, _ = OWNERS[i % len(OWNERS)]
        due = day((-20, 30))
        lines = [f"type: task", f"subject: Follow up {i}", f"status: {'done' if due < TODAY else 'open'}",
                 f"due: {due}", "purpose: Keep the deal moving", f'related: ["[[{rng.choice(ids["opportunity"])}]]"]',
                 f"owner: {owner}"]
        if i and (hard or i % 5):
            lines.append(f'follows: "[[{ids["task"][i - 1]}]]"')
        write("task", rid, _fm(lines))
    for i, rid in enumerate(ids["note"]):
        related = [rng.choice(ids["account"])] + ([ids["contact"][0]] if hard else [])
        write("note", rid, _fm([f"type: note", f"title: Outcome {i}", f"date: {day((-90, -1))}",
                                "related: [" + ", ".join(f'"[[{r}]]"' for r in dict.fromkeys(related)) + "]"],
                               BODY + f"Decided: [[{rng.choice(ids['opportunity'])}]] goes to a formal quote.\n"))
    return ids


HUBSPOT_STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
                  "contractsent", "closedwon", "closedlost"]


def deals_csv(path: Path, rows: int, accounts: int = 85, seed: int = 1) -> None:
    """A HubSpot deals export of `rows` deals over `accounts` companies and 35 reps, shaped like the
    public CRM sales-opportunities data set (8,800 deals, 85 accounts): the import benchmark's input."""
    import csv

    rng = random.Random(seed)
    reps = [f"Rep{i} Person{i}" for i in range(35)]
    companies = [f"Company {i} Ltd" for i in range(accounts)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Record ID", "Deal Name", "Deal Stage", "Close Date", "Deal owner", "Amount", "Pipeline",
                      "Associated Company", "Create Date", "Closed Lost Reason"])
        for i in range(rows):
            stage = rng.choice(HUBSPOT_STAGES)
            created = TODAY - dt.timedelta(days=rng.randint(30, 700))
            close = created + dt.timedelta(days=rng.randint(5, 200))
            company = rng.choice(companies)
            out.writerow([str(10_000_000 + i), f"{company} {rng.choice(PRODUCTS)} {i}", stage,
                          close.isoformat(), rng.choice(reps), str(rng.randrange(1, 300) * 100), "Sales Pipeline",
                          company, f"{created.isoformat()} 09:00", "price" if stage == "closedlost" else ""])


def git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="b@example.com",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="b@example.com")
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def add_history(root: Path, ids: dict[str, list[str]], commits: int, seed: int = 1) -> None:
    """One commit of everything, then `commits` commits that each move a few deals forward."""
    rng = random.Random(seed + 1)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "import")
    for n in range(commits):
        for rid in rng.sample(ids["opportunity"], 3):
            path = root / "opportunities" / f"{rid}.md"
            text = path.read_text()
            stage = text.split("stage: ", 1)[1].split("\n", 1)[0]
            if stage in OPEN[:-1]:
                text = text.replace(f"stage: {stage}\n", f"stage: {OPEN[OPEN.index(stage) + 1]}\n", 1)
            else:
                text = text.replace("amount: ", "amount: 1", 1) if stage in OPEN else text + "\nUpdated.\n"
            path.write_text(text)
        git(root, "commit", "-q", "-am", f"pipeline update {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hard", action="store_true", help="long follow-up chains and heavily linked records")
    args = parser.parse_args()
    ids = generate(args.out, args.records, args.seed, args.hard)
    if args.commits:
        add_history(args.out, ids, args.commits, args.seed)
    print(f"{sum(len(v) for v in ids.values())} records in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
