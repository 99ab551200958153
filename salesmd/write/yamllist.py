"""Minimal-diff edits of a list in front matter (tags, related, contacts...), keeping its style.

`set_list` turns the list under a top-level key into a new list of which the old items that
stay keep their text (quoting, comments on other lines), in their order, and new items come
after them. A block list (`- a` lines) stays a block list: a removed item's line goes, a new
item gets a line like the last one's; a flow list (`[a, b]`) stays on its line with its kept
items as they were written. A list emptied of every item loses its key. Anything else (no list
yet, a single value, an item that spans lines) is written by set_keys, as a flow list.
"""

from __future__ import annotations

from typing import Any

from .yamledit import DELETE, _checked, _front, _same, _top_level_items, read_back, render_value, set_keys


def set_list(text: str, key: str, values: list) -> str:
    """Return `text` with top-level `key` holding the list `values` (no key for an empty list)."""
    data = read_back(text)
    old = data.get(key)
    if not values:
        return set_keys(text, {key: DELETE}) if key in data else text
    if not isinstance(old, list) or not old or any(isinstance(v, (list, dict)) for v in [*old, *values]):
        return set_keys(text, {key: list(values)})
    keep = _kept(old, values)
    added = values[sum(keep):]
    yaml_text, start, nl = _front(text)
    item = dict(zip(data, _top_level_items(yaml_text)[0]))[key]
    if len(item.scalars) != len(old):
        return set_keys(text, {key: list(values)})
    flow = yaml_text[item.colon_end:item.value_end].strip().startswith("[")
    new_yaml = (_flow(yaml_text, item, keep, added) if flow else _block(yaml_text, item, keep, added, nl))
    if new_yaml is None:
        return set_keys(text, {key: list(values)})
    return _checked(text[:start] + new_yaml + text[start + len(yaml_text):], {**data, key: list(values)})


def _kept(old: list, values: list) -> list[bool]:
    """For each old item, whether it stays: the old items that are, in order, the first of `values`."""
    keep, j = [], 0
    for item in old:
        stays = j < len(values) and _same(item, values[j])
        keep.append(stays)
        j += stays
    return keep


def _flow(yaml_text: str, item: Any, keep: list[bool], added: list) -> str:
    """`[a, b]` with the kept items' source text and the new items after them, on the key's line,
    spaced as the list was (`[ a, b ]`, `[a,b]`) where it was on one line."""
    texts = [yaml_text[lo:hi] for (lo, hi, _), stays in zip(item.scalars, keep) if stays]
    texts += [render_value(v, flow=True) for v in added]
    old = yaml_text[item.colon_end:item.value_end].strip()
    first, last = item.scalars[0], item.scalars[-1]
    pad_open = yaml_text[yaml_text.index("[", item.colon_end) + 1:first[0]]
    pad_close = yaml_text[last[1]:item.value_end - 1]
    sep = yaml_text[first[1]:item.scalars[1][0]] if len(item.scalars) > 1 else ", "
    if "\n" in old or not all(p.strip(" ") == "" for p in (pad_open, pad_close)) or sep.strip(" ") != ",":
        pad_open, pad_close, sep = "", "", ", "
    return (yaml_text[:item.colon_end] + " [" + pad_open + sep.join(texts) + pad_close + "]"
            + yaml_text[item.value_end:])


def _block(yaml_text: str, item: Any, keep: list[bool], added: list, nl: str) -> str | None:
    """The `- item` lines without the removed items' and with a line for each new one, made like
    the last item's; None when an item does not stand alone on its line."""
    lines = []  # (start of the item's line, end of it, the text before the item: indent and dash)
    for lo, hi, in_flow in item.scalars:
        line_start = yaml_text.rfind("\n", 0, lo) + 1
        line_end = yaml_text.find("\n", hi)
        prefix = yaml_text[line_start:lo]
        if in_flow or "\n" in yaml_text[lo:hi] or prefix.strip() != "-" or not prefix.rstrip().endswith("-"):
            return None
        lines.append((line_start, len(yaml_text) if line_end < 0 else line_end + 1, prefix))
    out = yaml_text
    last_end = lines[-1][1]
    if added:
        tail = "" if out[:last_end].endswith("\n") else nl
        new_lines = "".join(f"{lines[-1][2]}{render_value(v)}{nl}" for v in added)
        out = out[:last_end] + tail + new_lines + out[last_end:]
    for (line_start, line_end, _), stays in reversed(list(zip(lines, keep))):
        if not stays:
            out = out[:line_start] + out[line_end:]
    return out
