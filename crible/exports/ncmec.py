"""NCMEC CyberTipline report XML (``<report>`` and ``<fileDetails>``), built with lxml.

Every element is written in the order of the XSD's ``xs:sequence`` (NCMEC rejects anything
else) and each document is validated against the schema before it leaves this module: an
invalid document raises ``BadInput`` naming the element, never reaches the network.

Rules the XSD cannot say and this module keeps (NCMEC's technical documentation):

- ``fileViewedByEsp`` must be true when ``exifViewedByEsp`` is true. A confirmed file was
  viewed by the reviewers who confirmed it, so it is true for every file written here.
- Only files whose ``fileRelevance`` is ``Reported`` may carry an ``industryClassification``;
  every file here is ``Reported``, and the classification is written only for a category of
  the NCMEC scheme (A1, A2, B1, B2) and only when the ESP has signed NCMEC's hash-sharing MOU
  (``industry_classification`` in the configuration). Categories of other schemes are named
  in ``additionalInfo`` instead, never translated.
- Only confirmed media: the case file holds nothing else, and a file without a reviewer
  stops the report.
- Times come from the evidence's messages (``crible.exports.ncmec_times``): the incident
  is the earliest message that carried a reported file, each file's upload its own earliest
  message; a file no dated message carried gets no ``uploadedToEspTimestamp``.
- Names: ``screenName`` is the account's user name (handle), each display name a
  ``displayName``; ``firstName`` / ``lastName`` come only from identification data that
  gives them apart, never from splitting a full or display name.

The schema is NCMEC's (a byte-identical copy, checked by its SHA-256 in the tests); pass
``schema_path`` to validate against the current one fetched from the API's ``/xsd``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from crible.exports.ncmec_config import NcmecConfig, Person
from crible.exports.ncmec_times import NO_UPLOAD_TIME, report_times
from crible.exports.provenance import MessageFacts, chats_of
from crible.model.cases import CaseFile, CaseKind, CaseSuspect, ConfirmedMedia
from crible.model.categories import Category
from crible.model.errors import BadInput, UserError

SCHEMA_PATH = Path(__file__).with_name("schemas") / "cybertipline-report.xsd"
SCHEMA_SHA256 = "aee4c88099409b8a27d1403a5bc9bf0809bdc4819c079081abc1e2275efb392b"
XS = "{http://www.w3.org/2001/XMLSchema}"
INDUSTRY_SCHEME = "NCMEC"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (chat names may hold them): replaced, never dropped."""
RELEVANCE = "Reported"


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


@cache
def _countries(path: Path) -> frozenset[str]:
    """The country codes the schema accepts (its ``country`` enumeration)."""
    tree = etree.parse(str(path))
    found = tree.iterfind(f".//{XS}simpleType[@name='country']/{XS}restriction/{XS}enumeration")
    return frozenset(str(e.get("value")) for e in found if e.get("value"))


def validate(document: bytes, *, schema_path: Path = SCHEMA_PATH) -> None:
    """Validate a ``report`` or ``fileDetails`` document; BadInput names the first bad element."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as exc:
        raise BadInput(f"NCMEC XML is not well-formed: {exc}") from exc
    schema = _schema(schema_path)
    if schema.validate(root):
        return
    log: Any = schema.error_log  # lxml-stubs do not describe the log's entries
    first = log.last_error
    where = first.path or root.tag
    raise BadInput(
        f"NCMEC {root.tag} does not validate at {where}: {first.message}", line=first.line
    )


def industry_classification(category: Category | None) -> str | None:
    """The NCMEC industry classification of a category, or None when its scheme has none."""
    if category is None or category.scheme != INDUSTRY_SCHEME:
        return None
    return category.code


def report_xml(
    case_file: CaseFile, config: NcmecConfig, *, schema_path: Path = SCHEMA_PATH
) -> bytes:
    """The validated ``<report>`` document of a platform case."""
    if case_file.case.kind is not CaseKind.PLATFORM:
        raise UserError(
            f"case {case_file.case.reference} is an {case_file.case.kind.value} case; "
            "NCMEC reports are made from platform cases"
        )
    for item in case_file.media:
        _require_confirmed(item)
    root = etree.Element("report")
    summary = _el(root, "incidentSummary")
    _el(summary, "incidentType", config.incident_type)
    _text(summary, "platform", config.platform)
    incident = report_times(case_file).incident
    _el(summary, "incidentDateTime", _when(incident.at))
    _el(summary, "incidentDateTimeDescription", incident.description)
    for chat in _chats(case_file):
        chat_el = _el(_el(root, "internetDetails"), "chatImIncident")
        _text(chat_el, "chatClient", config.platform)
        _el(chat_el, "chatRoomName", chat)
    reporter = _el(root, "reporter")
    _person(reporter, "reportingPerson", config.reporter)
    if config.contact is not None:
        _person(reporter, "contactPerson", config.contact)
    _text(reporter, "termsOfService", config.terms_of_service)
    _text(reporter, "legalURL", config.legal_url)
    countries = _countries(schema_path)
    for suspect in case_file.suspects:
        _reported_user(root, suspect, config, countries)
    _el(root, "additionalInfo", _summary_text(case_file))
    return _finish(root, schema_path)


def file_details_xml(
    report_id: int,
    file_id: str,
    item: ConfirmedMedia,
    config: NcmecConfig,
    *,
    uploaded: MessageFacts | None,
    schema_path: Path = SCHEMA_PATH,
) -> bytes:
    """The validated ``<fileDetails>`` document of one uploaded, confirmed file;
    ``uploaded`` is the earliest dated message that carried it (``report_times``), None
    when no dated message did (then no upload time is given, and the file says why)."""
    _require_confirmed(item)
    root = etree.Element("fileDetails")
    _el(root, "reportId", str(report_id))
    _el(root, "fileId", file_id)
    _text(root, "originalFileName", item.file_name)
    if uploaded is not None and uploaded.at is not None:
        _el(root, "uploadedToEspTimestamp", _when(uploaded.at))
    viewed = bool(item.confirmed_by)
    if config.exif_viewed and not viewed:
        raise BadInput("exifViewedByEsp is true but fileViewedByEsp is false: NCMEC refuses that")
    _el(root, "fileViewedByEsp", _bool(viewed))
    _el(root, "exifViewedByEsp", _bool(config.exif_viewed))
    if config.publicly_available is not None:
        _el(root, "publiclyAvailable", _bool(config.publicly_available))
    _el(root, "fileRelevance", RELEVANCE)
    classification = industry_classification(item.category)
    if classification is not None and config.industry_classification:
        _el(root, "industryClassification", classification)
    for name, value in (("MD5", item.md5), ("SHA1", item.sha1), ("SHA256", item.sha256)):
        _el(root, "originalFileHash", value, hashType=name)
    _el(root, "additionalInfo", _file_text(item, uploaded))
    return _finish(root, schema_path)


def _require_confirmed(item: ConfirmedMedia) -> None:
    if not item.confirmed_by:
        raise UserError(
            f"file {item.sha256} was not confirmed by a reviewer: it cannot be reported"
        )


def _reported_user(
    root: etree._Element, suspect: CaseSuspect, config: NcmecConfig, countries: frozenset[str]
) -> None:
    user = _el(root, "personOrUserReported")
    identity = suspect.identity
    if identity is not None:
        person = _el(user, "personOrUserReportedPerson")
        _text(person, "firstName", identity.given_name)
        _text(person, "lastName", identity.family_name)
        if identity.address or identity.country:
            address = _el(person, "address")
            _text(address, "address", identity.address)
            country = (identity.country or "").upper()
            if country in countries:
                _el(address, "country", country)
        if identity.birth_date is not None:
            _el(person, "dateOfBirth", identity.birth_date.isoformat())
    _el(user, "espIdentifier", suspect.key)
    _text(user, "espService", config.platform or suspect.platform)
    screen_names = suspect.screen_names
    if screen_names:
        _el(user, "screenName", screen_names[-1])
    kinds_known = bool(screen_names or suspect.display_names)
    for name in suspect.display_names if kinds_known else suspect.names:
        _el(user, "displayName", name)
    lines = [*_identity_lines(suspect), *suspect.reasons]
    if len(screen_names) > 1:
        lines.append(f"Earlier screen names: {', '.join(screen_names[:-1])}.")
    _text(user, "additionalInfo", "\n".join(lines) or None)


def _identity_lines(suspect: CaseSuspect) -> list[str]:
    identity = suspect.identity
    if identity is None:
        return []
    lines = [f"Identified as {identity.full_name}, from: {identity.source}."]
    if not (identity.given_name or identity.family_name):
        lines.append("The identification gives no separate first and last names.")
    return lines


def _person(parent: etree._Element, tag: str, who: Person) -> None:
    person = _el(parent, tag)
    _el(person, "firstName", who.first_name)
    _el(person, "lastName", who.last_name)
    _text(person, "phone", who.phone)
    _el(person, "email", who.email)


def _chats(case_file: CaseFile) -> Iterable[str]:
    """The names of the chats the evidence comes from, once each."""
    return dict.fromkeys(name for item in case_file.evidence for name in chats_of(item).values())


def _summary_text(case_file: CaseFile) -> str:
    case = case_file.case
    return (
        f"Case {case.reference}: {len(case_file.media)} file(s), each confirmed by at least one "
        "trained reviewer before this report. Report prepared with crible."
    )


def _file_text(item: ConfirmedMedia, uploaded: MessageFacts | None) -> str:
    lines = [f"Confirmed by {', '.join(item.confirmed_by)} on {_when(item.confirmed_at)}."]
    if uploaded is None or uploaded.at is None:
        lines.append(NO_UPLOAD_TIME)
    else:
        where = f" in {uploaded.chat_name}" if uploaded.chat_name else ""
        lines.append(f"Upload time: that of {uploaded.ref}{where}, the first to carry it.")
    if item.category is not None and item.category.scheme != INDUSTRY_SCHEME:
        lines.append(f"Category in the {item.category.scheme} scheme: {item.category}.")
    if item.pdq:
        lines.append(f"PDQ: {item.pdq}.")
    return " ".join(lines)


def _finish(root: etree._Element, schema_path: Path) -> bytes:
    document: bytes = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    validate(document, schema_path=schema_path)
    return document


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = _NOT_XML.sub("\ufffd", text)
    return child


def _text(parent: etree._Element, tag: str, text: str | None) -> None:
    """An optional text element: written only when there is a value."""
    if text:
        _el(parent, tag, text)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _when(moment: datetime) -> str:
    """An xs:dateTime in UTC; a naive time is taken as UTC."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
