"""VICS export of a case's confirmed media: read back by crible's own VICS importer, and checked
as plain JSON against the VICS 2.0 structure and hashlib's digests, independently of crible."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import replace

import pytest

from crible.banks.formats import ParseOptions
from crible.banks.vics import parse
from crible.exports.vics import vics_json
from crible.model.banks import HashEntry
from crible.model.cases import CaseFile
from crible.model.errors import UserError
from crible.model.signals import SignalType
from tests.casefiles import media_bytes, network_case_file, platform_case_file


def read_back(document: bytes) -> list[HashEntry]:
    results = list(parse(io.BytesIO(document), "case.json", ParseOptions()))
    assert all(isinstance(r, HashEntry) for r in results), results
    return [r for r in results if isinstance(r, HashEntry)]


def test_round_trip_keeps_every_hash_and_vic_category() -> None:
    case_file = network_case_file()
    entries = read_back(vics_json(case_file))
    by_record: dict[str | None, dict[SignalType, str]] = {}
    for entry in entries:
        by_record.setdefault(entry.external_id, {})[entry.signal_type] = entry.value
    assert len(by_record) == len(case_file.media)
    for number, item in enumerate(case_file.media, start=1):
        assert by_record[str(number)] == {
            SignalType.MD5: item.md5,
            SignalType.SHA1: item.sha1,
            SignalType.SHA256: item.sha256,
            SignalType.PDQ: item.pdq,
        }
    categories = {e.external_id: e.category for e in entries}
    assert categories["1"] == case_file.media[0].category  # VIC-US 1
    assert categories["2"] == case_file.media[1].category  # VIC-US 2
    assert categories["3"] is None  # CAID B has no VICS Category


def test_document_is_vics_2_shaped() -> None:
    document = json.loads(vics_json(platform_case_file()))
    assert document["@odata.context"].endswith("$metadata#Media")
    records = document["value"]
    assert [r["MediaID"] for r in records] == [1, 2, 3, 4]
    assert "Category" not in records[0]  # NCMEC A1: not a VIC-US code
    assert records[2]["Category"] == 2
    assert set(records[0]) == {"MediaID", "MD5", "SHA1", "SHA256", "AlternativeHashes"}


VICS_2_CONTEXT = re.compile(
    r"http://github\.com/VICSDATAMODEL/ProjectVic/DataModels/2\.0\.xml/\w+/\$metadata#Media"
)
MEDIA_FIELDS = {"MediaID", "Category", "MD5", "SHA1", "SHA256", "AlternativeHashes"}
"""The VICS 2.0 Media fields a case export may write."""
HEX_DIGITS = {"MD5": 32, "SHA1": 40, "SHA256": 64}
VIC_US_CATEGORIES = range(5)


def vics_2_problems(document: object) -> list[str]:
    """Where a document departs from the VICS 2.0 hash-set shape (OData JSON: a context naming
    the 2.0 data model's Media set, ``value`` a list of Media records), by a reading of the
    structure written here, not by crible's VICS reader."""
    if not isinstance(document, dict) or set(document) != {"@odata.context", "value"}:
        return [f"top level: {document!r:.80}"]
    problems = []
    if not VICS_2_CONTEXT.fullmatch(str(document["@odata.context"])):
        problems.append(f"@odata.context: {document['@odata.context']}")
    records = document["value"]
    if not isinstance(records, list):
        return [*problems, "value is not a list"]
    for number, record in enumerate(records, start=1):
        where = f"record {number}"
        if not isinstance(record, dict) or set(record) - MEDIA_FIELDS:
            problems.append(f"{where}: fields {record!r:.80}")
            continue
        media_id, category = record.get("MediaID"), record.get("Category", 0)
        if type(media_id) is not int or media_id < 1:
            problems.append(f"{where}: MediaID {media_id!r}")
        if type(category) is not int or category not in VIC_US_CATEGORIES:
            problems.append(f"{where}: Category {category!r}")
        for name, digits in HEX_DIGITS.items():
            if not re.fullmatch(f"[0-9a-f]{{{digits}}}", str(record.get(name))):
                problems.append(f"{where}: {name} {record.get(name)!r}")
        for other in record.get("AlternativeHashes", []):
            if not isinstance(other, dict) or set(other) != {"HashName", "HashValue"}:
                problems.append(f"{where}: alternative hash {other!r}")
            elif other["HashName"] == "PDQ" and not re.fullmatch(
                "[0-9a-f]{64}", other["HashValue"]
            ):
                problems.append(f"{where}: PDQ {other['HashValue']!r}")
    ids = [r.get("MediaID") for r in records if isinstance(r, dict)]
    if len(set(ids)) != len(ids):
        problems.append(f"MediaIDs repeat: {ids}")
    return problems


@pytest.mark.parametrize("make", [network_case_file, platform_case_file])
def test_document_has_the_vics_2_structure_and_the_files_hashes(
    make: Callable[[], CaseFile],
) -> None:
    """The export read as plain JSON against the VICS 2.0 structure, each record's hashes
    compared with hashlib's digests of the generated bytes the case file stands for."""
    case_file = make()
    document = json.loads(vics_json(case_file))

    assert vics_2_problems(document) == []
    numbers = [
        int(str(item.file_name).removeprefix("photo_").removesuffix(".jpg"))
        for item in case_file.media
    ]
    expected = [
        {
            "MD5": hashlib.md5(media_bytes(n)).hexdigest(),
            "SHA1": hashlib.sha1(media_bytes(n)).hexdigest(),
            "SHA256": hashlib.sha256(media_bytes(n)).hexdigest(),
        }
        for n in numbers
    ]
    got = [{name: record[name] for name in HEX_DIGITS} for record in document["value"]]
    assert got == expected
    assert [r["MediaID"] for r in document["value"]] == list(range(1, len(numbers) + 1))


def test_the_structure_check_refuses_what_vics_does_not_allow() -> None:
    """The checker above is no rubber stamp: each departure is named."""
    good = json.loads(vics_json(network_case_file()))
    record = good["value"][0]
    bad_records = [
        {**record, "MediaID": "1"},
        {**record, "Category": 7},
        {**record, "MD5": record["MD5"][:-1]},
        {**record, "SHA256": record["SHA256"].upper()},
        {**record, "Sha256": record["SHA256"]},
        {**record, "AlternativeHashes": [{"HashName": "PDQ", "HashValue": "00"}]},
    ]
    for bad in bad_records:
        assert len(vics_2_problems({**good, "value": [bad]})) == 1, bad
    assert vics_2_problems({**good, "@odata.context": "benign"}) == ["@odata.context: benign"]
    assert vics_2_problems({"value": []}) != []
    assert len(vics_2_problems({**good, "value": [record, record]})) == 1


def test_unconfirmed_media_is_not_exported() -> None:
    case_file = network_case_file()
    unconfirmed = replace(case_file.media[0], confirmed_by=())
    with pytest.raises(UserError, match="not confirmed"):
        vics_json(replace(case_file, media=(unconfirmed,)))
