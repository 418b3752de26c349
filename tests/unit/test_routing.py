"""Routing rules: the Ministry's commune table, generic rules, and every reason not to route."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crible.cases.identification import IdentityRow, RejectedRow, read_identities
from crible.cases.routing import (
    RoutingTables,
    load_tables,
    read_french_table,
    read_rules,
)
from crible.model.cases import Authority, Identity
from crible.model.errors import BadInput

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"
HEADER = "Commune;Libellé;Orig. CA;N° CA;CA;Orig. TJ;N° TJ;TJ;Orig. CPH;N° CPH;CPH\n"
LYON = Authority("FR", "6901", "Tribunal judiciaire de Lyon", "Cour d'appel de Lyon")


def _tables() -> RoutingTables:
    return load_tables(DATA / "competences-tj.csv", DATA / "rules.csv")


def _who(
    commune: str | None = None, country: str | None = None, region: str | None = None
) -> Identity:
    return Identity(
        1, "A. Person", "reply 12", commune_code=commune, country=country, region=region
    )


def test_french_suspects_go_to_the_tj_of_their_commune() -> None:
    tables = _tables()
    assert tables.route(_who("69259")).authority == LYON
    assert tables.route(_who("69123", "FR")).authority == LYON
    ajaccio = tables.route(_who("2a004")).authority
    assert (
        ajaccio is not None
        and ajaccio.code == "2001"
        and ajaccio.parent == "Cour d'appel de Bastia"
    )


def test_every_reason_not_to_route_is_given() -> None:
    tables = _tables()
    assert tables.route(None).reason == "not identified"
    assert tables.route(_who()).reason.startswith("identified, but no commune")
    assert tables.route(_who("99999")).reason == "unknown commune 99999"
    ambiguous = tables.route(_who("01999"))
    assert ambiguous.authority is None
    assert ambiguous.reason == (
        "ambiguous commune 01999 (Tribunal judiciaire de Belley / "
        "Tribunal judiciaire de Bourg-en-Bresse)"
    )
    assert tables.route(_who(country="DE")).reason == "no rule for country DE"
    assert load_tables(None, DATA / "rules.csv").route(_who("75056")).reason == (
        "no French competence table given"
    )


def test_generic_rules_prefer_the_region_then_the_country() -> None:
    tables = _tables()
    bru = tables.route(_who(country="BE", region="bru")).authority
    assert bru == Authority("BE", "BE-BRU", "Parquet de Bruxelles")
    anywhere = tables.route(_who(country="be", region="VLG")).authority
    assert anywhere is not None and anywhere.code == "BE-FED"
    assert tables.route(_who(country="CH", region="VD")).reason == (
        "no rule for country CH (region VD)"
    )


def test_the_ministry_table_in_windows_1252_reads_the_same() -> None:
    utf8 = load_tables(DATA / "competences-tj.csv", None)
    cp1252 = load_tables(DATA / "competences-tj-cp1252.csv", None)
    assert utf8.communes == cp1252.communes and len(utf8.communes) == 6


def test_a_table_in_another_format_is_refused_with_its_line() -> None:
    with pytest.raises(BadInput, match=r"t.csv:1: not the Ministry of Justice table"):
        list(read_french_table("Commune,Libellé,CA,TJ\n75056,PARIS,Paris,Paris\n", "t.csv"))
    bad = HEADER + "75056;PARIS;CA;750;Paris;TJ;7501;Tribunal\n69123;LYON;CA;690;Lyon;TJ;;\n"
    with pytest.raises(BadInput, match=r"t.csv:3: field 'N° TJ' is empty"):
        list(read_french_table(bad, "t.csv"))
    with pytest.raises(BadInput, match=r"r.csv:1: rules table lacks the column\(s\) code"):
        list(read_rules("country,region,authority\n", "r.csv"))
    with pytest.raises(BadInput, match=r"r.csv:3: field 'country' must be a two-letter"):
        list(read_rules("country,region,code,authority\nBE,,X,Y\nBEL,,X,Y\n", "r.csv"))


def test_a_quote_left_open_is_bad_input_not_a_crash() -> None:
    rest = "".join(f"{n:05d};PLACE {n};CA;1;Court;TJ;{n};Court {n}\n" for n in range(5000))
    french = HEADER + '75056;"PARIS;CA;750;Paris;TJ;7501;Tribunal\n' + rest
    rules = 'country,region,code,authority\nBE,,X,"Y\n' + rest.replace(";", ",")
    ids = 'account,name,source\n1,"A. One,reply\n' + rest.replace(";", ",")

    for read, text in ((read_french_table, french), (read_rules, rules)):
        with pytest.raises(BadInput, match=r"t.csv:\d+: unreadable CSV: field larger"):
            list(read(text, "t.csv"))
    with pytest.raises(BadInput, match=r"t.csv:\d+: unreadable CSV: field larger"):
        list(read_identities(ids, "t.csv"))


def test_identification_rows_are_read_and_bad_ones_named_by_line_and_field() -> None:
    text = (
        "account,name,date_of_birth,address,commune,source\n"
        "telegram:user1,A. One,1990-02-03,1 rue A,69123,reply 1\n"
        "2,B. Two,03/02/1991,,2B033,reply 2\n"
        "3,,1990-01-01,,75056,reply 3\n"
        "4,D. Four,1990-13-01,,75056,reply 4\n"
        "5,E. Five,,,7505,reply 5\n"
        "6,F. Six,,,75056\n"
        "\n"
        "7,G. Seven,,,,reply 7\n"
    )
    rows = list(read_identities(text, "ids.csv"))

    good = [r for r in rows if isinstance(r, IdentityRow)]
    bad = [r for r in rows if isinstance(r, RejectedRow)]
    assert [(r.line, r.account, r.commune_code, r.country) for r in good] == [
        (2, "telegram:user1", "69123", "FR"),
        (3, "2", "2B033", "FR"),
        (9, "7", None, None),
    ]
    assert good[0].birth_date == date(1990, 2, 3) and good[1].birth_date == date(1991, 2, 3)
    assert [(r.line, r.field) for r in bad] == [
        (4, "name"),
        (5, "birth_date"),
        (6, "commune"),
        (7, "*"),
    ]
    assert str(bad[1]) == "line 5, field 'birth_date': '1990-13-01' is not YYYY-MM-DD or DD/MM/YYYY"
    with pytest.raises(BadInput, match=r"ids.csv:1: .*lacks the column\(s\) source"):
        list(read_identities("account,name\n", "ids.csv"))


def test_first_and_last_names_are_read_only_when_given_apart() -> None:
    text = (
        "account,name,prénom,family_name,source\n"
        "1,Jean-Marie de la Tour,Jean-Marie,de la Tour,reply 1\n"
        "2,Ana Lima,,,reply 2\n"
        f"3,Long,{'x' * 301},,reply 3\n"
    )
    rows = list(read_identities(text, "ids.csv"))
    good = [r for r in rows if isinstance(r, IdentityRow)]
    assert [(r.full_name, r.given_name, r.family_name) for r in good] == [
        ("Jean-Marie de la Tour", "Jean-Marie", "de la Tour"),
        ("Ana Lima", None, None),  # one full name: never split by guessing
    ]
    assert [(r.line, r.field) for r in rows if isinstance(r, RejectedRow)] == [(4, "first_name")]
