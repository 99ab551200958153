"""`salesmd search`: the words asked for as a full-text query, the records found (best first, of
one owner if asked), and for each the line of its file that holds the match.

A word is matched as the index's tokenizer (unicode61, diacritics removed) splits text: whole
words, any case and accents; `forkl*` is a prefix, `"two words"` a phrase. A word of a phone
number's characters (digits, spaces, `+ - ( ) .`) with four digits or more also matches where a
phone number's digits hold those digits (`5550143` finds `+1 503 555 0143`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Record, unaccented
from ..schema import LINK_TARGETS
from ..store.rows import PHONE_DIGITS
from ..store.vault import Vault
from .query import effective

PHONE_WORD = re.compile(r"[0-9+\-(). ]+")
TOKEN = re.compile(r"[^\W_]+")
FRONT_KEY = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#][^:]*:(?:\s+|$))?")


@dataclass(frozen=True)
class Term:
    """One word asked for: its tokens (several for a phrase), whether its last is a prefix, and
    the digits a phone number must hold for it (None: not a number)."""

    tokens: tuple[str, ...]  # folded, to find the matching line
    prefix: bool
    digits: str | None
    words: str  # the word's own tokens, for the index's tokenizer to fold as it folds the records

    def query(self) -> str:
        phrase = '"' + self.words + '"' + ("*" if self.prefix else "")
        if self.digits is None:
            return phrase
        digits = f'digits : "{self.digits}"*'
        return f"({phrase} OR {digits})" if self.tokens else digits


def fold(text: str) -> str:
    """Text as the tokenizer compares it: accents taken off, any case."""
    return unaccented(text).lower()


def tokens(text: str) -> list[str]:
    return TOKEN.findall(fold(text))


def terms_of(words) -> list[Term]:
    """The words given on the command line as terms; words with nothing to look for are left out."""
    found = []
    for word in words:
        prefix = word.rstrip().endswith("*")
        text = word.strip().rstrip("*")
        digits = "".join(c for c in text if c in "0123456789")
        number = digits if PHONE_WORD.fullmatch(text or "x") and len(digits) >= PHONE_DIGITS else None
        parts = tuple(tokens(text))
        if parts or number:
            found.append(Term(parts, prefix and bool(parts), number, " ".join(TOKEN.findall(text))))
    return found


def fts_query(terms: list[Term]) -> str:
    """The terms as one FTS5 query, every term wanted. Each is a quoted phrase of the tokenizer's
    own tokens, so no word is ever read as an operator or a column name."""
    return " AND ".join(t.query() for t in terms)


@dataclass
class Hit:
    record: Record
    line: int  # the line of the file (1-based, front matter counted) that holds the match
    text: str  # that line, as the file has it (without its `key:` in the front matter)

    def as_dict(self) -> dict:
        r = self.record
        return {"id": r.id, "type": r.type, "title": r.title, "path": r.path, "line": self.line, "match": self.text}


def search(vault: Vault, words, types=(), owner: str | None = None, limit: int = 50) -> list[Hit]:
    """The records holding every word, best first, each with its matching line. `owner` is an
    owner's id (an alias already resolved); a task or activity without one takes its deal's."""
    terms = terms_of(words)
    if not terms:
        return []
    keep = None if owner is None else (lambda r: _same(effective(vault, r, "owner"), owner))
    records = vault.search(fts_query(terms), types, limit, keep=keep)
    link_targets = vault.config.types.link_targets
    return [Hit(r, *matching_line(_text_of(vault, r), r, terms, link_targets)) for r in records]


def _same(value: str | None, wanted: str) -> bool:
    return value is not None and value.casefold() == wanted.casefold()


def _text_of(vault: Vault, record: Record) -> str:
    from ..store.files import read_regular

    try:
        return read_regular(str(vault.root / record.path)).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def matching_line(text: str, record: Record, terms: list[Term], link_targets: dict = LINK_TARGETS) -> tuple[int, str]:
    """(line, its text) of the line holding the most of the terms, the first of equals; a line of
    the front matter is looked at without its key (`name: Acme` holds "acme", not "name"). The
    title's line when no line holds one (the file changed since the index read it)."""
    best, best_count = None, 0
    lines = text.splitlines()
    unsearched = {record.key_lines.get(k) for k in ("type", *link_targets.get(record.type, {}))}
    for n, line in enumerate(lines, 1):
        if n < record.body_line:
            if n == 1 or n in unsearched or line.strip() == "---":
                continue
            line = line[FRONT_KEY.match(line).end():]
        held = _count(line, terms)
        if held > best_count:
            best, best_count = (n, line.strip()), held
            if held == len(terms):
                break
    if best is None:
        n = record.line_of(next((k for k in ("name", "subject", "title") if k in record.key_lines), None))
        line = lines[n - 1] if 0 < n <= len(lines) else ""
        return n, line[FRONT_KEY.match(line).end():].strip()
    return best


def _count(line: str, terms: list[Term]) -> int:
    words = tokens(line)
    digits = None
    held = 0
    for term in terms:
        if term.tokens and _holds(words, term):
            held += 1
        elif term.digits is not None:
            if digits is None:
                digits = "".join(c for c in line if c in "0123456789")
            held += term.digits in digits
    return held


def _holds(words: list[str], term: Term) -> bool:
    size = len(term.tokens)
    for i in range(len(words) - size + 1):
        if words[i:i + size - 1] == list(term.tokens[:-1]):
            last = words[i + size - 1]
            if last == term.tokens[-1] or (term.prefix and last.startswith(term.tokens[-1])):
                return True
    return False
