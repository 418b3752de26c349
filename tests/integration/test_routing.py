"""Identification import and routing of a network case on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from crible.model.errors import BadInput, Conflict, UserError
from crible.services.cases import add_evidence, add_suspect, case_file, create_case
from crible.services.routing import import_identities, route_case
from crible.store import Store
from tests.integration.test_cases import USERS, Investigation, build_investigation

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"
FR = DATA / "competences-tj.csv"
RULES = DATA / "rules.csv"


def _identify(store: Store, inv: Investigation, tmp: Path) -> Path:
    uid = {n: USERS[n][0] for n in USERS}
    path = tmp / "identified.csv"
    path.write_text(
        "account,name,birth_date,address,commune,source,country,region\n"
        f"telegram:user{uid[1]},A. One,1990-01-02,1 rue A,69123,reply JR-1,,\n"
        f"{inv.accounts[2]},B. Two,02/03/1991,2 rue B,69259,reply JR-2,,\n"
        f"{inv.accounts[3]},C. Three,,3 rue C,75056,reply JR-3,,\n"
        f"{inv.accounts[4]},D. Four,,,01999,reply JR-4,,\n"
        f"{inv.accounts[5]},E. Five,,,99999,reply JR-5,,\n"
        f"{inv.accounts[7]},G. Seven,,,,reply MLA-7,BE,BRU\n"
        "telegram:user1,Nobody,,,75056,reply JR-8,,\n"
        f"{inv.accounts[6]},F. Six,31/31/1990,,75056,reply JR-9,,\n"
    )
    return path


def test_identification_import_keeps_good_rows_and_names_bad_ones(
    store: Store, tmp_path: Path
) -> None:
    inv = build_investigation(store, tmp_path)

    report = import_identities(store, _identify(store, inv, tmp_path), actor="alice")

    assert report.imported == 6
    assert [(r.line, r.field) for r in report.rejected] == [(8, "account"), (9, "birth_date")]
    assert "no account 'telegram:user1'" in str(report.rejected[0])
    with pytest.raises(BadInput, match="no such file"):
        import_identities(store, tmp_path / "missing.csv", actor="alice")


def test_a_network_case_is_split_into_one_file_per_competent_authority(
    store: Store, tmp_path: Path
) -> None:
    inv = build_investigation(store, tmp_path)
    import_identities(store, _identify(store, inv, tmp_path), actor="alice")
    network = create_case(store, "Network Unit", actor="alice")
    for n in range(1, 8):
        add_suspect(store, network.reference, str(inv.accounts[n]), actor="alice")
    for sha in inv.confirmed:
        add_evidence(store, network.reference, "media", sha, actor="alice")
    add_evidence(store, network.reference, "message", str(inv.messages[2]), actor="alice")

    result = route_case(store, network.reference, fr_table=FR, rules=RULES, actor="alice")

    names = {c.authority.name: c for c in result.children if c.authority}
    assert sorted(names) == [
        "Parquet de Bruxelles",
        "Tribunal judiciaire de Lyon",
        "Tribunal judiciaire de Paris",
    ]
    lyon, paris, brussels = (
        names["Tribunal judiciaire de Lyon"],
        names["Tribunal judiciaire de Paris"],
        names["Parquet de Bruxelles"],
    )
    assert result.routed[lyon.reference] == (inv.accounts[1], inv.accounts[2])
    assert result.routed[paris.reference] == (inv.accounts[3],)
    assert result.routed[brussels.reference] == (inv.accounts[7],)
    assert dict(result.unrouted) == {
        inv.accounts[4]: "ambiguous commune 01999 (Tribunal judiciaire de Belley / "
        "Tribunal judiciaire de Bourg-en-Bresse)",
        inv.accounts[5]: "unknown commune 99999",
        inv.accounts[6]: "not identified",
    }

    lyon_file = case_file(store, lyon.reference)
    assert lyon_file.case.parent_id == network.id
    assert lyon_file.case.authority is not None and lyon_file.case.authority.code == "6901"
    assert {c.reference for c in lyon_file.related} == {paris.reference, brussels.reference}
    assert [e.kind for e in lyon_file.evidence] == ["media", "media", "message"]
    assert lyon_file.evidence[0].provenance[-1].ref == network.reference
    assert {m.sha256 for m in lyon_file.media} == set(inv.confirmed)
    identity = lyon_file.suspects[0].identity
    assert identity is not None and (identity.full_name, identity.source) == (
        "A. One",
        "reply JR-1",
    )
    assert all(s.authority == lyon.authority for s in lyon_file.suspects)
    assert not case_file(store, paris.reference).evidence, "user 3 posted nothing confirmed"
    paris_log = case_file(store, paris.reference).custody
    assert paris_log[-1].action == "route" and lyon.reference in paris_log[-1].detail

    parent = case_file(store, network.reference)
    assert {c.reference for c in parent.related} == set(result.routed)
    assert dict(parent.unrouted) == dict(result.unrouted)
    assert parent.custody[-1].action == "route" and "routed 4 of 7" in parent.custody[-1].detail
    routed = {s.account_id: s.authority for s in parent.suspects}
    assert routed[inv.accounts[7]] == brussels.authority and routed[inv.accounts[6]] is None

    with pytest.raises(Conflict, match="already routed"):
        route_case(store, network.reference, fr_table=FR, actor="alice")
    with pytest.raises(UserError, match="already a routed file"):
        route_case(store, lyon.reference, fr_table=FR, actor="alice")


def test_routing_needs_a_table_and_suspects(store: Store, tmp_path: Path) -> None:
    empty = create_case(store, "Empty", actor="alice")
    with pytest.raises(UserError, match="needs --fr-table"):
        route_case(store, empty.reference, actor="alice")
    with pytest.raises(UserError, match="no suspects"):
        route_case(store, empty.reference, fr_table=FR, actor="alice")
    bad = tmp_path / "bad.csv"
    bad.write_text("Commune;TJ\n75056;Paris\n")
    with pytest.raises(BadInput, match=r"bad.csv:1: not the Ministry of Justice table"):
        route_case(store, empty.reference, fr_table=bad, actor="alice")
