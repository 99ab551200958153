"""A record TYPE on the command line: the built-in types and those the vault's salesmd.yaml
declares (`types:`), which click cannot know when it reads the arguments (the vault may be named
by a --vault given after them). So the argument takes any word and the command checks it against
its vault's config (app.known_type): an unknown one is one line with a did-you-mean, exit 2.
Shell completion offers the vault's types, declared ones included."""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem

from .complete import _answer, _starts


class RecordType(click.ParamType):
    """A record type, or one of the `extra` words the command also takes (`export all`)."""

    name = "type"

    def __init__(self, *extra: str) -> None:
        self.extra = extra

    def convert(self, value, param, ctx):
        return value if isinstance(value, str) else str(value)

    def shell_complete(self, ctx, param, incomplete):
        extra = self.extra

        @_answer
        def types(vault, ctx, incomplete):
            return [CompletionItem(t, help=vault.config.types.folders.get(t, "") + "/" if t in vault.config.types.names
                                   else None)
                    for t in (*vault.config.types.names, *extra) if _starts(t, incomplete)]
        return types(ctx, param, incomplete)



def declared_columns(types, type_: str) -> list[str]:
    """`list`'s columns for a type salesmd.yaml declares: the id, its stage, then its declared keys
    (required first; lists of links left out), at most seven, and its owner."""
    keys = types.keys[type_]
    declared = [k for k in keys if k not in ("type", "stage", "owner", "territory", "tags", "created")]
    wanted = [k for k in types.required[type_] if k in declared] + declared
    shown = [k for k in dict.fromkeys(wanted) if keys[k] not in ("links", "strings")]
    return ["id", *(["stage"] if type_ in types.pipeline_types else []), *shown[:6], "owner"]
