"""NCMEC report times and names, from a store built the way a platform builds it.

A Telegram export with known Paris times is ingested, a folder scanned, the files confirmed
and put in a platform case. The report's ``incidentDateTime`` must be the earliest message
that carried a reported file, each file's ``uploadedToEspTimestamp`` its own first message
(left out, with the reason, for the file only a scan found), never the time crible hashed a
file or read the export; person names only from the identification data.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from crible.exports.ncmec import file_details_xml, report_xml
from crible.exports.ncmec_config import NcmecConfig, Person
from crible.exports.ncmec_times import notes, report_times
from crible.model.cases import CaseKind
from crible.services.cases import case_file, case_from_confirmed
from crible.services.routing import import_identities
from crible.store import Store
from tests.conftest import DATA
from tests.evidence_times import ALICE, BRUNO, POSTS, SCANNED, build

CONFIG = NcmecConfig(Person("Ada", "Lovelace", "safety@example.org"), platform="ExampleApp")
XSD = etree.XMLSchema(etree.parse(str(DATA / "schemas/ncmec/cybertipline-report.xsd")))


def valid(document: bytes) -> etree._Element:
    root = etree.fromstring(document)
    assert XSD.validate(root), XSD.error_log
    return root


def test_report_times_are_the_messages_times(store: Store, tmp_path: Path) -> None:
    scenario = build(store, tmp_path)
    identities = tmp_path / "identification.csv"
    identities.write_text(
        "account,name,first_name,last_name,source\n"
        f"telegram:user{ALICE[0]},Alice Exemple-Durand,Alice,Exemple-Durand,request 12\n"
        f"telegram:user{BRUNO[0]},Bruno Martin-Dupont,,,request 13\n",
        encoding="utf-8",
    )
    assert import_identities(store, identities, actor="lea").imported == 2
    case = case_from_confirmed(store, "Uploads", actor="lea", kind=CaseKind.PLATFORM)
    shown = case_file(store, case.id)

    report = valid(report_xml(shown, CONFIG))
    first = POSTS[0]  # Alice's, 15 January 2024 09:00 in Paris
    assert report.findtext("incidentSummary/incidentDateTime") == first.utc
    assert first.utc == "2024-01-15T08:00:00Z"

    uploads = report_times(shown).uploads
    uploaded = {}
    for item in shown.media:
        doc = valid(file_details_xml(7, "f", item, CONFIG, uploaded=uploads.get(item.sha256)))
        uploaded[item.sha256] = (doc.findtext("uploadedToEspTimestamp"), doc)
    for seed in (301, 302, 303):
        assert uploaded[scenario.sha256[seed]][0] == scenario.first_post(seed).utc, seed
    assert uploaded[scenario.sha256[302]][0] == "2024-03-31T01:30:00Z"  # not Bruno's re-post
    assert uploaded[scenario.sha256[303]][0] == "2024-06-20T22:30:00Z"
    scanned_time, scanned_doc = uploaded[scenario.sha256[SCANNED]]
    assert scanned_time is None
    assert "upload time is not known" in (scanned_doc.findtext("additionalInfo") or "")
    assert notes(shown) == (
        f"file {scenario.sha256[SCANNED]}: no uploadedToEspTimestamp. "
        "No dated message in this case carried this file (it was found by a scan, or in "
        "messages without a time): its upload time is not known, so none is given.",
    )

    users = {u.findtext("espIdentifier"): u for u in report.iter("personOrUserReported")}
    alice, bruno = users[f"user{ALICE[0]}"], users[f"user{BRUNO[0]}"]
    assert alice.findtext("personOrUserReportedPerson/firstName") == "Alice"
    assert alice.findtext("personOrUserReportedPerson/lastName") == "Exemple-Durand"
    assert [e.text for e in alice.iter("displayName")] == [ALICE[1]]
    # Bruno's identification gives one full name: it is not split into two
    assert bruno.find("personOrUserReportedPerson/firstName") is None
    assert bruno.find("personOrUserReportedPerson/lastName") is None
    assert "Identified as Bruno Martin-Dupont" in (bruno.findtext("additionalInfo") or "")
    assert [e.text for e in bruno.iter("displayName")] == [BRUNO[1]]
    assert alice.find("screenName") is None  # a Telegram export names no user name here
