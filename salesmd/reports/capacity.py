"""Capacity as a task is created: does the new task take its owner's day over their tasks_per_day?

The agenda flags such a day when it is shown; `new task` and `done --follow-up` ask here first,
with the agenda's own rules (its owner as every command reads it, its day, the owner's capacity),
so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from ..model import WARNING, Problem, Record
from ..store.read import read_file
from .agenda import capacity_of, day_of
from .query import effective


def planned_records(vault, after: dict[str, str]) -> dict[str, Record | None]:
    """The records a change would leave, by path, from the planned text of every file it writes."""
    return {rel: read_file(vault.root, rel, vault.config, raw=text.encode("utf-8")).record
            for rel, text in after.items()}


def over_capacity(vault, planned: dict[str, Record | None], created: Iterable[str]) -> list[Problem]:
    """A warning for each open task among `created` (paths in `planned`, what every file a change
    writes would hold) whose day holds, with it, more open tasks of its owner than they can do."""
    open_tasks = [r for r in vault.of_type_where("task", "status", "open") if r.path not in planned]
    open_tasks += [r for r in planned.values() if r is not None and r.type == "task" and r.get("status") == "open"]
    loads: dict[tuple[str, dt.date], int] = {}

    def load(owner: str, day: dt.date) -> int:
        if (owner, day) not in loads:
            loads[owner, day] = sum(1 for r in open_tasks
                                    if day_of(r.get("due")) == day and effective(vault, r, "owner") == owner)
        return loads[owner, day]

    problems = []
    for rel in created:
        task = planned.get(rel)
        if task is None or task.type != "task" or task.get("status") != "open":
            continue
        owner, day = effective(vault, task, "owner"), day_of(task.get("due"))
        if owner is None or day is None:
            continue
        capacity, tasks = capacity_of(vault.config, owner), load(owner, day)
        if tasks > capacity:
            listed = (vault.config.roster.owners or {}).get(owner)
            setting = "tasks_per_day" if listed is None or listed.tasks_per_day is None \
                else f"owners: {owner}: tasks_per_day"
            problems.append(Problem(task.source("due"), "over-capacity",
                                    f"{owner}: {tasks} open tasks due on {day.isoformat()} with this one, "
                                    f"capacity {capacity} a day ({setting} in salesmd.yaml)", WARNING))
    return problems
