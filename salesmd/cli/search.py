"""`salesmd search`: records found by their words, through the index's full-text table."""

from __future__ import annotations

import click

from ..model import RECORD_TYPES
from ..render.output import count, format_option, table, to_json
from .app import App, main, pass_app


def fts_query(words: tuple[str, ...]) -> str:
    """The words as an FTS5 query: each a phrase (so no word is read as an operator), all of
    them wanted; one ending in `*` matches as a prefix."""
    parts = []
    for word in words:
        prefix = word.endswith("*")
        text = word.rstrip("*").strip()
        if text:
            parts.append('"' + text.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(parts)


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--type", "types", multiple=True, type=click.Choice(RECORD_TYPES), help="Only records of this type (repeatable).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="At most this many records.")
@format_option("text", "json")
@pass_app
def search(app: App, words, types, limit: int, fmt: str):
    """Find records by the words in their name, subject or title, their other values and their
    body; best match first, each with the words around the match.

    Words are matched whole, ignoring case and accents; `forkl*` matches words that start so;
    "two words" (quoted) matches them side by side. Every word must be found.

    Example: salesmd search forklift renewal --type opportunity
    """
    from ..store.open import open_vault
    from ..store.load import Timings
    from .progress import for_terminal

    query = fts_query(words)
    if not query:
        raise click.UsageError("give at least one word to search for")
    timings = Timings(progress=for_terminal())
    vault, _ = open_vault(app.root, timings, queries=True)
    app.print_timings(timings)
    try:
        found = vault.search(query, types, limit)
    finally:
        vault.close()
    if fmt == "json":
        click.echo(to_json([{"id": r.id, "type": r.type, "path": r.path, "title": r.title, "match": snippet}
                            for r, snippet in found]))
        return
    rows = [[r.id, r.type, r.title, " ".join(snippet.split())] for r, snippet in found]
    click.echo(table(["id", "type", "title", "match"], rows, max_width=60))
    click.echo(count(len(found), "record"))
