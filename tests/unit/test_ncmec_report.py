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
from crible.model.cases import CaseSuspect, Identity
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
    assert root.findtext("incidentSummary/incidentDateTime") == "2026-03-13T21:15:00Z"
    user = root.find("personOrUserReported")
    assert user is not None
    assert user.findtext("espIdentifier") == "uid-501"
    assert user.findtext("screenName") == "river_fox"
    assert user.findtext("personOrUserReportedPerson/lastName") == "Sample"
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


def test_file_details_classify_only_ncmec_categories() -> None:
    media = platform_case_file().media
    docs = [
        etree.fromstring(file_details_xml(4321, f"f{i}", m, CONFIG)) for i, m in enumerate(media)
    ]
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
    doc = etree.fromstring(file_details_xml(1, "f", platform_case_file().media[0], config))
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
        file_details_xml(1, "f", unconfirmed, CONFIG)


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
    assert root.findtext("personOrUserReported/personOrUserReportedPerson/lastName") == "Solo"


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
