"""`salesmd merge-driver run`: the merge driver git runs for a record file that both sides changed.

git hands over three files (%O the common version, %A ours, %B theirs), the conflict marker size
(%L) and the file's path (%P); the driver writes the merged file over %A and exits 0 when it merged
cleanly, 1 when it left conflicts (git then marks the file conflicted).

A record's front matter is merged key by key (write/yamlmerge.py), its body as text by git's own
`git merge-file`. The pipeline rules hold for the result: a merge cannot take a deal, lead or issue
out of a terminal stage, nor change a converted lead's `converted_to`; where one side would, that
key is a conflict with a comment saying why. Any file that is not such a record (no front matter,
front matter the editors cannot edit, not UTF-8, conflict markers already in it) is merged as text
by `git merge-file`, exactly as git would have merged it without the driver.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ..checks.process import is_terminal
from ..config import Config, ConfigError, find_root, load_config
from ..store.frontmatter import conflict_marker_line
from ..write.files import atomic_write
from ..write.yamledit import _same
from ..write.yamlmerge import MISSING, Markers, NotMergeable, merge_front, read_side

LABELS = ("ours", "base", "theirs")


def run(base_file: Path, ours_file: Path, theirs_file: Path, marker_size: int, path: str) -> int:
    """Merge as git asks (see the module's docstring): 0 merged, 1 conflicts left in `ours_file`."""
    style = _conflict_style()
    raw = [Path(f).read_bytes() for f in (base_file, ours_file, theirs_file)]
    try:
        text, conflicted = merge_record(*raw, config=_config_for(path), size=marker_size, style=style)
    except NotMergeable:
        return _merge_file_in_place(ours_file, base_file, theirs_file, marker_size, style)
    atomic_write(Path(ours_file), text.encode("utf-8"))
    return 1 if conflicted else 0


def merge_record(base: bytes, ours: bytes, theirs: bytes, config: Config, size: int = 7,
                 style: str = "merge") -> tuple[str, bool]:
    """(the merged text, whether it holds conflicts); NotMergeable for a file to merge as text."""
    try:
        texts = [b.decode("utf-8") for b in (base, ours, theirs)]
    except UnicodeDecodeError:
        raise NotMergeable("not UTF-8") from None
    if any(conflict_marker_line(t) is not None for t in texts):
        raise NotMergeable("conflict markers already in it")
    sides = read_side(texts[0], empty_ok=True), read_side(texts[1]), read_side(texts[2])
    if not all(isinstance(s.data.get("type"), str) for s in sides[1:]):
        raise NotMergeable("not a record (no type)")
    markers = Markers(size, LABELS[0], LABELS[2], LABELS[1] if style != "merge" else None)
    merged = merge_front(*sides, rules=lambda *v: pipeline_rules(config, *v), markers=markers)
    body, body_conflicted = merge_text(*(s.body for s in sides), size, style)
    ours_side = sides[1]
    head = ours_side.text[:ours_side.start] + merged.yaml
    closing = ours_side.text[ours_side.start + len(ours_side.yaml):len(ours_side.text) - len(ours_side.body)]
    if body and not closing.endswith("\n"):  # ours ends in its closing `---`, no final line break
        closing += ours_side.nl
    return head + closing + body, bool(merged.conflicts) or body_conflicted


def pipeline_rules(config: Config, base: dict, ours: dict, theirs: dict, merged: dict) -> dict[str, str]:
    """The keys whose merged value the process rules refuse (FORMAT.md), each with why: where the
    two sides disagree, the result may not leave a terminal stage any version had, nor give a
    converted lead another `converted_to`."""
    type_ = merged.get("type", ours.get("type"))
    if type_ not in config.types.pipeline_types or type_ not in config.pipelines:
        return {}
    versions = (("ours", ours), ("theirs", theirs), ("the common version", base))
    out: dict[str, str] = {}
    stage = merged.get("stage", MISSING)
    if not _same(ours.get("stage", MISSING), theirs.get("stage", MISSING)):
        for side, data in versions:
            held = data.get("stage")
            if isinstance(held, str) and is_terminal(config, type_, held) and held != stage:
                now = "no stage" if stage is MISSING else f"stage {stage}"
                out["stage"] = (f"{side} has this {type_} {held}, a terminal stage it stays in; the merge "
                                f"would give it {now}. Keep one side and delete this line and the markers")
                break
    if type_ == "lead" and not _same(ours.get("converted_to", MISSING), theirs.get("converted_to", MISSING)):
        for side, data in versions:
            if data.get("stage") == "converted" and data.get("converted_to") \
                    and not _same(data["converted_to"], merged.get("converted_to", MISSING)):
                out["converted_to"] = (f"{side} converted this lead to {data['converted_to']}, and a "
                                       "conversion is final. Keep one side and delete this line and the markers")
                break
    return out


def merge_text(base: str, ours: str, theirs: str, size: int = 7, style: str = "merge") -> tuple[str, bool]:
    """Three texts merged by `git merge-file` (git's own merge): (the result, conflicts left?)."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    with tempfile.TemporaryDirectory(prefix="salesmd-merge-") as tmp:
        files = []
        for name, text in zip(LABELS, (ours, base, theirs)):
            files.append(Path(tmp) / name)
            files[-1].write_bytes(text.encode("utf-8", "surrogateescape"))
        done = _git_merge_file(*files, size=size, style=style, stdout=True)
        return done.stdout.decode("utf-8", "surrogateescape"), done.returncode != 0


def _git_merge_file(ours: Path, base: Path, theirs: Path, size: int, style: str,
                    stdout: bool = False) -> subprocess.CompletedProcess:
    style_flag = [f"--{style}"] if style in ("diff3", "zdiff3") else []
    labels = [a for label in LABELS for a in ("-L", label)]
    done = subprocess.run(["git", "merge-file", *(["-p"] if stdout else []), *style_flag,
                           f"--marker-size={size}", *labels, str(ours), str(base), str(theirs)],
                          capture_output=True)
    if done.returncode < 0 or done.returncode > 127:  # an error, not a count of conflicts
        raise OSError(f"git merge-file failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done


def _merge_file_in_place(ours: Path, base: Path, theirs: Path, size: int, style: str) -> int:
    return 1 if _git_merge_file(ours, base, theirs, size, style).returncode else 0


def _conflict_style() -> str:
    """git's merge.conflictStyle here (merge, diff3 or zdiff3)."""
    done = subprocess.run(["git", "config", "merge.conflictStyle"], capture_output=True)
    style = done.stdout.decode("utf-8", "replace").strip().lower()
    return style if style in ("diff3", "zdiff3") else "merge"


def _config_for(path: str) -> Config:
    """The configuration of the vault holding `path` (relative to where git runs the driver, the
    work tree's top), for its pipelines; the defaults where there is none or it cannot be read."""
    start = (Path.cwd() / path).parent
    try:
        root = find_root(start=start)
        return load_config(root)[0]
    except ConfigError:
        return Config(root=start)
