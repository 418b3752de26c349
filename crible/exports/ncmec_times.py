"""The times an NCMEC report states, taken from the messages of the case's evidence.

- ``incidentDateTime``: the time of the earliest message that carried a reported file.
- ``uploadedToEspTimestamp`` of a file: the time of the earliest message that carried that
  file in the case. A file that no dated message carried (found by a scan of a folder) has
  no upload time: the element is left out (it is optional) and the file's
  ``additionalInfo`` and the command's notes say why. No time of crible's own (when it
  hashed a file, read an export or ran a scan) is ever given as an upload time.
- When no reported file was carried by a dated message, the XSD still requires an
  ``incidentDateTime``: it is then when the first of them was found (the earliest ingest or
  scan that brought one), and ``incidentDateTimeDescription`` says so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crible.exports.provenance import (
    SOURCE_KINDS,
    MessageFacts,
    first_message_of_files,
    moment_of,
)
from crible.model.cases import CaseFile, ProvenanceStep
from crible.model.errors import UserError

NO_UPLOAD_TIME = (
    "No dated message in this case carried this file (it was found by a scan, or in "
    "messages without a time): its upload time is not known, so none is given."
)


@dataclass(frozen=True)
class Incident:
    """The incident's time and the words that say what that time is."""

    at: datetime
    description: str


@dataclass(frozen=True)
class ReportTimes:
    """The incident, each reported file's first message, and the files that have none."""

    incident: Incident
    uploads: dict[str, MessageFacts]
    undated: tuple[str, ...]


def report_times(case_file: CaseFile) -> ReportTimes:
    """The times of a report of ``case_file``; UserError when no time at all is known."""
    reported = {m.sha256 for m in case_file.media}
    uploads = {
        sha: message
        for sha, message in first_message_of_files(case_file.evidence).items()
        if sha in reported
    }
    undated = tuple(m.sha256 for m in case_file.media if m.sha256 not in uploads)
    return ReportTimes(_incident(case_file, uploads), uploads, undated)


def _incident(case_file: CaseFile, uploads: dict[str, MessageFacts]) -> Incident:
    if uploads:
        first = min(uploads.values(), key=moment_of)
        assert first.at is not None
        where = f", in {first.chat_name}" if first.chat_name else ""
        return Incident(
            first.at,
            f"Time of the earliest message that carried a reported file ({first.ref}{where}).",
        )
    found = _first_source(case_file)
    if found is None or found.at is None:
        raise UserError(
            f"case {case_file.case.reference}: no message and no ingest or scan gives a time "
            "for the incident, which NCMEC requires"
        )
    return Incident(
        found.at,
        "No dated message carried the reported files: this is when the first of them was "
        f"found ({found.ref}), not when it was uploaded.",
    )


def _first_source(case_file: CaseFile) -> ProvenanceStep | None:
    """The earliest dated ingest or scan step of the evidence's chains."""
    steps = [
        step
        for item in case_file.evidence
        for step in item.provenance
        if step.kind in SOURCE_KINDS and step.at is not None
    ]
    return min(steps, key=lambda s: (s.at, s.ref)) if steps else None


def notes(case_file: CaseFile) -> tuple[str, ...]:
    """What a person sending the report should know about its times."""
    times = report_times(case_file)
    said = [] if times.uploads else [f"incidentDateTime: {times.incident.description}"]
    said += [f"file {sha}: no uploadedToEspTimestamp. {NO_UPLOAD_TIME}" for sha in times.undated]
    return tuple(said)
