"""The options that choose records by an expression or by tag: --filter and --tag (list, export,
pipeline; --tag on agenda too). A malformed expression is refused before anything is read."""

from __future__ import annotations

import sys

import click

from ..model import printable


def _parse(ctx, param, texts):
    from ..reports.filters import Both, FilterError, parse

    trees = []
    if texts:
        ctx.meta["salesmd.filter"] = " AND ".join(texts if len(texts) == 1 else (f"({t})" for t in texts))
    for text in texts:
        try:
            trees.append(parse(text))
        except FilterError as e:
            click.echo(printable(f"salesmd: error: --filter {text!r}: {e}"), err=True)
            sys.exit(2)
    return None if not trees else trees[0] if len(trees) == 1 else Both(tuple(trees))


expression_option = click.option(
    "--filter", "tree", multiple=True, metavar="EXPR", callback=_parse,
    help="Only records for which EXPR holds: comparisons (amount>50000, stage!=won, name~=fleet, "
         "close_date<2026-12-31) joined by AND / OR, in parentheses as needed; repeatable (all must hold).")

tag_option = click.option(
    "--tag", "tags", multiple=True, metavar="TAG",
    help="Only records with this tag (a task or activity: its own or its deal's); repeatable: every tag.")


def described(tags) -> dict:
    """--filter and --tag as a report's `filters` names them: {"filter": text, "tags": "a, b"}."""
    text = click.get_current_context().meta.get("salesmd.filter")
    return {"filter": text, "tags": ", ".join(tags) or None}


def sifted(vault, tree, tags):
    """The vault as a report reads it with --filter and --tag: of each type, only the records that pass."""
    if tree is None and not tags:
        return vault
    from ..reports.query import Sifted, matcher

    keep, _ = matcher(vault, tree, tags)
    return Sifted(vault, keep)
