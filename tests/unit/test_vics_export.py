"""VICS export of a case's confirmed media, read back by crible's own VICS importer."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

from crible.banks.formats import ParseOptions
from crible.banks.vics import parse
from crible.exports.vics import vics_json
from crible.model.banks import HashEntry
from crible.model.errors import UserError
from crible.model.signals import SignalType
from tests.casefiles import network_case_file, platform_case_file


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


def test_unconfirmed_media_is_not_exported() -> None:
    case_file = network_case_file()
    unconfirmed = replace(case_file.media[0], confirmed_by=())
    with pytest.raises(UserError, match="not confirmed"):
        vics_json(replace(case_file, media=(unconfirmed,)))
