"""NCMEC CyberTipline XML: built from benign generated case files, validated by NCMEC's XSD."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from crible.exports.ncmec import (
    SCHEMA_PATH,
    SCHEMA_SHA256,
    file_details_xml,
    industry_classification,
    report_xml,
    validate,
)
from crible.exports.ncmec_config import NcmecConfig, Person, config_from, load_config
from crible.exports.ncmec_times import notes, report_times
from crible.model.cases import CaseFile, CaseSuspect, Identity
from crible.model.categories import make_category
from crible.model.errors import BadInput, UserError
from tests.casefiles import network_case_file, platform_case_file
from tests.conftest import DATA

SHARED_XSD = DATA / "schemas/ncmec/cybertipline-report.xsd"
CONFIG = NcmecConfig(
    Person("Ada", "Lovelace", "safety@example.org"),
    contact=Person("Bo", "Contact", "contact@example.org", phone="+33 1 23 45 67 89"),
    platform="ExampleApp",
    terms_of_service="https://example.org/terms",
    legal_url="https://example.org/legal",
)
REPORT_ORDER = [
    "incidentSummary",
    "internetDetails",
    "reporter",
    "personOrUserReported",
    "additionalInfo",
]


def _shared_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SHARED_XSD)))


def test_the_packaged_schema_is_ncmec_s_byte_for_byte() -> None:
    packaged = SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(packaged).hexdigest() == SCHEMA_SHA256
    assert packaged == SHARED_XSD.read_bytes()


def test_report_of_a_platform_case_validates_in_xsd_order() -> None:
    root = etree.fromstring(report_xml(platform_case_file(), CONFIG))
    assert _shared_schema().validate(root), _shared_schema().error_log
    order = [child.tag for child in root]
    assert sorted(set(order), key=order.index) == [t for t in REPORT_ORDER if t in order]
    # the earliest message that carried a reported file: file 2's, on 7 March at 23:05
    assert root.findtext("incidentSummary/incidentDateTime") == "2026-03-07T23:05:00Z"
    assert "message 920" in (root.findtext("incidentSummary/incidentDateTimeDescription") or "")
    user = root.find("personOrUserReported")
    assert user is not None
    assert user.findtext("espIdentifier") == "uid-501"
    assert user.findtext("screenName") == "river_fox"
    assert [e.text for e in user.iter("displayName")] == ["River Fox"]
    # "Alex Sample" is a full name: not split into a first and a last name by guessing
    assert user.find("personOrUserReportedPerson/firstName") is None
    assert user.find("personOrUserReportedPerson/lastName") is None
    assert "Identified as Alex Sample" in (user.findtext("additionalInfo") or "")
    assert user.findtext("personOrUserReportedPerson/address/country") == "US"
    assert user.findtext("personOrUserReportedPerson/dateOfBirth") == "1990-01-02"
    assert root.findtext("reporter/contactPerson/phone") == "+33 1 23 45 67 89"
    assert root.findtext("reporter/legalURL") == "https://example.org/legal"


def test_chats_become_chat_incidents() -> None:
    case_file = network_case_file()
    platform = replace(case_file, case=replace(case_file.case, kind=platform_case_file().case.kind))
    root = etree.fromstring(report_xml(platform, CONFIG))
    assert [e.text for e in root.iter("chatRoomName")] == ["Groupe Tulipe", "Salon Annexe"]
    assert root.findtext("internetDetails/chatImIncident/chatClient") == "ExampleApp"
    # The unidentified suspect is reported by its account alone.
    users = root.findall("personOrUserReported")
    assert [u.findtext("espIdentifier") for u in users] == ["user101", "user102", "user103"]
    assert users[2].find("personOrUserReportedPerson") is None


def details(case_file: CaseFile) -> list[etree._Element]:
    uploads = report_times(case_file).uploads
    return [
        etree.fromstring(file_details_xml(4321, f"f{i}", m, CONFIG, uploaded=uploads.get(m.sha256)))
        for i, m in enumerate(case_file.media)
    ]


def test_each_file_s_upload_time_is_its_first_message() -> None:
    docs = details(platform_case_file())
    assert [doc.findtext("uploadedToEspTimestamp") for doc in docs] == [
        "2026-03-09T18:40:00Z",
        "2026-03-07T23:05:00Z",  # the first of its two messages
        "2026-03-12T06:30:00Z",
        None,  # no message carried it: no time, and the file says why
    ]
    assert "upload time is not known" in (docs[3].findtext("additionalInfo") or "")
    assert all(_shared_schema().validate(doc) for doc in docs)


def test_file_details_classify_only_ncmec_categories() -> None:
    media = platform_case_file().media
    docs = details(platform_case_file())
    schema = _shared_schema()
    assert all(schema.validate(doc) for doc in docs)
    assert [doc.findtext("industryClassification") for doc in docs] == ["A1", "B2", None, None]
    first = docs[0]
    assert first.findtext("reportId") == "4321"
    assert first.findtext("fileRelevance") == "Reported"
    assert first.findtext("fileViewedByEsp") == "true"
    assert first.findtext("exifViewedByEsp") == "false"
    hashes = {h.get("hashType"): h.text for h in first.iter("originalFileHash")}
    assert hashes == {"MD5": media[0].md5, "SHA1": media[0].sha1, "SHA256": media[0].sha256}
    assert "VIC-US 2" in (docs[2].findtext("additionalInfo") or "")


def test_no_classification_without_the_hash_sharing_agreement() -> None:
    config = replace(
        CONFIG, industry_classification=False, exif_viewed=True, publicly_available=False
    )
    doc = etree.fromstring(
        file_details_xml(1, "f", platform_case_file().media[0], config, uploaded=None)
    )
    assert doc.find("industryClassification") is None
    assert doc.findtext("exifViewedByEsp") == "true"
    assert doc.findtext("fileViewedByEsp") == "true"
    assert doc.findtext("publiclyAvailable") == "false"


def test_unconfirmed_media_is_never_reported() -> None:
    case_file = platform_case_file()
    unconfirmed = replace(case_file.media[1], confirmed_by=())
    with pytest.raises(UserError, match="not confirmed"):
        report_xml(replace(case_file, media=(case_file.media[0], unconfirmed)), CONFIG)
    with pytest.raises(UserError, match="not confirmed"):
        file_details_xml(1, "f", unconfirmed, CONFIG, uploaded=None)


def test_an_investigation_case_is_not_reported_to_ncmec() -> None:
    with pytest.raises(UserError, match="platform cases"):
        report_xml(network_case_file(), CONFIG)


def test_validation_error_names_the_element() -> None:
    good = report_xml(platform_case_file(), CONFIG)
    root = etree.fromstring(good)
    reporter = root.find("reporter")
    assert reporter is not None
    root.remove(reporter)
    root.insert(0, reporter)  # reporter before incidentSummary: out of sequence
    with pytest.raises(BadInput, match="reporter"):
        validate(etree.tostring(root))
    with pytest.raises(BadInput, match="not well-formed"):
        validate(b"<report><incidentSummary>")


def test_odd_text_and_unknown_countries_still_validate() -> None:
    case_file = platform_case_file()
    identity = Identity(501, "Solo", "registration", address="somewhere", country="Atlantis")
    odd = CaseSuspect(501, "exampleapp", "uid\x00501", ("name\x07with bell",), identity=identity)
    root = etree.fromstring(report_xml(replace(case_file, suspects=(odd,)), CONFIG))
    assert root.findtext("personOrUserReported/espIdentifier") == "uid\ufffd501"
    assert root.find("personOrUserReported/personOrUserReportedPerson/address/country") is None
    assert root.find("personOrUserReported/personOrUserReportedPerson/lastName") is None
    assert "Identified as Solo" in (root.findtext("personOrUserReported/additionalInfo") or "")


def test_person_names_come_only_from_identification_data() -> None:
    case_file = platform_case_file()
    # names of unknown kind are display names, never a screen name or a person's name
    shown = replace(case_file.suspects[0], identity=None, screen_names=(), display_names=())
    root = etree.fromstring(report_xml(replace(case_file, suspects=(shown,)), CONFIG))
    user = root.find("personOrUserReported")
    assert user is not None and user.find("personOrUserReportedPerson") is None
    assert user.find("screenName") is None
    assert [e.text for e in user.iter("displayName")] == ["river_fox", "River Fox"]
    # first and last names given apart by the identification are written as given
    identity = Identity(
        501,
        "Jean-Marie de la Tour",
        "judicial request 7",
        given_name="Jean-Marie",
        family_name="de la Tour",
    )
    named = replace(case_file.suspects[0], identity=identity)
    root = etree.fromstring(report_xml(replace(case_file, suspects=(named,)), CONFIG))
    assert root.findtext("personOrUserReported/personOrUserReportedPerson/firstName") == (
        "Jean-Marie"
    )
    assert root.findtext("personOrUserReported/personOrUserReportedPerson/lastName") == (
        "de la Tour"
    )


def test_without_dated_messages_the_incident_says_what_its_time_is() -> None:
    case_file = platform_case_file()
    undated = tuple(
        replace(e, provenance=tuple(s for s in e.provenance if s.kind != "message"))
        for e in case_file.evidence
    )
    scanned = replace(case_file, evidence=undated)
    root = etree.fromstring(report_xml(scanned, CONFIG))
    assert root.findtext("incidentSummary/incidentDateTime") == "2026-03-19T12:00:00Z"
    described = root.findtext("incidentSummary/incidentDateTimeDescription") or ""
    assert "when the first of them was found (scan-4), not when it was uploaded" in described
    assert all(doc.find("uploadedToEspTimestamp") is None for doc in details(scanned))
    said = notes(scanned)
    assert said[0].startswith("incidentDateTime: No dated message")
    assert len(said) == 1 + len(case_file.media)


def test_industry_classification_of_categories() -> None:
    assert industry_classification(make_category("NCMEC", "a2")) == "A2"
    assert industry_classification(make_category("VIC-US", "1")) is None
    assert industry_classification(None) is None


def test_config_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "ncmec.toml"
    toml.write_text(
        '[reporter]\nfirst_name = "Ada"\nlast_name = "L"\nemail = "a@example.org"\n'
        '[report]\nplatform = "ExampleApp"\nexif_viewed = true\nindustry_classification = false\n'
    )
    config = load_config(toml)
    assert config.platform == "ExampleApp"
    assert config.exif_viewed and not config.industry_classification
    as_json = tmp_path / "ncmec.json"
    as_json.write_text(
        json.dumps({"reporter": {"first_name": "A", "last_name": "B", "email": "e"}})
    )
    assert load_config(as_json).reporter == Person("A", "B", "e")


def test_config_errors_name_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[reporter]\nfirst_name = "Ada"\nlast_name = "L"\n')
    with pytest.raises(BadInput, match=r"bad\.toml: reporter\.email is required"):
        load_config(path)
    path.write_text("[reporter\n")
    with pytest.raises(BadInput, match=r"bad\.toml: not valid toml"):
        load_config(path)
    with pytest.raises(BadInput, match=r"report\.incident_type"):
        config_from(
            {
                "reporter": {"first_name": "A", "last_name": "B", "email": "e"},
                "report": {"incident_type": "x"},
            }
        )
    with pytest.raises(BadInput, match=r"report\.exif_viewed must be true or false"):
        config_from(
            {
                "reporter": {"first_name": "A", "last_name": "B", "email": "e"},
                "report": {"exif_viewed": "yes"},
            }
        )
    with pytest.raises(BadInput, match="unknown table"):
        config_from({"reporter": {}, "extra": {}})
