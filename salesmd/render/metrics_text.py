"""The pipeline's metrics (reports/metrics.py) as terminal text: the lines under the pipeline."""

from __future__ import annotations

from ..reports.metrics import Metrics
from .output import cell, count, table


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:g} days"


def _share(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


def _froms(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} from {where}" for where, n in sorted(counts.items()))


def render_metrics(m: Metrics, noun: str = "deal") -> list[str]:
    label = m.period.label
    out = ["", f"Metrics ({count(m.with_history, noun)} with git history, {m.without_history} without)"]
    if any(s.stints for s in m.stage_days):
        rows = [[s.stage, s.stints, _days(s.average_days)] for s in m.stage_days]
        out.append(f"Days in each stage, for the stages {noun}s left in {label} (from git):")
        out.append(_indent(table(["stage", "left", "average"], rows)))
    else:
        out.append(f"Days in each stage: no {noun} moved on from a stage in {label} (by git's commits)")
    if m.cycle is not None:
        c = m.cycle
        if c.deals:
            out.append(f"Sales cycle, created to won in {label}: {_days(c.average_days)} on average over "
                       f"{count(c.deals, 'deal')} (start: {_froms(c.start_from)}; won: {_froms(c.end_from)})")
        else:
            out.append(f"Sales cycle: no deal won in {label}")
    out.append("Funnel (all time): " + " -> ".join(
        f"{f.stage} {f.reached}" + (f" ({_share(f.rate)} on)" if f.moved_on is not None else "") for f in m.funnel))
    if m.cycle is not None:
        reasons = "; ".join(f"{cell(r)} ({n})" for r, n in m.lost_reasons)
        out.append(f"Lost reasons in {label}: " + (reasons or "none lost"))
        if m.slipped:
            out.append(f"Slipped out of {label} (close date moved later, by git):")
            rows = [[s.id, s.owner or "-", s.stage, s.was, s.now, s.moved] for s in m.slipped]
            out.append(_indent(table(["deal", "owner", "stage", "was", "now", "moved on"], rows)))
        else:
            out.append(f"Slipped out of {label}: none")
    if m.conversion_by_source:
        rows = [[c.source, c.leads, c.closed, c.converted, _share(c.rate)] for c in m.conversion_by_source]
        out.append("Lead conversion by source (converted of the closed leads):")
        out.append(_indent(table(["source", "leads", "closed", "converted", "rate"], rows)))
    return out


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
