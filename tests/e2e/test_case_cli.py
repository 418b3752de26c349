"""``crible case ...`` through the console script: from confirmed findings to routed files."""

from __future__ import annotations

from pathlib import Path

from crible.services.cases import add_suspect, create_case
from crible.store import Store
from tests.e2e.cli import crible, crible_json
from tests.integration.test_cases import USERS, build_investigation

DATA = Path(__file__).resolve().parents[1] / "data" / "routing"


def test_case_commands_build_and_route_a_network_case(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    with Store.open(db) as store:
        inv = build_investigation(store, tmp_path)
        ref = create_case(store, "Network Unit", actor="alice").reference
        for n in (2, 3):
            add_suspect(store, ref, str(inv.accounts[n]), actor="alice")
    one = crible("case", "add-suspect", ref, f"telegram:user{USERS[1][0]}", db=db)
    assert one.returncode == 0 and f"suspect account {inv.accounts[1]}" in one.stdout

    refused = crible("case", "add-evidence", ref, "--media", inv.pending, db=db)
    assert refused.returncode == 2 and "is pending, not confirmed" in refused.stderr
    both = crible("case", "add-evidence", ref, "--media", inv.pending, "--match", "1", db=db)
    assert both.returncode == 2 and "exactly one of" in both.stderr
    added = crible("case", "add-evidence", ref, "--message", str(inv.messages[1]), db=db)
    assert added.returncode == 0, added.stderr
    assert "decision" in added.stdout and "by bob" in added.stdout

    ids = tmp_path / "ids.csv"
    ids.write_text(
        "account,name,birth_date,address,commune,source\n"
        f"{inv.accounts[1]},A. One,1990-01-02,,69123,reply JR-1\n"
        f"{inv.accounts[2]},B. Two,,,01999,reply JR-2\n"
        f"{inv.accounts[3]},C. Three,1990-02-30,,75056,reply JR-3\n"
    )
    identified = crible("case", "identify", str(ids), db=db)
    assert identified.returncode == 3, identified.stderr
    assert "2 identifications imported" in identified.stdout
    assert f"{ids}:4: field 'birth_date'" in identified.stdout

    routed = crible_json(
        "case", "route", ref, "--fr-table", str(DATA / "competences-tj.csv"), db=db
    )
    [child] = routed["children"]
    assert child["authority"]["name"] == "Tribunal judiciaire de Lyon"
    assert routed["routed"] == {child["reference"]: [inv.accounts[1]]}
    assert routed["unrouted"] == [
        {
            "account_id": inv.accounts[2],
            "reason": "ambiguous commune 01999 (Tribunal judiciaire de Belley / "
            "Tribunal judiciaire de Bourg-en-Bresse)",
        },
        {"account_id": inv.accounts[3], "reason": "not identified"},
    ]

    shown = crible_json("case", "show", child["reference"], db=db)
    assert shown["case"]["parent_id"] is not None
    assert [e["kind"] for e in shown["evidence"]] == ["message"]
    assert shown["suspects"][0]["identity"]["full_name"] == "A. One"
    listed = crible_json("case", "list", db=db)
    assert [c["reference"] for c in listed] == [ref, child["reference"]]
    text = crible("case", "show", ref, db=db)
    assert text.returncode == 0 and "not routed: account" in text.stdout
