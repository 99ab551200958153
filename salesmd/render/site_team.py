"""The site's pages for a team: one per owner and one per territory, each with that person's or
place's board, forecast, agenda, stale deals and calendar.

The owners are those in salesmd.yaml's `owners:` plus every owner found on a deal, lead, task,
activity or account (as every report reads it: a task without one takes its deal's, an alias is its owner's
id); territories likewise. The records are sorted into their people and places in one pass, and
each page's reports are built from a view of the vault holding only that person's or place's
records, so the whole build costs what the records are, not records times owners.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..model import Record
from ..reports.query import effective
from ..write.records import slugify

OWNED_TYPES = ("opportunity", "lead", "task", "activity")


@dataclass
class Member:
    """An owner or a territory with a page of its own."""

    kind: str  # "owner" or "territory"
    name: str  # as shown: the owner's id (or the name records give), the territory as listed
    page: str  # its page, relative to the site root: owners/maria.html
    calendar: str  # its calendar page: owners/maria.calendar.html (a slug has no dot: no page is both)
    label: str | None = None  # an owner's full name from salesmd.yaml
    records: dict[str, list[Record]] = field(default_factory=dict)  # its records by type

    @property
    def key(self) -> str:
        return self.name.casefold()

    @property
    def deals(self) -> int:
        """Its opportunities, open or closed."""
        return len(self.records.get("opportunity", []))


class MemberView:
    """A vault seen through one member: its deals, leads, tasks and activities; every other record,
    link and setting as the whole vault has them (a deal's activities count whoever logged them)."""

    def __init__(self, vault, member: Member):
        self._vault = vault
        self._member = member

    def of_type(self, type_: str) -> list[Record]:
        if type_ in OWNED_TYPES:
            return self._member.records.get(type_, [])
        return self._vault.of_type(type_)

    def of_type_where(self, type_: str, key: str, value: str) -> list[Record]:
        return [r for r in self.of_type(type_) if r.get(key) == value]

    def of_type_with(self, type_: str, key: str) -> list[Record]:
        if type_ in OWNED_TYPES:
            return [r for r in self.of_type(type_) if r.get(key) is not None]
        return self._vault.of_type_with(type_, key)

    def of_type_holding(self, type_: str, words: list[str]) -> list[Record]:
        return self.of_type(type_) if type_ in OWNED_TYPES else self._vault.of_type_holding(type_, words)

    def __getattr__(self, name: str):
        return getattr(self._vault, name)


def page_slugs(names: list[str], folder: str) -> dict[str, str]:
    """A safe, unique file name for each name: 'Maria López' -> 'owners/maria-lopez'. A name whose
    slug is not itself (case aside), or is taken, gets a short hash of the name, so `../x`,
    `<script>` and 'A B' beside 'a-b' each keep a page of their own inside `folder`."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names, key=lambda n: (slugify(n) != n.casefold(), n)):
        slug = slugify(name)
        if slug != name.casefold() or slug in taken:
            slug = f"{slug}-{hashlib.sha1(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
        taken.add(slug)
        out[name] = f"{folder}/{slug}"
    return out


def members(vault) -> list[Member]:
    """The owners, then the territories, each with its records, in one pass over the owned types."""
    roster = vault.config.roster
    found: dict[str, dict[str, str]] = {"owner": {}, "territory": {}}  # casefolded -> as shown
    for name in (roster.owners or {}):
        found["owner"].setdefault(name.casefold(), name)
    for name in (roster.territories or ()):
        found["territory"].setdefault(name.casefold(), name)
    placed: list[tuple[str, str, Record]] = []
    for type_ in OWNED_TYPES + ("account",):  # an account's owner has a page too, if an empty one
        for record in vault.of_type(type_):
            for kind in ("owner", "territory"):
                value = effective(vault, record, kind)
                if kind == "territory" and value is not None:
                    value = roster.territory(value) or value
                if value is not None:
                    found[kind].setdefault(value.casefold(), value)
                    if type_ in OWNED_TYPES:
                        placed.append((kind, value.casefold(), record))
    out: dict[tuple[str, str], Member] = {}
    for kind, folder in (("owner", "owners"), ("territory", "territories")):
        names = sorted(found[kind].values(), key=str.casefold)
        slugs = page_slugs(names, folder)
        for name in names:
            owner = (roster.owners or {}).get(name) if kind == "owner" else None
            out[(kind, name.casefold())] = Member(kind, name, slugs[name] + ".html", slugs[name] + ".calendar.html",
                                                  owner.name if owner else None)
    for kind, key, record in placed:
        out[(kind, key)].records.setdefault(record.type, []).append(record)
    return list(out.values())


def owner_pages(vault, team: list[Member]):
    """The function the templates call with an owner's name (an alias too): its page, or None."""
    pages = {m.key: m.page for m in team if m.kind == "owner"}
    roster = vault.config.roster

    def owner_page(name) -> str | None:
        return pages.get(roster.as_owner(name).casefold()) if isinstance(name, str) and name else None
    return owner_page


def team_pages(site, common: dict, pipeline_since, team: list[Member], board, charts) -> dict[str, str]:
    """Every member's page and calendar page (path -> html); `board` and `charts` make the board's
    columns and the charts' geometry from a pipeline report (html.py's)."""
    from ..reports.agenda import build_agenda
    from ..reports.pipeline import build_pipeline
    from .site_calendar import calendar_view

    vault, today = site.vault, site.today
    out: dict[str, str] = {}
    for member in team:
        view = MemberView(vault, member)
        filters = {member.kind: member.name}
        # the site's history and first commits, as its dashboard has them: a deal's life (and so
        # its stale flag) is the same on every page
        pipeline = build_pipeline(view, today, stage_since=pipeline_since, history=site.history, **filters)
        agenda = build_agenda(view, today, days=7, first_commit=site.first_commit, **filters)
        values = dict(common, root="../", member=member)
        out[member.page] = site._render("team.html", values, pipeline=pipeline, board=board(pipeline),
                                        agenda=agenda, charts=charts(pipeline))
        out[member.calendar] = site._render("calendar.html", values,
                                            calendar=calendar_view(view, today, **filters))
    return out
