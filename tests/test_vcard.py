"""import vcard on real programs' exports (tests/data/*.vcf), the line reader's quirks, and the round trip.

The files in tests/data/ are written with the quirks of the programs they are named after: iPhone
(3.0, itemN. groups with X-ABLabel, `type=pref`, a folded base64 PHOTO, `\\,` and `\\n` in NOTE), Android
2.1 (every byte quoted-printable with soft line breaks, bare `TEL;CELL;PREF`, base64 PHOTO blocks
indented or not, ended by a blank line, a card without a name), Outlook 2003 and 2007 (2.1 in the
Windows code page, LABEL and NOTE in quoted-printable, X-MS-CARDPICTURE / PHOTO blocks, `N` with two
parts, `N;LANGUAGE=en-us`) and Lotus Notes 8.5 (3.0 with PROFILE, NAME, SOURCE, a quoted-printable
NOTE with a soft break).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import default_config_text, git, make_vault
from salesmd.io.vcard import read_cards

DATA = Path(__file__).parent / "data"


@pytest.fixture
def fresh(tmp_path):
    return make_vault(tmp_path / "crm", base=False)


def record(vault, rel: str) -> tuple[dict, str]:
    """(front matter, body) of a record file."""
    _, front, body = vault.read(rel).split("---\n", 2)
    return yaml.safe_load(front), body


# What each file holds, read by hand: contact id -> the keys it must have (and nothing else of these),
# its account's name and its body.
FILES = {
    "iphone.vcf": {
        "cards": 3,
        "contacts": {
            "ludwig-van-beethoven": dict(
                name="Ludwig van Beethoven", family_name="van Beethoven", given_name="Ludwig",
                email="ludwig@bonnpianos.example", emails=["lvb@mail.example"],
                phone="+49 170 5550101", phones=["+49 228 5550102", "+49 228 5550199"], role="Purchasing manager",
                source_id="vcard:8F1A2B3C-4D5E-4F60-8172-93A4B5C6D7E8", account="Bonn Pianos GmbH",
                body="Met at Musikmesse. Wants 4 pallet trucks, delivery before March.\nCall mornings only.\n"),
            "wang-fang": dict(
                name="Wang Fang", family_name="Wang", given_name="Fang",
                email="wangfang@mail.example", emails=["fang.wang@pearlriver.example"],  # type=pref wins
                phone="+86 138 5550 1234", phones=["+86 20 5550 9000", "+86 20 5550 9001"],
                source_id="vcard:1C2D3E4F-5061-4728-93A4-B5C6D7E8F901", account="Pearl River Freight", body=""),
            "dr-john-smith-jr": dict(
                name="Dr. John Smith Jr.", family_name="Smith", given_name="John",
                email="john@smithhardware.example", phone="(555) 010-2000",
                phones=["(555) 010-2001", "(555) 010-2002"], role="Owner",
                source_id="vcard:2D3E4F50-6172-4839-A4B5-C6D7E8F90A12", account="Smith & Sons Hardware", body=""),
        },
        "skipped": [],
        "not_imported": "ADR (1 card), BDAY (1 card), PHOTO (1 card), URL (1 card)",
    },
    "android-2.1.vcf": {
        "cards": 3,
        "contacts": {
            "jurgen-muller-ludenscheidt": dict(
                name="Jürgen Müller-Lüdenscheidt", email="j.mueller@lagertechnik.example",
                emails=["juergen.ml@mail.example"], phone="+49 151 5550 1234",
                phones=["+49 711 5550 200", "+49 711 5550 300"], role="Einkauf", account="Lagertechnik Süd GmbH",
                body="Kennengelernt auf der LogiMAT in Stuttgart. Möchte ein Angebot für 6 Schubmaststapler "
                     "bis Ende Januar.\nRückruf über die Zentrale.\n"),
            "anna-kowalski": dict(  # no FN: the name comes from N
                name="Anna Kowalski", email="anna.kowalski@polfracht.example", phone="+48 600 555 010",
                phones=["+48 22 555 0111"], account="Polfracht Sp. z o.o.", body=""),
        },
        "skipped": [":38: warning[import-vcard]: card 3 has no name (FN or N); skipped"],
        "not_imported": "PHOTO (2 cards)",
    },
    "outlook-2003.vcf": {
        "cards": 1,
        "contacts": {
            "maria-jose-garcia-lopez": dict(
                name="María José García López", family_name="García López", given_name="María José",
                email="mjgarcia@almacenes-ibericos.example",
                emails=["mariajose.garcia@mail.example", "compras@almacenes-ibericos.example"],
                phone="+34 91 555 0140", phones=["+34 91 555 0141", "+34 600 555 142", "+34 91 555 0143"],
                role="Jefa de almacén", account="Almacenes Ibéricos S.A.",
                body="Prefers Spanish. Fleet of 12 counterbalance trucks, leases end\nin June.\n"
                     "Ask for Pedro at reception.\n"),
        },
        "skipped": [],
        "not_imported": "ADR (1 card), LABEL (1 card), URL (1 card)",
    },
    "outlook-2007.vcf": {
        "cards": 2,
        "contacts": {
            "siobhan-o-brien": dict(
                name="Siobhan O'Brien", email="siobhan.obrien@shannondist.example", emails=["s.obrien@mail.example"],
                phone="+353 1 555 0170", phones=["+353 87 555 0171", "+353 1 555 0172", "+353 1 555 0173"],
                role="Head of Operations", account="Shannon Distribution Ltd",
                body="Renewal of 20 reach trucks due Q3 – budget approved.\n"),  # =96: cp1252's dash
            "chinedu-okafor": dict(
                name="Chinedu Okafor", email="c.okafor@lagosport.example", phone="+234 201 555 0180",
                phones=["+234 803 555 0181"], account="Lagos Port Services", body=""),
        },
        "skipped": [],
        "not_imported": "ADR (1 card), LABEL (1 card), PHOTO (1 card)",
    },
    "lotus-notes.vcf": {
        "cards": 2,
        "contacts": {
            "hiroshi-tanaka": dict(
                name="Hiroshi Tanaka", email="hiroshi.tanaka@kansai-wh.example", emails=["h.tanaka@mail.example"],
                phone="+81 6 5550 1111", phones=["+81 90 5550 2222", "+81 6 5550 1112"], role="General Manager",
                source_id="vcard:85257654004E3F6A85257654004E3F6B", account="Kansai Warehousing K.K.",
                body="Visited the Osaka site on 2026-10-14. Interested in automated guided vehicles for the "
                     "cold store.\n"),
            "giulia-rossi": dict(
                name="Giulia Rossi", email="giulia@trasportirossi.example", phone="+39 02 5550 3333",
                phones=["+39 02 5550 4444"], source_id="vcard:85257654004E3F6A85257654004E3F6C",
                account="Trasporti Rossi S.r.l.", body=""),
        },
        "skipped": [],
        "not_imported": "ADR (1 card), CATEGORIES (1 card), LABEL (1 card)",
    },
}
CONTACT_KEYS = ("name", "family_name", "given_name", "email", "emails", "phone", "phones", "role", "source_id")


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_real_export_imports_every_named_card_with_all_its_emails_phones_and_notes(fresh, name):
    expected, path = FILES[name], DATA / name
    result = fresh.run("import", "vcard", str(path), ok=True)
    encoding = "Windows-1252 (the file is not UTF-8)" if name == "outlook-2003.vcf" else "UTF-8"  # Outlook: ANSI
    assert f"{path}: {encoding}, {expected['cards']} card{'s' * (expected['cards'] != 1)}\n" in result.output
    contacts = sorted(p.stem for p in (fresh.root / "contacts").glob("*.md"))
    assert contacts == sorted(expected["contacts"])
    for id_, want in expected["contacts"].items():
        data, body = record(fresh, f"contacts/{id_}.md")
        assert {k: data.get(k) for k in CONTACT_KEYS} == {k: want.get(k) for k in CONTACT_KEYS}, id_
        account, _ = record(fresh, "accounts/" + data["account"].strip("[]") + ".md")
        assert account["name"] == want["account"]
        assert body == want["body"], id_
    warnings = [line for line in result.stderr.splitlines() if "warning[" in line]
    assert len(warnings) == len(expected["skipped"])
    for warning, want in zip(warnings, expected["skipped"]):
        assert warning.startswith(f"{path}{want}")
    assert f"{path}: not imported, salesmd has no key for them: {expected['not_imported']}\n" in result.output
    assert "Failed to parse" not in result.output + result.stderr
    fresh.run("check", "--strict", ok=True)  # emails, phones, family_name, given_name are known keys
    before = fresh.snapshot()
    fresh.run("import", "vcard", str(path), ok=True)
    assert fresh.snapshot() == before


def test_all_the_real_exports_into_one_vault_then_out_and_back_in_change_nothing(fresh, tmp_path):
    for name in sorted(FILES):
        fresh.run("import", "vcard", str(DATA / name), ok=True)
    out = tmp_path / "out.vcf"
    fresh.run("export", "contact", "--format", "vcard", "-o", str(out), ok=True)
    before = fresh.snapshot()
    result = fresh.run("import", "vcard", str(out), ok=True)
    assert fresh.snapshot() == before, result.output
    other = make_vault(tmp_path / "other", base=False)
    other.run("import", "vcard", str(out), ok=True)
    for id_ in (i for f in FILES.values() for i in f["contacts"]):
        mine, body = record(fresh, f"contacts/{id_}.md")
        theirs, their_body = record(other, f"contacts/{id_}.md")
        assert {k: theirs.get(k) for k in CONTACT_KEYS} == \
            {k: mine.get(k) for k in CONTACT_KEYS} | {"source_id": mine.get("source_id") or f"vcard:salesmd:{id_}"}
        assert their_body == body and theirs["account"] == mine["account"]
    text = out.read_bytes().decode("utf-8")
    assert "N:van Beethoven;Ludwig;;;\r\n" in text and "N:Wang;Fang;;;\r\n" in text  # the card's own N
    assert "N:Wei;Li;;;" not in text and "N:Beethoven;Ludwig van" not in text


def test_the_export_files_a_contact_by_its_family_name_and_puts_the_preferred_address_first(vault, tmp_path):
    vault.write("contacts/wang-fang.md", """\
        ---
        type: contact
        name: Wang Fang
        family_name: Wang
        given_name: Fang
        email: fang@pearlriver.example
        emails: [wangfang@mail.example]
        phone: "+86 138 5550 1234"
        phones: ["+86 20 5550 9000"]
        ---
        Prefers WeChat.
        """)
    out = tmp_path / "c.vcf"
    vault.run("export", "contact", "--format", "vcard", "-o", str(out), ok=True)
    [card] = [c for c in out.read_text(encoding="utf-8").split("END:VCARD") if "FN:Wang Fang" in c]
    assert "N:Wang;Fang;;;" in card and "NOTE:Prefers WeChat." in card
    assert "EMAIL;TYPE=INTERNET,PREF:fang@pearlriver.example" in card
    assert "EMAIL;TYPE=INTERNET:wangfang@mail.example" in card
    assert "TEL;TYPE=PREF:+86 138 5550 1234" in card and "TEL:+86 20 5550 9000" in card
    assert "N:Doe;Jane;;;" in out.read_text(encoding="utf-8")  # no family_name: the name split at its last space


def card(*lines: str) -> str:
    return "\r\n".join(("BEGIN:VCARD",) + lines + ("END:VCARD", ""))


def test_one_unreadable_line_costs_that_line_not_the_card(fresh, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "FN:Ana Ruiz", 'EMAIL;TYPE="work:ana@bolt.example',
                         "this line is not a property", "TEL;TYPE=WORK:+1 206 555 0123", "ORG:Bolt Builders"),
                    encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert (f"{path}:4: warning[import-vcard]: card 1 (Ana Ruiz): the EMAIL line cannot be read "
            "(a quoted parameter value is never closed)") in result.stderr
    assert (f"{path}:5: warning[import-vcard]: card 1 (Ana Ruiz): a line cannot be read "
            "(there is no ':' between the property's name and its value)") in result.stderr
    data, _ = record(fresh, "contacts/ana-ruiz.md")
    assert data["phone"] == "+1 206 555 0123" and data["account"] == "[[bolt-builders]]" and "email" not in data


@pytest.mark.parametrize("lines,name,note", [
    # 3.0 and 4.0 folding drops the one white space character that starts the next line
    (("VERSION:4.0", "FN:Marcus Hi", " ll", "NOTE:one long line fol", " ded here"), "Marcus Hill",
     "one long line folded here"),
    # 2.1 folds at white space, which stays
    (("VERSION:2.1", "FN:Marcus", " Hill", "NOTE:folded", " at a space"), "Marcus Hill", "folded at a space"),
    # quoted-printable soft line breaks, in UTF-8 and in the charset the card names
    (("VERSION:2.1", "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCr=", "gen M=C3=BCller",
      "NOTE;QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Gr=FC=DFe=0D=0A=", "aus Hamburg"),
     "Jürgen Müller", "Grüße\naus Hamburg"),
    # a charset Python knows but that is no text encoding for these bytes is read as UTF-8
    (("VERSION:2.1", "FN;ENCODING=QUOTED-PRINTABLE;CHARSET=idna:xn--zz", "NOTE;QUOTED-PRINTABLE;CHARSET=x-nope:=C3=BC"),
     "xn--zz", "ü"),
    # a soft break on the card's last line does not swallow END:VCARD
    (("VERSION:2.1", "FN:Rosa Diaz", "NOTE;ENCODING=QUOTED-PRINTABLE:the end=3D=", ), "Rosa Diaz", "the end="),
    # escapes: \\, \\; \\n in 3.0; a 2.1 value keeps its backslashes
    (("VERSION:3.0", "FN:Rosa Diaz", "NOTE:a\\, b\\; c\\nd \\\\ e"), "Rosa Diaz", "a, b; c\nd \\ e"),
    (("VERSION:2.1", "FN:Rosa Diaz", "NOTE:C:\\new\\folder"), "Rosa Diaz", "C:\\new\\folder"),
])
def test_folds_soft_breaks_charsets_and_escapes(fresh, tmp_path, lines, name, note):
    path = tmp_path / "c.vcf"
    path.write_text(card(*lines), encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert "warning" not in result.stderr
    [contact] = (fresh.root / "contacts").glob("*.md")
    data, body = record(fresh, f"contacts/{contact.name}")
    assert data["name"] == name and body == note + "\n"


@pytest.mark.parametrize("lines,email,emails,phone,phones", [
    # 2.1 bare types: PREF wins over the card's order; a fax is never the first phone
    (("VERSION:2.1", "FN:A B", "TEL;WORK;FAX:1", "TEL;HOME:2", "TEL;CELL;PREF:3", "EMAIL;INTERNET:a@x",
      "EMAIL;INTERNET;PREF:b@x"), "b@x", ["a@x"], "3", ["1", "2"]),
    # without PREF, work comes first, but not a work fax
    (("VERSION:2.1", "FN:A B", "TEL;WORK;FAX:1", "TEL;HOME:2", "TEL;CELL:3"), None, None, "3", ["1", "2"]),
    # 3.0 TYPE= lists and repeated TYPE=; work beats home, cell beats home
    (("VERSION:3.0", "FN:A B", "TEL;TYPE=HOME:2", "TEL;TYPE=CELL,VOICE:3", "EMAIL;TYPE=HOME:h@x",
      "EMAIL;TYPE=INTERNET;TYPE=WORK:w@x"), "w@x", ["h@x"], "3", ["2"]),
    # 4.0: PREF=1, quoted TYPE lists, tel: and mailto: URIs; the same address or number twice is kept once
    (("VERSION:4.0", "FN:A B", 'TEL;VALUE=uri;TYPE="voice,home":tel:+1-555-0100',
      "TEL;VALUE=uri;PREF=1;TYPE=cell:tel:+1-555-0101", "TEL;TYPE=work:+1 (555) 0100",
      "EMAIL:mailto:a@x", "EMAIL;PREF=1:B@x", "EMAIL:b@X"),
     "B@x", ["a@x"], "+1-555-0101", ["+1-555-0100"]),
    # Apple groups: item1.EMAIL is an EMAIL, its X-ABLabel is no property of the contact
    (("VERSION:3.0", "FN:A B", "item1.EMAIL;type=INTERNET:g@x", "item1.X-ABLabel:_$!<Other>!$_",
      "item2.TEL:9", "item2.X-ABLabel:Assistant"), "g@x", None, "9", None),
])
def test_every_email_and_phone_is_kept_the_preferred_first(fresh, tmp_path, lines, email, emails, phone, phones):
    path = tmp_path / "c.vcf"
    path.write_text(card(*lines), encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert "warning" not in result.stderr and "not imported" not in result.output
    data, _ = record(fresh, "contacts/a-b.md")
    assert (data.get("email"), data.get("emails"), data.get("phone"), data.get("phones")) == \
        (email, emails, phone, phones)


def test_a_card_whose_name_line_cannot_be_read_says_so(fresh, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", 'FN;LANGUAGE="en:Ana Ruiz', "TEL:1") + card("VERSION:3.0", "FN:Tom Becker"),
                    encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert (f"{path}:1: warning[import-vcard]: card 1 has no name (FN or N); its FN on line 3 cannot be read "
            "(a quoted parameter value is never closed); skipped, the other cards are imported") in result.stderr
    assert [p.stem for p in (fresh.root / "contacts").glob("*.md")] == ["tom-becker"]


def test_a_name_from_n_alone_reads_its_lists_and_keeps_how_it_is_filed(fresh, tmp_path):
    path = tmp_path / "c.vcf"  # RFC 2426's own example of N, and no FN
    path.write_text(card("VERSION:3.0", "N:Stevenson;John;Philip,Paul;Dr.;Jr.,M.D.,A.C.P.", "ORG:ABC\\, Inc.;North"),
                    encoding="utf-8")
    fresh.run("import", "vcard", str(path), ok=True)
    data, _ = record(fresh, "contacts/dr-john-philip-paul-stevenson-jr-m-d-a-c-p.md")
    assert data["name"] == "Dr. John Philip Paul Stevenson Jr. M.D. A.C.P."
    assert (data["family_name"], data["given_name"]) == ("Stevenson", "John Philip Paul")
    assert record(fresh, "accounts/abc-inc.md")[0]["name"] == "ABC, Inc."


def test_a_fold_that_cuts_a_utf8_character_in_two_is_joined_before_it_is_read(fresh, tmp_path):
    path = tmp_path / "c.vcf"  # RFC 6350 3.2: a fold may fall inside a multi-octet character
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:J\xc3\r\n \xbcrgen M\xc3\xbcller\r\n"
                     b"ORG:Lagertechnik S\xc3\xbcd\r\nNOTE:Gr\xc3\r\n \xbc\xc3\r\n \x9fe\r\nEND:VCARD\r\n")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert f"{path}: UTF-8, 1 card" in result.output
    data, body = record(fresh, "contacts/jurgen-muller.md")
    assert data["name"] == "Jürgen Müller" and body == "Grüße\n"
    assert record(fresh, "accounts/lagertechnik-sud.md")[0]["name"] == "Lagertechnik Süd"


def test_a_companys_own_card_is_its_account_and_a_group_card_is_skipped(fresh, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "N:Wang;Fang;;;", "FN:Wang Fang", "ORG:Pearl River Freight;")
                    + card("VERSION:3.0", "N:;;;;", "FN:Pearl River Freight", "ORG:Pearl River Freight;",
                           "TEL;type=WORK:+86 20 5550 9000", "item1.URL:https\\://pearlriver.example",
                           "X-ABShowAs:COMPANY", "NOTE:Ships from Guangzhou.")
                    + card("VERSION:4.0", "KIND:org", "FN:Acme Corp", "TEL:+1 503 555 0100")
                    + card("VERSION:4.0", "KIND:group", "FN:Trade show leads", "MEMBER:urn:uuid:1"),
                    encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert [p.stem for p in (fresh.root / "contacts").glob("*.md")] == ["wang-fang"]
    assert sorted(p.stem for p in (fresh.root / "accounts").glob("*.md")) == ["acme-corp", "pearl-river-freight"]
    account, body = record(fresh, "accounts/pearl-river-freight.md")
    assert (account["phone"], account["website"]) == ("+86 20 5550 9000", "https://pearlriver.example")
    assert body.endswith("\nShips from Guangzhou.\n")  # after the account skeleton's own body
    assert record(fresh, "contacts/wang-fang.md")[0]["account"] == "[[pearl-river-freight]]"
    assert f"{path}:23: warning[import-vcard]: card 4 is a group of contacts (KIND:group), not a person; " \
           "skipped" in result.stderr
    fresh.run("check", "--strict", ok=True)
    before = fresh.snapshot()
    fresh.run("import", "vcard", str(path), ok=True)
    assert fresh.snapshot() == before


def test_two_cards_of_one_person_are_one_contact_with_the_emails_phones_and_notes_of_both(fresh, tmp_path):
    path = tmp_path / "c.vcf"  # the same person from the phone and from Outlook, say
    path.write_text(card("VERSION:3.0", "FN:Jane Doe", "EMAIL;TYPE=pref:jane@acme.example", "TEL:+1 503 555 0142",
                         "NOTE:From the phone.")
                    + card("VERSION:2.1", "FN:Jane Doe", "EMAIL;INTERNET:jd@home.example", "EMAIL:JANE@acme.example",
                           "TEL;CELL:+1 503 555 0199", "TEL;WORK:+1 (503) 555-0142", "TITLE:Fleet manager",
                           "ORG:Acme Corp", "NOTE:From Outlook.")
                    + card("VERSION:4.0", "KIND:org", "FN:Acme Corp", "TEL:+1 503 555 0100")
                    + card("VERSION:4.0", "KIND:org", "FN:ACME Corp", "TEL:+1 503 555 0101", "URL:https://acme.example"),
                    encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert (f"{path}:8: card 2 is the same contact as card 1 (Jane Doe): imported as one, with every email, phone "
            "and note of both") in result.output
    assert f"{path}:25: card 4 is the same account as card 3 (Acme Corp)" in result.output
    assert [p.stem for p in (fresh.root / "contacts").glob("*.md")] == ["jane-doe"]
    data, body = record(fresh, "contacts/jane-doe.md")
    assert (data["email"], data["emails"]) == ("jane@acme.example", ["jd@home.example"])
    assert (data["phone"], data["phones"]) == ("+1 503 555 0142", ["+1 503 555 0199"])
    assert (data["role"], data["account"]) == ("Fleet manager", "[[acme-corp]]")
    assert body == "From the phone.\n\nFrom Outlook.\n"
    account, _ = record(fresh, "accounts/acme-corp.md")
    assert (account["phone"], account["website"], "phones" in account) == ("+1 503 555 0100", "https://acme.example",
                                                                           False)
    fresh.run("check", "--strict", ok=True)


def test_a_base64_photo_without_indented_lines_is_read_past(fresh, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:2.1", "N:Kowalski;Anna", "PHOTO;ENCODING=BASE64;TYPE=JPEG:",
                         "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U",
                         "AAgAAgESAAMAAAABAAEAAAEaAAUAAAABAAAAYgEbAAUAAAABAAAAagEoAAMAAAABAAIAAA==",
                         "", "TEL;CELL:+48 600 555 010"), encoding="utf-8")
    result = fresh.run("import", "vcard", str(path), ok=True)
    assert "warning" not in result.stderr and "AAgAAgES" not in result.output
    data, _ = record(fresh, "contacts/anna-kowalski.md")
    assert data["phone"] == "+48 600 555 010"


def test_a_note_fills_an_empty_body_and_leaves_a_written_one_alone(vault, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "FN:Jane Doe", "EMAIL:jane@acme.example", "NOTE:Met at ProMat."),
                    encoding="utf-8")
    result = vault.run("import", "vcard", str(path), ok=True)
    assert "contacts/jane-doe.md (line 1): body: (none) -> Met at ProMat." in result.output
    assert vault.read("contacts/jane-doe.md").endswith('lead: "[[jane-doe-inquiry]]"\n---\nMet at ProMat.\n')
    path.write_text(card("VERSION:3.0", "FN:Jane Doe", "EMAIL:jane@acme.example", "NOTE:Another note."),
                    encoding="utf-8")
    before = vault.snapshot()
    vault.run("import", "vcard", str(path), ok=True)
    assert vault.snapshot() == before


def test_a_contact_is_found_by_any_of_its_addresses_when_the_preferred_one_changed(vault, tmp_path):
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "FN:Jane Doe", "EMAIL;TYPE=pref:jd@home.example", "EMAIL:jane@acme.example"),
                    encoding="utf-8")
    vault.run("import", "vcard", str(path), ok=True)
    assert not (vault.root / "contacts/jane-doe-contact.md").exists()
    data, _ = record(vault, "contacts/jane-doe.md")
    assert (data["email"], data["emails"]) == ("jd@home.example", ["jane@acme.example"])
    path.write_text(card("VERSION:3.0", "FN:Jane Doe", "EMAIL:jane@acme.example"), encoding="utf-8")
    vault.run("import", "vcard", str(path), ok=True)  # found by an address in `emails`
    assert not (vault.root / "contacts/jane-doe-contact.md").exists()
    assert record(vault, "contacts/jane-doe.md")[0]["email"] == "jane@acme.example"


PROPERTY = st.tuples(
    st.sampled_from(["FN", "N", "EMAIL", "TEL", "NOTE", "ORG", "TITLE", "UID", "item1.EMAIL", "PHOTO", "", "a.b.c"]),
    st.lists(st.sampled_from(["ENCODING=QUOTED-PRINTABLE", "QUOTED-PRINTABLE", "CHARSET=idna", "CHARSET=utf-16",
                              "CHARSET=rot13", "CHARSET=", "ENCODING=b", 'TYPE="a,b', "PREF", "PREF=1", "="]),
             max_size=3),
    st.lists(st.sampled_from(["=C3=BC", "=FF", "=", "=\r\n", "\r\n ", "\r\n", ";", "\\", "\\n", "abc", ":", '"',
                              "\x00"])
             | st.text(max_size=4), max_size=8).map("".join),
).map(lambda t: t[0] + "".join(";" + p for p in t[1]) + ":" + t[2])
CARD = st.tuples(st.sampled_from(["2.1", "3.0", "4.0"]), st.lists(PROPERTY | st.text(max_size=6), max_size=8)).map(
    lambda t: "BEGIN:VCARD\r\nVERSION:" + t[0] + "\r\n" + "\r\n".join(t[1]) + "\r\nEND:VCARD\r\n")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(CARD, min_size=1, max_size=3))
def test_any_card_is_imported_or_reported_never_an_exception(cards):
    out = read_cards("".join(cards), "x.vcf")
    skipped = [p for p in out.problems if "skipped, the other cards are imported" in p.message]
    repeated = [n for n in out.notes if "repeats the card" in n or "imported as one" in n]
    assert len(out.items) + len(skipped) + len(repeated) == out.count  # every card imported or reported
    for item in out.items:
        assert item.values["name"].strip() == item.values["name"] != ""


# -- an export names its records: UID salesmd:<id> ------------------------------------------------------------

US = default_config_text() + "\nphone_region: US\n"
PAIRS = {  # two pairs of one person each: one imported once from a phone (its UID kept), one typed twice
    "contacts/carla-mendes.md": """\
        ---
        type: contact
        name: Carla Mendes
        email: carla.mendes@harbor.example
        phone: "+1 503 555 0143"
        ---
        """,
    "contacts/carla-mendes-2.md": """\
        ---
        type: contact
        name: Carla Mendes
        email: Carla.Mendes@harbor.example
        phone: "(503) 555-0143"
        phones: ["(503) 555-0190"]
        source_id: "vcard:5f2c9a1e-7d3b"
        ---
        """,
    "contacts/dana-ruiz.md": "---\ntype: contact\nname: Dana Ruiz\nemail: dana@ruiz.example\n---\n",
    "contacts/dana-ruiz-2.md": "---\ntype: contact\nname: Dana Ruiz\nemail: dana@ruiz.example\nrole: Buyer\n---\n",
}


def test_an_export_of_a_vault_with_duplicates_imported_again_changes_nothing(tmp_path):
    vault = make_vault(tmp_path / "crm", PAIRS, base=False, config=US)
    vault.commit("two pairs of duplicates")
    out = tmp_path / "contacts.vcf"
    vault.run("export", "contact", "--format", "vcard", "-o", str(out), ok=True)
    assert b"UID:salesmd:dana-ruiz\r\n" in out.read_bytes()
    before = vault.snapshot()
    result = vault.run("import", "vcard", str(out), ok=True)
    assert "4 unchanged" in result.output and "imported as one" not in result.output
    assert vault.snapshot() == before and git(vault.root, "status", "--porcelain") == ""


def test_a_card_whose_salesmd_record_was_renamed_or_deleted_is_matched_as_any_other(tmp_path):
    vault = make_vault(tmp_path / "crm", {"contacts/pat-lee.md": "---\ntype: contact\nname: Pat Lee\n"
                                                                 "email: pat@lee.example\n---\n"}, base=False)
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "UID:salesmd:patricia-lee", "FN:Pat Lee", "EMAIL:pat@lee.example",
                         "TITLE:Buyer") + card("VERSION:3.0", "UID:salesmd:gone", "FN:Gone Person",
                                               "EMAIL:gone@else.example"), encoding="utf-8")
    vault.run("import", "vcard", str(path), ok=True)
    data, _ = record(vault, "contacts/pat-lee.md")  # renamed: found by its email, not added again
    assert data["role"] == "Buyer" and not (vault.root / "contacts/patricia-lee.md").exists()
    assert record(vault, "contacts/gone.md")[0]["email"] == "gone@else.example"  # deleted: made again, its id kept


def test_a_phone_is_one_number_however_written_in_the_vaults_phone_region(tmp_path):
    vault = make_vault(tmp_path / "crm", {"contacts/carla-mendes.md": PAIRS["contacts/carla-mendes-2.md"]},
                       base=False, config=US)
    vault.commit()
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "FN:Carla Mendes", "EMAIL:carla.mendes@harbor.example",
                         "TEL;TYPE=pref:+1 503-555-0143", "TEL:503.555.0190"), encoding="utf-8")
    before = vault.snapshot()
    result = vault.run("import", "vcard", str(path), ok=True)
    assert "1 unchanged" in result.output and vault.snapshot() == before
    two = card("VERSION:3.0", "FN:Jo Bell", "EMAIL:jo@bell.example", "TEL:(503) 555-0143") + \
        card("VERSION:3.0", "FN:Jo Bell", "EMAIL:jo@bell.example", "TEL:+1 503 555 0143")
    path.write_text(two, encoding="utf-8")
    vault.run("import", "vcard", str(path), ok=True)  # two cards of one person: one number, not two
    data, _ = record(vault, "contacts/jo-bell.md")
    assert data["phone"] == "(503) 555-0143" and "phones" not in data


def test_a_card_without_a_uid_that_matches_two_contacts_is_refused_with_the_way_out(tmp_path):
    vault = make_vault(tmp_path / "crm", PAIRS, base=False, config=US)
    vault.commit()
    path = tmp_path / "c.vcf"
    path.write_text(card("VERSION:3.0", "FN:Dana Ruiz", "EMAIL:dana@ruiz.example", "TITLE:Head of Buying"),
                    encoding="utf-8")
    before = vault.snapshot()
    result = vault.run("import", "vcard", str(path), ok=False)
    assert f"{path}:1: error[import-ambiguous]: matches 2 contacts (dana-ruiz, dana-ruiz-2)" in result.output
    assert "salesmd dupes" in result.output and "salesmd merge" in result.output
    assert vault.snapshot() == before
