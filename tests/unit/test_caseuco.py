"""CASE/UCO JSON-LD of generated case files, checked by case_validate (case-utils)."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from case_utils.case_validate import validate

from crible.exports.caseuco import case_uco, case_uco_json
from crible.model.errors import UserError
from tests.casefiles import network_case_file, platform_case_file


def conforms(document: bytes, tmp_path: Path) -> tuple[bool, str]:
    path = tmp_path / "case.jsonld"
    path.write_bytes(document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = validate(str(path))
    return bool(result.conforms), str(result.text)


def of_type(graph: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [
        n for n in graph if name in ([n["@type"]] if isinstance(n["@type"], str) else n["@type"])
    ]


@pytest.mark.parametrize("make", [network_case_file, platform_case_file])
def test_case_validate_accepts_the_graph(make: Any, tmp_path: Path) -> None:
    ok, report = conforms(case_uco_json(make()), tmp_path)
    assert ok, report


def test_graph_holds_files_messages_threads_accounts_and_provenance() -> None:
    case_file = network_case_file()
    graph = case_uco(case_file)["@graph"]
    files = of_type(graph, "uco-observable:File")
    assert len(files) == len(case_file.media)
    hashes = {
        (h["uco-types:hashMethod"], h["uco-types:hashValue"]["@value"])
        for f in files
        for facet in f["uco-core:hasFacet"]
        for h in facet.get("uco-observable:hash", [])
    }
    for item in case_file.media:
        assert {("SHA256", item.sha256), ("MD5", item.md5), ("SHA1", item.sha1)} <= hashes
    assert len(of_type(graph, "uco-observable:Message")) == 4
    threads = {
        t["uco-core:name"]: t["uco-core:hasFacet"][0]
        for t in of_type(graph, "uco-observable:MessageThread")
    }
    assert {
        name: facet["uco-observable:messageThread"]["co:size"]["@value"]
        for name, facet in threads.items()
    } == {
        "Groupe Tulipe": "3",
        "Salon Annexe": "1",
    }
    assert len(threads["Groupe Tulipe"]["uco-observable:participant"]) == 2  # 101 and 103
    assert len(of_type(graph, "uco-observable:ApplicationAccount")) == 3
    records = of_type(graph, "case-investigation:ProvenanceRecord")
    assert sorted(r["case-investigation:exhibitNumber"] for r in records) == [
        f"CRB-2026-0007-{n}" for n in (1, 2, 3, 4)
    ]
    names = {a["uco-core:name"] for a in of_type(graph, "case-investigation:InvestigativeAction")}
    assert {"export", "match", "review", "evidence added", "routed", "bundle exported"} <= names
    kinds = {r["uco-core:kindOfRelationship"] for r in graph if "uco-core:kindOfRelationship" in r}
    assert kinds == {"Attachment_Of", "Sent_By", "Related_To"}
    investigations = of_type(graph, "case-investigation:Investigation")
    assert [i["uco-core:name"] for i in investigations] == [
        "CRB-2026-0007",
        "CRB-2026-0008",
        "CRB-2026-0009",
    ]


def test_the_same_case_file_gives_the_same_graph() -> None:
    assert case_uco_json(network_case_file()) == case_uco_json(network_case_file())


def test_a_misspelt_concept_does_not_conform(tmp_path: Path) -> None:
    document = case_uco(platform_case_file())
    of_type(document["@graph"], "uco-observable:File")[0]["@type"] = "uco-observable:Fiel"
    ok, _ = conforms(json.dumps(document).encode(), tmp_path)
    assert not ok


def test_unconfirmed_media_is_not_exported() -> None:
    case_file = platform_case_file()
    with pytest.raises(UserError, match="not confirmed"):
        case_uco(replace(case_file, media=(replace(case_file.media[0], confirmed_by=()),)))
