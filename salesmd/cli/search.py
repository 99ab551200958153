"""`salesmd search`: records found by their words, through the index's full-text table."""

from __future__ import annotations

import click

from ..model import printable
from ..render.output import count, format_option, to_json
from .app import App, fail, known_names, known_type, main, pass_app
from .complete import owners
from .type_arg import RecordType


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--type", "types", multiple=True, type=RecordType(),
              help="Only records of this type, built in or declared under types: in salesmd.yaml (repeatable).")
@click.option("--owner", help="Only this owner's records (a task or activity without one: its deal's).",
              shell_complete=owners)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="At most this many records.")
@format_option("text", "json")
@pass_app
def search(app: App, words, types, owner, limit: int, fmt: str):
    """Find records by the words in their name, subject or title, their other values (company,
    every email, ...), their phone numbers and their body; best match first, each with the line of
    its file that holds the match (path:line).

    Words are matched whole, ignoring case and accents; `forkl*` matches words that start so;
    "two words" (quoted) matches them side by side; a number of four digits or more also matches
    phone numbers holding those digits, however they are written. Every word must be found.

    Example: salesmd search forklift renewal --type opportunity --owner maria
    """
    from ..reports.search import search as find, terms_of
    from ..store.open import open_vault
    from ..store.load import Timings
    from .progress import for_terminal

    if not terms_of(words):
        fail("error: give at least one word to search for (letters or digits)")
    timings = Timings(progress=for_terminal())
    vault, _ = open_vault(app.root, timings, queries=True)
    app.print_timings(timings)
    try:
        for type_ in types:
            known_type(vault, type_)
        owner, _ = known_names(vault, owner, None)
        found = find(vault, words, types, owner, limit)
    finally:
        vault.close()
    if fmt == "json":
        click.echo(to_json([hit.as_dict() for hit in found]))
        return
    for hit in found:
        r = hit.record
        click.echo(printable(f"{r.id} ({r.type}): {r.title}"))
        click.echo(printable(f"  {app.show_path(r.path)}:{hit.line}: {hit.text}"))
    click.echo(count(len(found), "record"))
