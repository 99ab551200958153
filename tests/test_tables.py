"""Text tables measure terminal columns, not characters: CJK names and emoji (two columns each) keep
the columns aligned, and a cell cut to its width never ends in half a character."""

from __future__ import annotations

import unicodedata

from conftest import make_vault
from salesmd.render.output import table
from salesmd.render.width import clip

ZWJ = "\u200d"
WOMAN_TECHNOLOGIST = "\U0001F469\u200d\U0001F4BB"  # 👩‍💻: woman, joiner, laptop


def columns(text: str) -> int:
    """Terminal columns by the Unicode character database alone (East Asian Width), independent of
    the library salesmd uses: wide and fullwidth characters take two, combining marks and the
    joiner none (the strings below hold nothing ambiguous)."""
    return sum(0 if unicodedata.combining(c) or c == ZWJ else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def starts(line: str, values: list[str]) -> list[int]:
    """The column at which each value starts in `line`, each searched after the one before."""
    out, at = [], 0
    for value in values:
        at = line.index(value, at)
        out.append(columns(line[:at]))
        at += len(value)
    return out


def test_cjk_names_and_emoji_keep_the_columns_of_a_list_aligned(tmp_path):
    names = {"yamada-shoji": "山田商事株式会社", "rocket-freight": "🚚 Rocket Freight 🚀", "acme-corp": "Acme Corp",
             "beijing-logistics": "北京物流 Logistics"}
    vault = make_vault(tmp_path / "v", {
        f"accounts/{id_}.md": f"---\ntype: account\nname: {name}\nindustry: Freight\nowner: maria\n---\n"
        for id_, name in names.items()})
    out = vault.run("list", "account", ok=True).stdout.splitlines()
    header = starts(out[0], ["id", "name", "industry", "owner"])
    rows = {line.split()[0]: line for line in out[2:-1]}
    for id_, name in names.items():
        assert starts(rows[id_], [id_, name, "Freight", "maria"]) == header, rows[id_]
    assert columns(out[1]) >= columns(max(out[2:-1], key=columns))  # the rule under the header is as wide


def test_a_long_wide_name_is_cut_at_the_cells_width_not_at_48_characters():
    name = "東京湾岸物流センター" * 6  # 60 characters, 120 columns
    text = table(["name", "owner"], [[name, "maria"], ["short", "dev"]])
    first, rule, row, short = text.splitlines()
    cut = row.split("  ")[0]
    assert cut.endswith("…") and name.startswith(cut[:-1])
    assert columns(cut) == 47  # 23 wide characters and the ellipsis: one column left is not half a character
    assert starts(row, [cut, "maria"])[1] == starts(short, ["short", "dev"])[1] == starts(first, ["name", "owner"])[1]


def test_a_cut_never_splits_an_emoji_sequence_or_a_combining_mark():
    joined = "a" * 44 + WOMAN_TECHNOLOGIST + " works late"
    cut = clip(joined, 48)
    kept = cut[:-1]
    assert cut.endswith("…") and joined.startswith(kept)
    assert not kept.endswith((ZWJ, "\U0001F469"))  # either the whole 👩‍💻 or none of it
    accented = "e\u0301" * 60  # é as e + a combining acute accent
    kept = clip(accented, 10)[:-1]
    assert kept == "e\u0301" * 9  # nine whole letters, the accent never left behind
    flags = "\U0001F1E9\U0001F1EA" * 30  # 🇩🇪 as two regional indicators
    kept = clip(flags, 11)[:-1]
    assert len(kept) % 2 == 0 and flags.startswith(kept)


def test_a_record_with_wide_keys_shows_its_values_in_one_column(tmp_path):
    vault = make_vault(tmp_path / "v", {"accounts/tokyo.md": "---\ntype: account\nname: 東京 Trading\n担当者: 山田\n"
                                                             "industry: Retail\n---\n"})
    out = vault.run("show", "tokyo", ok=True).stdout.splitlines()
    fields = {line.split()[0]: line for line in out[2:5]}
    assert starts(fields["担当者"], ["担当者", "山田"])[1] == starts(fields["industry"], ["industry", "Retail"])[1] \
        == starts(fields["name"], ["name", "東京"])[1]
