"""How wide text is on a terminal: a CJK character or an emoji takes two columns, a combining mark
none. Tables pad and clip by these widths (wcwidth's tables of Unicode), so `山田太郎` and `🚚 Fleet`
keep their columns aligned, and a clipped cell never ends in half a character.

Text is measured by grapheme-like clusters, what a terminal draws as one thing: a character with
the zero-width ones that follow it (combining marks, variation selectors, the joiner and what it
joins: 👩‍💻), and a pair of regional indicators (a flag). A cell is cut between clusters only.
"""

from __future__ import annotations

from wcwidth import wcswidth, wcwidth

ZWJ = "\u200d"
SKIN_TONES = range(0x1F3FB, 0x1F400)  # emoji modifiers: part of the emoji before them
REGIONAL = range(0x1F1E6, 0x1F200)  # two of them are a flag


def clusters(text: str) -> list[str]:
    """`text` cut into what a terminal draws as one thing each."""
    out: list[str] = []
    for char in text:
        if out:
            last = out[-1]
            code = ord(char)
            joins = (wcwidth(char) == 0 or last.endswith(ZWJ) or code in SKIN_TONES
                     or (code in REGIONAL and len(last) == 1 and ord(last) in REGIONAL))
            if joins and not (wcwidth(last[0]) < 0):  # nothing joins a control character
                out[-1] = last + char
                continue
        out.append(char)
    return out


def cluster_width(cluster: str) -> int:
    found = wcswidth(cluster)
    if found >= 0:
        return found
    return sum(max(wcwidth(c), 0) for c in cluster)  # a control character in it: counted as nothing


def width(text: str) -> int:
    """The columns `text` takes on a terminal."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(cluster_width(c) for c in clusters(text))


def pad(text: str, columns: int, right: bool = False) -> str:
    """`text` padded with spaces to `columns` columns (on the left when `right`)."""
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def clip(text: str, columns: int, mark: str = "…") -> str:
    """`text` in at most `columns` columns: cut between clusters, ending in `mark` when cut."""
    if width(text) <= columns:
        return text
    room, kept = columns - width(mark), []
    for cluster in clusters(text):
        room -= cluster_width(cluster)
        if room < 0:
            break
        kept.append(cluster)
    return "".join(kept) + mark
