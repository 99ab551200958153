"""Terminal renderings of the report dataclasses."""

from __future__ import annotations

from ..reports.record import RecordView
from .output import cell
from .width import pad, width as text_width


def render_record(view: RecordView, shown_path: str) -> str:
    r = view.record
    out = [f"{r.title}  ({r.type} {r.id}, {shown_path})", ""]
    width = max((text_width(k) for k, _ in view.fields), default=0)
    for key, value in view.fields:
        out.append(f"  {pad(key, width)}  {cell(value)}")
    if view.links:
        out += ["", "Links:"]
        for row in view.links:
            where = f"{row.type}: {row.title}" if row.type else "not found"
            out.append(f"  {row.key} -> {row.id}  ({where})")
    if view.backlinks:
        out += ["", "Linked from:"]
        for row in view.backlinks:
            out.append(f"  {row.type} {row.id}  {row.title}  (its {row.key})")
    if view.timeline:
        out += ["", "Timeline:"]
        for row in view.timeline:
            what = " ".join(x for x in (row.type, row.kind, f"[{row.status}]" if row.status else "") if x)
            via = f"  [from {row.source} {row.source_id}]" if row.source else ""
            out.append(f"  {cell(row.when):<16}  {pad(what, 28)}  {row.title}  ({row.id}){via}")
    body = view.body.strip()
    if body:
        out += ["", body]
    return "\n".join(out)


def render_history(view) -> str:
    if not view.in_git:
        return f"{view.record_id}: the vault is not in a git repository (or has no commits): no history"
    if not view.entries:
        return f"{view.record_id}: not committed yet"
    out = []
    for e in view.entries:
        head = f"{e.commit or 'working tree'}  {e.date or '':10}  {e.author or ''}  {e.subject}"
        out.append(head.rstrip())
        if e.path != view.path:
            out.append(f"    (as {e.path})")
        for c in e.changes:
            if c.old is None:
                out.append(f"    {c.key}: {cell(c.new)}")
            elif c.new is None:
                out.append(f"    {c.key}: {cell(c.old)} -> (removed)")
            else:
                out.append(f"    {c.key}: {cell(c.old)} -> {cell(c.new)}")
    return "\n".join(out)
