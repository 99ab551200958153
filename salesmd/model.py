"""The data every other module passes around: records, links, problems."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

RECORD_TYPES = ("lead", "contact", "account", "opportunity", "activity", "task", "note", "issue")
# The types with a pipeline (a `stage` key, rules against git history, `move`): one pipeline each,
# named as the type, in Config.pipelines.
PIPELINE_TYPES = ("lead", "opportunity", "issue")

# Default folder for each type: where commands create files. The `type` key is what counts.
FOLDERS = {
    "lead": "leads",
    "contact": "contacts",
    "account": "accounts",
    "opportunity": "opportunities",
    "activity": "activities",
    "task": "tasks",
    "note": "notes",
    "issue": "issues",
}
RECORD_FOLDERS = frozenset(FOLDERS.values())


def unaccented(text: str) -> str:
    """`text` with the accents taken off its letters ('Zoë Müller' -> 'Zoe Muller'): decomposed
    (NFKD), the combining marks dropped. Search, dupes and slugs compare names through it."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def id_key(text: str) -> str:
    """What ids and links are compared by: case folded, in Unicode NFC (a file named on macOS is
    in NFD, the same name typed or linked elsewhere in NFC)."""
    if text.isascii():
        return text.lower()  # the same, sooner
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).casefold())


def id_of(rel: str) -> str:
    """A record's id: its file's name without `.md` (links resolve by it, ignoring case)."""
    return rel.rsplit("/", 1)[-1][:-3]

# Characters that would let a record drive the terminal, shown escaped (\x1b, \u202e) in all
# text output: C0 and C1 controls but tab (ESC starts the sequences that move the cursor, recolour
# or retitle the window; CR fakes a line of `check` output), DEL, the bidi embeddings, overrides,
# isolates and marks (which reorder what is shown, "Trojan Source"), and Unicode line breaks.
_UNSAFE = [*range(0, 9), *range(10, 32), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
           *range(0x2066, 0x206A), 0x2028, 0x2029]
_CONTROL = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}" for c in _UNSAFE}
_CONTROL_BUT_NEWLINE = {c: r for c, r in _CONTROL.items() if c != 10}


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` safe to print on a terminal: every character in _UNSAFE visibly escaped. The one
    function every text output of record data goes through (JSON and CSV carry data unchanged)."""
    return text.translate(_CONTROL_BUT_NEWLINE if keep_newlines else _CONTROL)


def a(word: str) -> str:
    """'a lead', 'an opportunity'."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Source:
    """A place in the vault: a path relative to the vault root (posix) and a 1-based line."""

    path: str
    line: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Problem:
    source: Source
    code: str
    message: str
    severity: str = ERROR

    def format(self) -> str:
        return printable(f"{self.source}: {self.severity}[{self.code}]: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.source.path,
            "line": self.source.line,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }

    def sort_key(self) -> tuple:
        return (self.source.path, self.source.line, self.code, self.message)


BODY_WIKILINK = re.compile(r"\[\[([^\[\]|#\n]+)(?:#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")


@dataclass(frozen=True)
class Link:
    """A wikilink as Obsidian writes it: `[[target#heading|label]]`, the target an id, maybe with
    `.md` (`[[Tree Company.md]]`) or as a path from the vault root (`[[Companies/Tree Company]]`)."""

    target: str  # as written, without '#heading' and '|label'
    label: str | None = None
    key: str = field(init=False, repr=False, compare=False)  # the id it resolves by (id_key)
    folder: str = field(init=False, repr=False, compare=False)  # a path-style link's folder (id_key); '' for none

    def __post_init__(self) -> None:
        folder, name = _split_target(self.target)
        object.__setattr__(self, "key", id_key(name.strip()))
        object.__setattr__(self, "folder", id_key(folder) if folder else "")

    @property
    def id(self) -> str:
        """The id the link names, as written: 'Tree Company' for [[Companies/Tree Company.md]]."""
        return _split_target(self.target)[1].strip()

    @property
    def file(self) -> str:
        """The file a path-style link names, from the vault root: 'Companies/Tree Company.md'."""
        folder, name = _split_target(self.target)
        return f"{folder}/{name}.md" if folder else f"{name}.md"

    def __str__(self) -> str:
        return f"[[{self.target}]]"


def _split_target(target: str) -> tuple[str, str]:
    """(folder, id) of a link's target: 'Companies/Tree Company.md' -> ('Companies', 'Tree Company')."""
    text = target.strip().lstrip("/")
    if text.endswith(".md") and len(text) > 3:
        text = text[:-3]
    folder, _, name = text.rpartition("/")
    return folder.strip("/"), name


def folder_key(rel: str) -> str:
    """What a path-style link's folder is compared with: a record's folder from the vault root, as id_key."""
    folder = rel.rpartition("/")[0]
    return id_key(folder) if folder else ""


def parse_link(value: Any) -> Link | None:
    """'[[acme]]', '[[acme|Acme Corp]]', '[[acme#Heading]]', '[[acme.md]]' or '[[accounts/acme]]' -> Link;
    anything else -> None."""
    if not isinstance(value, str):
        return None
    return _parse_link_text(value)


def link_to(target: str) -> Link | None:
    """A link to `target` as written between the brackets (a body's [[...]]), or None if it names nothing."""
    return _parse_link_text(f"[[{target}]]")


@functools.lru_cache(maxsize=1 << 16)
def _parse_link_text(value: str) -> Link | None:
    """Links are values, so one written in many records is parsed once and shared."""
    text = value.strip()
    if not (text.startswith("[[") and text.endswith("]]")):
        return None
    inner = text[2:-2]
    if "[" in inner or "]" in inner:
        return None
    target, bar, label = inner.partition("|")
    target = target.split("#", 1)[0].strip()
    if not target or not _split_target(target)[1].strip():
        return None
    return Link(target, label if bar else None)


@dataclass(slots=True)
class Record:
    """One Markdown file with front matter and a `type` (slots: a vault holds 100,000 of them)."""

    id: str
    type: str
    path: str  # relative to the vault root, posix
    data: dict[str, Any]
    key_lines: dict[str, int]  # top-level key -> 1-based line in the file
    body: str | None = ""  # None: not kept in memory; Vault.body() reads it when asked
    body_line: int = 1
    body_links: tuple[str, ...] = ()
    body_digest: str = ""  # stands for the body where it is not kept (the site's fingerprints)
    blob: str = ""  # git's id for the file's bytes: equal to a committed blob means unchanged
    _links: dict | None = field(default=None, repr=False, compare=False)  # links() keeps what it parsed

    @property
    def key(self) -> str:
        return id_key(self.id)

    def line_of(self, key: str | None = None) -> int:
        if key is not None and key in self.key_lines:
            return self.key_lines[key]
        return self.key_lines.get("type", 1)

    def source(self, key: str | None = None) -> Source:
        return Source(self.path, self.line_of(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def title(self) -> str:
        for key in ("name", "subject", "title"):
            value = self.data.get(key)
            if isinstance(value, str) and value.strip():
                return value
        return self.id

    def links(self, key: str) -> list[Link]:
        """The links under `key`, whether one link or a list of them (parsed once, then kept)."""
        memo = self._links
        if memo is None:
            memo = self._links = {}
        found = memo.get(key)
        if found is None:
            value = self.data.get(key)
            found = memo[key] = [link for link in map(parse_link, value if isinstance(value, list) else [value])
                                 if link is not None]
        return found


@dataclass(slots=True)
class ParsedFile:
    """What the front-matter stage makes of one file: maybe a record, and its problems."""

    path: str
    record: Record | None
    problems: list[Problem] = field(default_factory=list)
    skipped: str | None = None  # front matter, but not a record: why (NO_TYPE, NOT_READ or "type:<its type>")
    body: str | None = None  # a record's body as read, until the index has taken its words (Index.save)


# Why a file with front matter is not a record (ParsedFile.skipped; `check` counts them)
NO_TYPE, NOT_READ = "no-type", "not-read"
