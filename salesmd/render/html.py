"""The static HTML site: dashboard, pipeline board, agenda, a page per record, problems, a .ics.

Pages are rendered from the same report dataclasses as the terminal and JSON outputs, with Jinja2
templates (autoescaped) from the vault's own `templates/` folder first, then the built-in ones;
`{% extends "default:pipeline.html" %}` extends a built-in page instead of copying it. No page
loads anything from outside: CSS is inline, charts are inline SVG, and a Content-Security-Policy
forbids requests and allows only the page's own style sheet and (on the record lists) its own
script, each by its hash. The team's pages (site_team.py), the calendar (site_calendar.py) and the
lists' columns (site_lists.py) are built in modules of their own. A build rewrites only the files whose content changed, and removes
pages it made earlier that no longer have a record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import code_stamp
from ..git.firsts import FirstCommits
from ..model import Problem, Record
from ..paths import builtin_templates
from ..reports.issues import counts_by_severity, open_issues
from ..reports.problems import left_out
from ..reports.record import timeline_of
from ..reports.story import Stories
from ..schema import WHEN_KEY
from ..store.vault import Vault
from ..write.files import atomic_write
from ..write.records import slugify
from .markdown import MarkdownRenderer
from .output import cell, money
from .site_calendar import calendar_view
from .site_lists import columns_of, csp_source, editor_links, list_page, open_deals, row_cells, table_script
from .site_team import members, owner_pages, team_pages
from .templating import VaultLoader, render, sandbox

MANIFEST = ".salesmd-site.json"
UNPRINTED = ("page", "owner_page", "team")  # functions and lists fingerprinted apart, or not at all


def page_name(record_id: str) -> str:
    """A record's page, safe as a file name and a URL; unique because ids are (ignoring case)."""
    slug = slugify(record_id)
    if slug != record_id.casefold():
        slug += "-" + hashlib.sha1(record_id.casefold().encode()).hexdigest()[:8]
    return f"records/{slug}.html"


def environment(vault_root: Path) -> jinja2.Environment:
    """One sandboxed environment for the vault's templates and the built-in ones they extend."""
    builtin = str(builtin_templates() / "html")
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(builtin)}, delimiter=":"),
        VaultLoader(vault_root / "templates", vault_root),
        jinja2.FileSystemLoader(builtin),
    ])
    env = sandbox(loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = money
    env.filters["cell"] = cell
    env.filters["day"] = lambda d: d.strftime("%a %d %b") if d else ""
    return env


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.written) + self.unchanged


class Site:
    def __init__(self, vault: Vault, problems: list[Problem], today: dt.date, history=None):
        self.vault = vault
        self.problems = problems
        self.today = today
        self.history = history
        self.first_commit = FirstCommits(history=history)  # a deal's life (reports/story.py)
        self.stories = Stories(vault, self.first_commit)  # one for every page: each linking list read once
        self.env = environment(vault.root)
        self.markdown = MarkdownRenderer(self._resolve_from_record_page)

    def _resolve(self, target: str) -> tuple[str, str] | None:
        record = self.vault.resolve_written(target)
        return (page_name(record.id), record.title) if record else None

    def _resolve_from_record_page(self, target: str) -> tuple[str, str] | None:
        """Bodies are shown on record pages, which live in records/: their links go up a level."""
        found = self._resolve(target)
        return ("../" + found[0], found[1]) if found else None

    def pages(self, previous: dict[str, str] | None = None,
              progress=None) -> tuple[dict[str, str | bytes | None], dict[str, str]]:
        """Every file of the site: (relative path -> content, relative path -> fingerprint).

        A record or list page whose inputs have the fingerprint they had in `previous` (the
        last build's) is not rendered again: its content is None, and write_site leaves it be.
        `progress(items, label, length)` wraps the loop over the records (progress.track).
        """
        from ..checks.process import stage_since
        from ..reports.agenda import build_agenda
        from ..reports.calendar import build_calendar
        from ..reports.pipeline import build_pipeline
        from ..reports.problems import ProblemCount
        from ..reports.targets import build_targets
        from .ics import render_ics

        previous = previous or {}
        vault, today = self.vault, self.today
        since = stage_since(vault, self.history, today)
        pipeline = build_pipeline(vault, today, stage_since=since, history=self.history)
        leads = build_pipeline(vault, today, pipeline="lead", stage_since=since, history=self.history)
        agenda = build_agenda(vault, today, days=7, first_commit=self.first_commit)
        targets = build_targets(vault, today, pipeline.period, pipeline=pipeline)  # the dashboard's quarter
        feed = vault.config.calendar  # agenda.ics covers its horizon, not the agenda's week
        count = ProblemCount.of(self.problems)
        team = members(vault)
        style = Markup(render(self.env, "style.css", vault.root))  # allowed by its hash, as the script is
        common = {"today": today, "vault_name": vault.root.name, "page": page_name,
                  # counted as `salesmd check` counts them (its summary line is `problem_summary`)
                  "problem_count": count.errors, "warning_count": count.warnings,
                  "problem_summary": str(count), "style": style, "style_hash": csp_source(style),
                  "team": team, "owner_page": owner_pages(vault, team),
                  # the list pages of the types salesmd.yaml declares, in the navigation
                  "declared_pages": [(f"{list_page(vault.config.types, t)}.html", vault.config.types.folders[t].capitalize())
                                     for t in vault.config.types.declared],
                  "left_out": len(left_out(self.problems, (r.path for r in vault.records),
                                           pipeline.skipped + leads.skipped + agenda.skipped)),
                  }
        base = fingerprint(code_stamp(), sorted((k, v) for k, v in common.items() if k not in UNPRINTED),
                           [(t.kind, t.name, t.page) for t in team], self.templates_signature(),
                           vault.config.editor_links, str(vault.root.absolute()))  # the editor links
        out: dict[str, str | bytes | None] = {
            "index.html": self._render("index.html", common, pipeline=pipeline, leads=leads, agenda=agenda,
                                       charts=charts(pipeline), targets=targets, issues=counts_by_severity(vault),
                                       root=""),
            "targets.html": self._render("targets.html", common, targets=targets, root=""),
            "pipeline.html": self._render("pipeline.html", common, pipeline=pipeline, board=board(pipeline),
                                          root=""),
            # the lead board; leads.html is the list of leads, like every record type's
            "lead-pipeline.html": self._render("pipeline.html", common, pipeline=leads, board=board(leads),
                                               root=""),
            "agenda.html": self._render("agenda.html", common, agenda=agenda, root=""),
            "problems.html": self._render("problems.html", common, problems=self.problems, root=""),
            "calendar.html": self._render("calendar.html", common, calendar=calendar_view(vault, today), root=""),
            # a stamp fixed for the day, so an unchanged agenda leaves the file unchanged
            "agenda.ics": render_ics(build_calendar(vault, today, feed), tasks=feed.tasks, timezone=vault.config.timezone,
                                     stamp=dt.datetime.combine(today, dt.time(0), dt.timezone.utc)),
        }
        out.update(team_pages(self, common, since, team, board=board, charts=charts))
        prints: dict[str, str] = {}

        def add(rel: str, inputs: tuple, render) -> None:
            prints[rel] = fingerprint(base, inputs)
            out[rel] = None if previous.get(rel) == prints[rel] else render()

        open_counts = open_deals(vault)
        script, script_hash = table_script()
        types = vault.config.types
        for type_ in types.names:
            records = sorted(vault.of_type(type_), key=lambda r: r.title.casefold())
            rows = tuple((r, row_cells(vault, r, open_counts)) for r in records)
            plural = list_page(types, type_)
            add(f"{plural}.html", tuple((r.id, r.title, cells) for r, cells in rows),
                lambda: self._render("list.html", common, type_=type_, plural=plural, records=records,
                                     rows=rows, columns=columns_of(types, type_), script=script,
                                     script_hash=script_hash, root=""))
        by_path: dict[str, list[Problem]] = {}
        for p in self.problems:
            by_path.setdefault(p.source.path, []).append(p)
        records = vault.records if progress is None else progress(vault.records, "Rendering the pages",
                                                                         len(vault.records))
        for record in records:
            problems = by_path.get(record.path, [])
            inputs = self.record_inputs(record) + (tuple(problems),)
            add(page_name(record.id), inputs,
                lambda: self._render("record.html", common, root="../", record=record,
                                     view=self.record_view(record), problems=problems,
                                     editors=editor_links(vault.config, vault.root, record)))
        return out, prints

    def templates_signature(self) -> str:
        """What the page templates are, so that editing one rebuilds every page."""
        parts = []
        for folder in (builtin_templates() / "html", self.vault.root / "templates"):
            if folder.is_dir():
                for path in sorted(folder.glob("*")):
                    if path.is_file():
                        parts.append((path.name, path.read_bytes()))
        return fingerprint(parts)

    def record_inputs(self, record: Record) -> tuple:
        """Everything a record's page shows, cheaper to gather than to render."""
        vault = self.vault
        linked = tuple((key, tuple((r.id, r.title, r.type) for r in vault.linked(record, key)))
                       for key in vault.config.types.link_targets.get(record.type, {}))
        back = tuple((r.id, r.title, r.type, key) for r, key in vault.backlinks.get(record.key, []))
        timeline = tuple((r.id, r.title, r.type, r.get(WHEN_KEY[r.type]), r.get("kind"), r.get("status"),
                          r.get("outcome"), e.source, e.source_id)
                         for e in timeline_of(vault, record, stories=self.stories) for r in (e.record,))
        body_links = tuple((t, self._resolve(t)) for t in record.body_links)
        versions = self.history.versions(record.path) if self.history else []
        commits = tuple((v.commit.sha, v.facts.stage if v.facts else None) for v in versions)
        issues = tuple((i.record.id, i.record.title, i.severity, i.record.get("stage"), i.age)
                       for i in self.open_issues(record))
        return (record.id, record.path, tuple(record.data.items()), record.body_digest, linked, back, timeline,
                body_links, commits, issues)

    def open_issues(self, record: Record) -> list:
        """A deal's or an account's open issues, most urgent first (none for other records)."""
        return open_issues(self.vault, self.today, about=record) if record.type in ("account", "opportunity") else []

    def _render(self, name: str, common: dict, **values: Any) -> str:
        return render(self.env, name, self.vault.root, **common, **values)

    def record_view(self, record: Record) -> dict:
        from ..reports.record import build_record_view

        view = build_record_view(self.vault, record, stories=self.stories)
        link_keys = set(self.vault.config.types.link_targets.get(record.type, {}))
        fields = []
        for key, value in view.fields:
            if key in link_keys:
                targets = [r for r in self.vault.linked(record, key)]
                fields.append((key, None, targets))
            elif key == "amount" and isinstance(value, (int, float)) and not isinstance(value, bool):
                currency = record.get("currency") or self.vault.config.currency
                fields.append((key, f"{money(value)} {currency}", None))
            else:
                fields.append((key, cell(value), None))
        versions = self.history.versions(record.path) if self.history else []
        return {
            "fields": fields,
            "backlinks": view.backlinks,
            "timeline": [(r, self.vault.get(r.id)) for r in view.timeline],
            "body": self.markdown.render(body) if (body := self.vault.body(record)).strip() else "",
            "commits": [(v.commit, v.facts.stage if v.facts else None) for v in reversed(versions)],
            "when_key": WHEN_KEY,
            "issues": self.open_issues(record),
        }


def board(report) -> list[dict]:
    """The board's columns: each stage with its totals (from the report) and its deals."""
    deals = report.deals + report.closed
    columns = []
    for row in report.stages:
        cards = [d for d in deals if d.stage == row.name]
        columns.append({"stage": row, "cards": cards})
    return columns


def charts(report) -> dict:
    """Data for the dashboard's two bar charts, in the home currency (others listed apart)."""
    home = report.currency
    by_stage = []
    for row in report.stages:
        if row.terminal:
            continue
        money_ = row.totals.by_currency.get(home)
        by_stage.append((row.name, money_.amount if money_ else 0, money_.weighted if money_ else 0))
    months = [(m, a, w) for m, c, a, w in report.forecast_by_month() if c == home]
    others = sorted({c for _, c, _, _ in report.forecast_by_month() if c != home})
    return {"currency": home, "by_stage": bars(by_stage), "by_month": bars(months), "other_currencies": others}


def bars(rows: list[tuple[str, float, float]], width: int = 560, bar_height: int = 26) -> dict:
    """Geometry for a horizontal bar chart: each bar's full (amount) and weighted lengths."""
    top = max((a for _, a, _ in rows), default=0) or 1
    label_width = 120
    span = width - label_width - 90
    out = []
    for i, (label, amount, weighted) in enumerate(rows):
        out.append({"label": label, "amount": amount, "weighted": weighted, "y": i * (bar_height + 8),
                    "full": round(span * amount / top, 1), "part": round(span * weighted / top, 1)})
    return {"rows": out, "width": width, "height": max(len(rows), 1) * (bar_height + 8),
            "label_width": label_width, "bar_height": bar_height}


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def read_manifest(out_dir: Path) -> dict[str, str]:
    """The last build's fingerprints by page ({} when there is none or it is not ours)."""
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)
            and (out_dir / k).is_file()}


def write_site(out_dir: Path, pages: dict[str, str | bytes | None], prints: dict[str, str] | None = None,
               progress=None) -> BuildResult:
    """Write the pages that changed; remove pages an earlier build made that are gone now.

    A page whose content is None was not rendered because its inputs did not change.
    """
    result = BuildResult()
    out_dir.mkdir(parents=True, exist_ok=True)
    before = read_manifest(out_dir)
    items = sorted(pages.items())
    for rel, content in (progress(items, "Writing the site", len(items)) if progress else items):
        if content is None:
            result.unchanged += 1
            continue
        path = out_dir / rel
        data = content.encode("utf-8") if isinstance(content, str) else content
        try:
            if path.read_bytes() == data:
                result.unchanged += 1
                continue
        except OSError:
            pass
        atomic_write(path, data)
        result.written.append(rel)
    for rel in sorted(before.keys() - pages.keys()):
        target = (out_dir / rel).resolve()
        if target.is_relative_to(out_dir.resolve()) and target.is_file():
            os.unlink(target)
            result.removed.append(rel)
    manifest = {rel: (prints or {}).get(rel, "") for rel in sorted(pages)}
    if manifest != before or result.removed:
        atomic_write(out_dir / MANIFEST, json.dumps(manifest, indent=0))
    return result
