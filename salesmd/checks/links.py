"""Checks across records: unique ids, links that resolve to the right type, follow-up chains."""

from __future__ import annotations

from typing import Iterator

from ..model import Problem
from ..schema import LINK_TARGETS
from ..store.vault import Vault
from ..suggest import did_you_mean


def check_unique_ids(vault: Vault) -> Iterator[Problem]:
    first: dict[str, str] = {}
    for record in sorted(vault.records, key=lambda r: r.path):
        if record.key in first:
            yield Problem(record.source(), "id-duplicate",
                          f"id '{record.id}' is already used by {first[record.key]} "
                          "(ids are file names, compared ignoring case); rename one of the files")
        else:
            first[record.key] = record.path


def check_links(vault: Vault) -> Iterator[Problem]:
    for record in vault.records:
        for key, allowed in LINK_TARGETS[record.type].items():
            for link in record.links(key):
                target = vault.resolve(link)
                if target is None:
                    if link.key in vault.broken:
                        continue  # that file has its own error; one message is enough
                    ids = vault.ids_of(allowed)
                    yield Problem(record.source(key), "link-broken",
                                  f"'{key}' links to [[{link.target}]], which is not a record in this vault"
                                  + did_you_mean(link.target, ids))
                elif target.type not in allowed:
                    kinds = " or ".join(allowed)
                    yield Problem(record.source(key), "link-type",
                                  f"'{key}' must link to {'an' if kinds[0] in 'aeiou' else 'a'} {kinds}, "
                                  f"but [[{link.target}]] is {'an' if target.type[0] in 'aeiou' else 'a'} "
                                  f"{target.type} ({target.path})")


def check_follow_chains(vault: Vault) -> Iterator[Problem]:
    """`follows` makes chains of tasks; a chain that comes back to itself never started.

    Each task follows at most one task, so one walk from each task not yet seen, stopping at the
    first task an earlier walk reached, visits every task once: linear in the tasks, however long
    the chains."""
    done: set[str] = set()  # keys of tasks whose chain has been walked to its end
    for start in vault.of_type("task"):
        resolved = vault.by_key.get(start.key)
        if resolved is None or resolved.path != start.path:
            continue  # a second file with a task's id (an id-duplicate error): links never lead to it
        walk: dict[str, int] = {}  # this walk's keys -> their place in it
        current = start
        while current is not None and current.type == "task" and current.key not in done:
            if current.key in walk:
                cycle = list(walk)[walk[current.key]:]
                first = cycle.index(min(cycle))  # the same words whichever task the walk began at
                cycle = cycle[first:] + cycle[:first]
                names = " -> ".join(vault.by_key[k].id for k in cycle) + f" -> {vault.by_key[cycle[0]].id}"
                for key in cycle:
                    yield Problem(vault.by_key[key].source("follows"), "follows-cycle",
                                  f"follow-up chain goes round in a circle: {names}")
                break
            walk[current.key] = len(walk)
            current = vault.first_linked(current, "follows")
        done.update(walk)


CHECKS = [check_unique_ids, check_links, check_follow_chains]
