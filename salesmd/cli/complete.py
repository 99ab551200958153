"""Shell completion, through click's shell_complete API: record ids for the commands that take one
(only the open tasks and planned activities for done, cancel and reschedule),
stages for `move` and `--stage`, activity kinds for `log`, owners for `--owner`, territories for
`--territory` (record types complete by themselves: they are a click.Choice).

A shell asks on every Tab, so each answer comes from the index (store/indexed.py: brought up to
the files by a stat walk, then one query), for the vault the command line names (`--vault`,
before or after the command name, else SALESMD_VAULT, else the folder holding salesmd.yaml). A
completion never prints an error and never settles a write's journal: when it cannot answer (no
vault here, a broken salesmd.yaml) it offers nothing.
"""

from __future__ import annotations

import contextlib
import functools
import io

from click.shell_completion import CompletionItem


DESCRIBED = 50  # up to this many ids found, each is shown with its record's title (zsh and fish)


def _explicit_vault(ctx) -> str | None:
    top = ctx.find_root()
    given = top.meta.get("salesmd.vault_option") or top.params.get("vault_option")
    return given if isinstance(given, str) else None


def _answer(fn):
    """A shell_complete callback: fn(vault, ctx, incomplete) -> items, with the vault opened (and
    closed) for it; anything going wrong offers nothing, silently."""
    @functools.wraps(fn)
    def complete(ctx, param, incomplete: str) -> list[CompletionItem]:
        from ..config import find_root
        from ..store.open import open_vault
        from ..store.load import Timings

        vault = None
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                vault, _ = open_vault(find_root(explicit=_explicit_vault(ctx)), Timings())
                return fn(vault, ctx, incomplete or "")
        except Exception:  # noqa: BLE001 - a Tab press must never show a traceback
            return []
        finally:
            close = getattr(vault, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
    return complete


def _starts(value: str, incomplete: str) -> bool:
    return value.casefold().startswith(incomplete.casefold())


PIPELINES = "<pipeline types>"  # record_ids(PIPELINES): the vault's types with a pipeline, declared ones too


def record_ids(*types: str):
    """Complete the ids of records of these types (every type when none is given)."""
    @_answer
    def ids(vault, ctx, incomplete):
        kinds = vault.config.types
        wanted = kinds.pipeline_types if types == (PIPELINES,) else types or kinds.names
        found = [(id_, t) for t in wanted for id_ in vault.ids_of([t]) if _starts(id_, incomplete)]
        found.sort(key=lambda pair: pair[0].casefold())
        if len(found) > DESCRIBED:
            return [CompletionItem(id_, help=t) for id_, t in found]
        items = []
        for id_, type_ in found:
            record = vault.get(id_)
            items.append(CompletionItem(id_, help=f"{type_}: {record.title}" if record is not None else type_))
        return items
    return ids


@_answer
def open_items(vault, ctx, incomplete):
    """The open tasks and planned activities (`done`, `cancel`, `reschedule` take no other)."""
    found = [r for type_, status in (("task", "open"), ("activity", "planned"))
             for r in vault.of_type_where(type_, "status", status) if _starts(r.id, incomplete)]
    return [CompletionItem(r.id, help=f"{r.type}: {r.title}") for r in sorted(found, key=lambda r: r.id.casefold())]


def _param(ctx, name: str) -> str | None:
    value = ctx.params.get(name)
    return value if isinstance(value, str) else None


@_answer
def stages(vault, ctx, incomplete):
    """The stages of the pipeline the command is about: the record's (`move ID STAGE`), the listed
    type's (`list lead --stage`), the opportunity's (`convert --stage`), else both pipelines'."""
    pipelines = vault.config.pipelines
    record_id = _param(ctx, "record_id")
    record = vault.get(record_id) if record_id else None
    # an option being completed stops click's parse: the words before it are then left in ctx.args
    given = _param(ctx, "type_") or next((word for word in ctx.args if word in pipelines), None)
    wanted = record.type if record is not None else given
    if ctx.command.name == "convert":
        wanted = "opportunity"
    chosen = [pipelines[wanted]] if wanted in pipelines else [pipelines["opportunity"], pipelines["lead"]]
    seen, items = set(), []
    for pipeline in chosen:
        for stage in pipeline.all:
            if stage.name not in seen and _starts(stage.name, incomplete):
                seen.add(stage.name)
                items.append(CompletionItem(stage.name, help=f"{pipeline.name} stage"))
    return items


def _values(key: str):
    @_answer
    def values(vault, ctx, incomplete):
        return [CompletionItem(v) for v in vault.values_of(key) if _starts(v, incomplete)]
    return values


@_answer
def kinds(vault, ctx, incomplete):
    """The activity kinds of salesmd.yaml (`log KIND`)."""
    return [CompletionItem(k) for k in vault.config.activity_kinds if _starts(k, incomplete)]


owners = _values("owner")
territories = _values("territory")
