"""The figures a sales manager asks for, beside the pipeline: days in each stage, the sales cycle,
the funnel, lost reasons, slipped deals and lead conversion by source.

A pure builder: `build_metrics(...)` takes the deals and leads the pipeline report kept (its
filters applied) and the git history (git/history.py, read incrementally through its cache), and
walks each deal's versions once, along its first parents: linear in the versions read.

- A deal's stages over time come from git: the runs of commits in one stage, each entered on the
  day of its first commit (the first run on the deal's `created` when that is earlier: an import
  commits a deal long after it began); a stage changed in the working tree and not committed yet
  was entered today. Without history a deal only knows its current stage.
- Days in each stage: for every stage a deal left during the period (by the day the next stage
  began), the days from entering it to leaving it, averaged per stage. Git only: a file alone
  does not say when its stages changed.
- Sales cycle: for deals won in the period (close_date in it, as the win rate counts them), the
  days from their start (the earlier of `created` and the first commit) to the day they were won
  (the first commit of their last run in the won stage when an earlier commit shows another stage,
  else close_date). `start_from` and `end_from` say where the dates came from.
- Funnel (all time): a deal reached every open stage up to the furthest it was ever in (its current
  stage, or any stage its history shows; skipping a stage passes it), and the won stage when won
  (a lead: converted). A deal lost with no history showing where reached the first stage only.
  The share that moved on is how many of those that reached a stage reached the next.
- Lost reasons: deals lost in the period, counted by `lost_reason` (none given: "(none)").
- Slipped: deals whose close_date was inside the period in some commit and lies after the period
  now (from git; `was` is the last such date, `moved` the day of the commit that moved it out).
- Conversion by source: leads per `source` ("(none)" without one); converted of those closed
  (converted or disqualified), as the report's conversion rate counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..config import Pipeline
from ..model import Record
from .periods import Period
from .values import date_value, lost_stages, stage_of, text_value, won_stages

NONE = "(none)"


@dataclass
class StageDays:
    stage: str
    stints: int  # how many times a deal left this stage in the period
    average_days: float | None

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class Cycle:
    deals: int
    average_days: float | None
    start_from: dict[str, int] = field(default_factory=dict)  # "created" / "git" -> deals
    end_from: dict[str, int] = field(default_factory=dict)  # "git" / "close_date" -> deals

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class FunnelStep:
    stage: str
    reached: int
    moved_on: int | None  # reached the next stage (None for the last)
    rate: float | None

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class Slipped:
    id: str
    name: str
    stage: str | None
    owner: str | None
    was: dt.date  # the last close_date inside the period
    now: dt.date
    moved: dt.date  # the day of the commit that moved it out (today: not committed yet)

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class SourceConversion:
    source: str
    leads: int
    closed: int
    converted: int

    @property
    def rate(self) -> float | None:
        return round(self.converted / self.closed, 4) if self.closed else None

    def as_dict(self) -> dict:
        return {**vars(self), "rate": self.rate}


@dataclass
class Metrics:
    period: Period
    with_history: int  # deals whose stages came from git
    without_history: int
    stage_days: list[StageDays]
    cycle: Cycle | None  # opportunities only
    funnel: list[FunnelStep]
    lost_reasons: list[tuple[str, int]]
    slipped: list[Slipped]
    conversion_by_source: list[SourceConversion]

    def as_dict(self) -> dict:
        return {
            "stage_days": [s.as_dict() for s in self.stage_days],
            "sales_cycle": self.cycle.as_dict() if self.cycle else None,
            "funnel": [f.as_dict() for f in self.funnel],
            "lost_reasons": [{"reason": r, "count": n} for r, n in self.lost_reasons],
            "slipped": [s.as_dict() for s in self.slipped],
            "conversion_by_source": [c.as_dict() for c in self.conversion_by_source],
            "metrics_history": {"deals_from_git": self.with_history, "deals_from_files": self.without_history},
        }


@dataclass
class _Run:
    stage: str | None
    start: dt.date


def build_metrics(deals: list[Record], leads: list[Record], pipe: Pipeline, lead_pipe: Pipeline,
                  period: Period, today: dt.date, history=None) -> Metrics:
    """The metrics of these deals (of `pipe`) and leads, as of `today`, with the git `history`
    (None: outside git, every figure from the files)."""
    # the lead pipeline's success is `converted`; a pipeline with neither (issues) ends at its terminal stages
    won = won_stages(pipe) or {s.name for s in pipe.terminal if s.name == "converted"} \
        or {s.name for s in pipe.terminal}
    lost = lost_stages(pipe)
    stints: dict[str, list[int]] = {s.name: [] for s in pipe.stages}
    reached = [0] * (len(pipe.stages) + 1)  # the open stages, then won
    cycle_days: list[int] = []
    start_from: dict[str, int] = {}
    end_from: dict[str, int] = {}
    reasons: dict[str, int] = {}
    slipped: list[Slipped] = []
    with_history = 0
    for deal in deals:
        stage = stage_of(pipe, deal)
        versions = _line(history, deal)
        runs = _runs(deal, versions, today)
        with_history += bool(versions)
        for run, after in zip(runs, runs[1:]):
            if run.stage in stints and after.start in period:
                stints[run.stage].append(max(0, (after.start - run.start).days))
        seen = [pipe.get(r.stage) for r in runs] + [stage]
        open_seen = [s.index for s in seen if s is not None and not s.terminal]
        furthest = len(pipe.stages) if stage.name in won else max(open_seen, default=0)
        for i in range(furthest + 1):
            reached[i] += 1
        close = date_value(deal.get("close_date"))
        if stage.name in won and close in period:
            start, start_source = _start(deal, versions)
            last_won = runs[-1] if runs and runs[-1].stage in won else None
            if last_won is not None and len(runs) > 1 and versions:
                end, end_source = last_won.start, "git"
            else:
                end, end_source = close, "close_date"
            if start is not None:
                cycle_days.append(max(0, (end - start).days))
                start_from[start_source] = start_from.get(start_source, 0) + 1
                end_from[end_source] = end_from.get(end_source, 0) + 1
        if stage.name in lost and close in period:
            reason = text_value(deal.get("lost_reason")) or NONE
            reasons[reason] = reasons.get(reason, 0) + 1
        moved = _slipped(versions, period, close, today)
        if moved is not None:
            slipped.append(Slipped(deal.id, deal.title, stage.name, text_value(deal.get("owner")),
                                   moved[0], close, moved[1]))

    names = [s.name for s in pipe.stages] + [" / ".join(sorted(won)) or "won"]
    funnel = [FunnelStep(name, reached[i], reached[i + 1] if i + 1 < len(reached) else None,
                         _rate(reached[i + 1], reached[i]) if i + 1 < len(reached) else None)
              for i, name in enumerate(names)]
    is_opportunity = pipe.name == "opportunity"
    return Metrics(
        period=period, with_history=with_history, without_history=len(deals) - with_history,
        stage_days=[StageDays(s, len(d), round(sum(d) / len(d), 1) if d else None) for s, d in stints.items()],
        cycle=Cycle(len(cycle_days), round(sum(cycle_days) / len(cycle_days), 1) if cycle_days else None,
                    start_from, end_from) if is_opportunity else None,
        funnel=funnel,
        lost_reasons=sorted(reasons.items(), key=lambda x: (-x[1], x[0].casefold())),
        slipped=sorted(slipped, key=lambda s: (s.was, s.id.casefold())),
        conversion_by_source=_by_source(leads, lead_pipe),
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _line(history, deal: Record) -> list:
    """The deal's committed versions along its first parents, oldest first ([] without history)."""
    versions = history.versions(deal.path) if history is not None else []
    out, v = [], versions[-1] if versions else None
    while v is not None:
        out.append(v)
        v = v.parents[0] if v.parents else None
    out.reverse()
    return out


def _stage_of_version(v, deal: Record, last: bool) -> str | None:
    if v.facts is not None:
        return v.facts.stage
    # a file committed once and unchanged since is not read: it says what the file says
    return deal.get("stage") if last and v.blob == deal.blob else None


def _runs(deal: Record, versions: list, today: dt.date) -> list[_Run]:
    """The deal's stages over time, one run per stage in a row (see the module's docstring)."""
    runs: list[_Run] = []
    for i, v in enumerate(versions):
        stage = _stage_of_version(v, deal, i == len(versions) - 1)
        if stage is None:
            continue
        if not runs or runs[-1].stage != stage:
            runs.append(_Run(stage, v.commit.date))
    current = deal.get("stage")
    if not runs:
        created = date_value(deal.get("created"))
        return [_Run(current, created)] if created is not None else []
    if runs[-1].stage != current:
        runs.append(_Run(current, today))
    created = date_value(deal.get("created"))
    if created is not None and created < runs[0].start:
        runs[0].start = created
    return runs


def _start(deal: Record, versions: list) -> tuple[dt.date | None, str]:
    created = date_value(deal.get("created"))
    first = versions[0].commit.date if versions else None
    if first is not None and (created is None or first < created):
        return first, "git"
    return created, "created"


def _slipped(versions: list, period: Period, close: dt.date | None, today: dt.date):
    """(the last close_date inside the period, the day it was moved out) when the deal slipped."""
    if close is None or close <= period.end:
        return None
    was = moved = None
    for v in versions:
        day = dt.date.fromisoformat(v.facts.close_date) if v.facts is not None and v.facts.close_date else None
        if day is None:
            continue
        if day in period:
            was, moved = day, None
        elif was is not None and moved is None and day > period.end:
            moved = v.commit.date
    if was is None:
        return None
    return was, moved or today


def _by_source(leads: list[Record], pipe: Pipeline) -> list[SourceConversion]:
    rows: dict[str, SourceConversion] = {}
    for lead in leads:
        stage = stage_of(pipe, lead)
        if stage is None:
            continue
        source = text_value(lead.get("source")) or NONE
        row = rows.setdefault(source.casefold(), SourceConversion(source, 0, 0, 0))
        row.leads += 1
        row.closed += stage.terminal
        row.converted += stage.name == "converted"
    return sorted(rows.values(), key=lambda r: (-r.leads, r.source.casefold()))

