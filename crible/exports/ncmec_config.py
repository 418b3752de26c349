"""Who reports to NCMEC and how: the reporter (ESP) details, read from a TOML or JSON file.

The file has a ``[reporter]`` table (required: ``first_name``, ``last_name``, ``email``), an
optional ``[contact]`` table (same keys plus ``phone``) and an optional ``[report]`` table::

    [reporter]
    first_name = "Ada"
    last_name = "Lovelace"
    email = "safety@example.org"

    [report]
    platform = "ExampleApp"              # incidentSummary/platform and espService
    incident_type = "Child Pornography (possession, manufacture, and distribution)"
    terms_of_service = "https://example.org/terms"
    legal_url = "https://example.org/legal"
    exif_viewed = false                  # exifViewedByEsp (true needs the file viewed too)
    publicly_available = false           # publiclyAvailable, left out when absent
    industry_classification = true       # only with NCMEC's hash-sharing MOU signed

The API's credentials never go in this file: the client takes them from the environment.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crible.model.errors import BadInput

INCIDENT_TYPES = (
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
)
"""NCMEC's ``incidentType`` values, word for word (the XSD's enumeration)."""


@dataclass(frozen=True)
class Person:
    """A reporting or contact person of the ESP."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class NcmecConfig:
    """The reporter's details and the answers a report gives for every file."""

    reporter: Person
    contact: Person | None = None
    platform: str | None = None
    incident_type: str = INCIDENT_TYPES[0]
    terms_of_service: str | None = None
    legal_url: str | None = None
    exif_viewed: bool = False
    publicly_available: bool | None = None
    industry_classification: bool = True

    def __post_init__(self) -> None:
        if self.incident_type not in INCIDENT_TYPES:
            allowed = "; ".join(INCIDENT_TYPES)
            raise BadInput(f"report.incident_type {self.incident_type!r} is not one of: {allowed}")


def load_config(path: Path) -> NcmecConfig:
    """Read an NCMEC reporter configuration from a ``.toml`` or ``.json`` file."""
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            f"cannot read the NCMEC configuration: {exc.strerror}", source=source
        ) from exc
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(
            f"not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}", source=source
        ) from exc
    try:
        return config_from(data)
    except BadInput as exc:
        raise BadInput(exc.reason, source=source) from exc


def config_from(data: object) -> NcmecConfig:
    """Build the configuration from parsed TOML/JSON; BadInput names the missing field."""
    top = _table(data, "the top level")
    unknown = set(top) - {"reporter", "contact", "report"}
    if unknown:
        raise BadInput(
            f"unknown table(s): {', '.join(sorted(unknown))} (known: reporter, contact, report)"
        )
    report = _table(top.get("report", {}), "report")
    contact = top.get("contact")
    return NcmecConfig(
        reporter=_person(top.get("reporter"), "reporter"),
        contact=None if contact is None else _person(contact, "contact"),
        platform=_text(report, "platform", "report"),
        incident_type=_text(report, "incident_type", "report") or INCIDENT_TYPES[0],
        terms_of_service=_text(report, "terms_of_service", "report"),
        legal_url=_text(report, "legal_url", "report"),
        exif_viewed=_flag(report, "exif_viewed", "report") or False,
        publicly_available=_flag(report, "publicly_available", "report"),
        industry_classification=_flag(report, "industry_classification", "report") is not False,
    )


def _person(value: object, name: str) -> Person:
    table = _table(value, name)
    first, last, email = (_text(table, key, name) for key in ("first_name", "last_name", "email"))
    for key, got in (("first_name", first), ("last_name", last), ("email", email)):
        if not got:
            raise BadInput(f"{name}.{key} is required")
    assert first and last and email
    return Person(first, last, email, _text(table, "phone", name))


def _table(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadInput(f"{name} must be a table (object), not {type(value).__name__}")
    return value


def _text(table: dict[str, Any], key: str, name: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{name}.{key} must be a string, not {type(value).__name__}")
    return value.strip() or None


def _flag(table: dict[str, Any], key: str, name: str) -> bool | None:
    value = table.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadInput(f"{name}.{key} must be true or false, not {value!r}")
    return value
