"""Record bodies as HTML: markdown-it-py (CommonMark) with raw HTML off, and [[wikilinks]].

Raw HTML in a body is shown as text, never passed through, so a lead imported from a web form
with `<script>` in it runs nothing. Wikilinks become links to the record's page (or plain text
when the id does not resolve); markdown-it's own link validation refuses `javascript:` URLs.
"""

from __future__ import annotations

from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..model import BODY_WIKILINK


def _wikilinks(resolve: Callable[[str], tuple[str, str] | None]):
    """A core rule turning [[id|label]] in text tokens into links (href, title) from `resolve`."""

    def rule(state) -> None:
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            children: list[Token] = []
            for token in block.children:
                if token.type != "text" or "[[" not in token.content:
                    children.append(token)
                    continue
                pos = 0
                for m in BODY_WIKILINK.finditer(token.content):
                    if m.start() > pos:
                        children.append(_text(token.content[pos:m.start()]))
                    target = m.group(1).strip()
                    found = resolve(target)
                    label = (m.group(2) or "").strip() or (found[1] if found else target)
                    if found is None:
                        missing = Token("span_open", "span", 1)
                        missing.attrSet("class", "wikilink missing")
                        missing.attrSet("title", f"no record '{target}'")
                        children += [missing, _text(label), Token("span_close", "span", -1)]
                    else:
                        link = Token("link_open", "a", 1)
                        link.attrSet("href", found[0])
                        link.attrSet("class", "wikilink")
                        children += [link, _text(label), Token("link_close", "a", -1)]
                    pos = m.end()
                if pos < len(token.content):
                    children.append(_text(token.content[pos:]))
            block.children = children

    return rule


def _align_classes(state) -> None:
    """A table column's alignment as a class (`align-right`), not a style attribute: the site's
    Content-Security-Policy allows only its own style sheet, by hash, and no inline styles."""
    for token in state.tokens:
        style = token.attrGet("style") if token.type in ("th_open", "td_open") else None
        if isinstance(style, str) and style.startswith("text-align:"):
            token.attrs.pop("style")
            token.attrSet("class", "align-" + style.removeprefix("text-align:").strip())


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


class MarkdownRenderer:
    def __init__(self, resolve: Callable[[str], tuple[str, str] | None]):
        self.md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        self.md.enable("table")
        self.md.enable("strikethrough")
        self.md.core.ruler.push("wikilinks", _wikilinks(resolve))
        self.md.core.ruler.push("align_classes", _align_classes)

    def render(self, text: str) -> str:
        return self.md.render(text)
