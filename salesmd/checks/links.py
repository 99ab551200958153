"""Checks across records: unique ids, links that resolve to the right type, follow-up chains."""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import unquote

from ..model import Link, Problem
from ..store.vault import Vault
from ..suggest import did_you_mean


# A Markdown link, as Obsidian writes one with wikilinks off: [Tree Company](../Companies/Tree%20Company.md)
# or [Tree Company](<Companies/Tree Company.md>), maybe with a "title".
_MARKDOWN_LINK = re.compile(r'\[[^\]]*\]\(\s*(<[^>]*>|[^\s)]*)(?:\s+"[^"]*")?\s*\)')
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def wikilink_hint(text: str) -> str:
    """How to write a link key's value that is not a wikilink ('acme', '[[acme]' or a Markdown
    link) as one: 'write links as quoted wikilinks: "[[acme]]"'."""
    markdown = _MARKDOWN_LINK.fullmatch(text.strip())
    if markdown is not None:
        address = unquote(markdown.group(1).strip("<>").strip())
        if _SCHEME.match(address):
            return "a link key takes a wikilink to a record, not a web address"
        name = address.split("#", 1)[0].split("?", 1)[0].rstrip("/").rpartition("/")[2]
        name = name[:-3] if name.endswith(".md") else name
        if not name.strip():
            return "the link names no record"
        return f"a Markdown link is not read as a link; write it as a quoted wikilink: \"[[{name.strip()}]]\""
    inner = text.strip().strip("[]").strip()
    return f"write links as quoted wikilinks: \"[[{inner}]]\"" if inner else "the link names no record"


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
    link_targets = vault.config.types.link_targets
    for record in vault.records:
        for key, allowed in link_targets[record.type].items():
            for link in record.links(key):
                target = vault.resolve(link)
                if target is None:
                    if vault.broken_at(link):
                        continue  # that file has its own error; one message is enough
                    yield Problem(record.source(key), "link-broken", _broken(vault, key, link, allowed))
                elif target.type not in allowed:
                    kinds = " or ".join(allowed)
                    yield Problem(record.source(key), "link-type",
                                  f"'{key}' must link to {'an' if kinds[0] in 'aeiou' else 'a'} {kinds}, "
                                  f"but [[{link.target}]] is {'an' if target.type[0] in 'aeiou' else 'a'} "
                                  f"{target.type} ({target.path})")


def _broken(vault: Vault, key: str, link: Link, allowed) -> str:
    """What is wrong with a link that leads nowhere, and the link the user may have meant."""
    if not link.folder:
        return (f"'{key}' links to [[{link.target}]], which is not a record in this vault"
                + did_you_mean(link.id, vault.ids_of(allowed)))
    said = f"'{key}' links to [[{link.target}]], but there is no record at {link.file} (a path is read from the vault root)"
    elsewhere = vault.by_key.get(link.key)
    if elsewhere is not None:
        return f"{said}; {elsewhere.id} is at {elsewhere.path}: link it as \"[[{elsewhere.id}]]\""
    return said + did_you_mean(link.id, vault.ids_of(allowed))


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
