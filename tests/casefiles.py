"""Benign ``CaseFile`` objects for the export renderers' tests.

Every hash below is the digest of a short generated text (``media_bytes``), never of any
real material; names, places and references are invented.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

from crible.cases.custody import next_event
from crible.model.cases import (
    Authority,
    Case,
    CaseFile,
    CaseKind,
    CaseSuspect,
    ConfirmedMedia,
    CustodyEvent,
    EvidenceItem,
    Identity,
    ProvenanceStep,
)
from crible.model.categories import make_category

TJ_LYON = Authority("FR", "69123", "Tribunal judiciaire de Lyon", parent="Cour d'appel de Lyon")
TJ_NANTES = Authority(
    "FR", "44109", "Tribunal judiciaire de Nantes", parent="Cour d'appel de Rennes"
)


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment of March 2026, in UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def media_bytes(number: int) -> bytes:
    """The generated content standing for confirmed file ``number``."""
    return f"crible test file {number}\n".encode() * 7


def confirmed_media(
    number: int, *, scheme: str, code: str, posted_by: tuple[int, ...]
) -> ConfirmedMedia:
    """A confirmed file whose hashes are those of ``media_bytes(number)``."""
    data = media_bytes(number)
    return ConfirmedMedia(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        size=len(data),
        category=make_category(scheme, code),
        confirmed_by=("reviewer.ada", "reviewer.bo"),
        confirmed_at=at(20, 9, number),
        pdq="f" * 16 + "0" * 48,
        first_seen_at=at(2 + number, 21, 15),
        file_name=f"photo_{number:03}.jpg",
        posted_by=posted_by,
    )


def _steps(message_ref: str, sha256: str, sender: int, day: int) -> tuple[ProvenanceStep, ...]:
    """A file's chain as crible.services.evidence writes it: ingest, file, message, match,
    decision (sender and chat only in the message's detail)."""
    return (
        ProvenanceStep(
            "ingest", "ingest 3", "telegram export result.json (SHA-256 ab12...)", at(15, 8)
        ),
        ProvenanceStep("file", sha256, "file hashed at ingest", at(15, 8, 5)),
        ProvenanceStep(
            "message",
            message_ref,
            f"posted by account {sender} in Groupe Tulipe, from ingest 3",
            at(day, 21, 15),
        ),
        ProvenanceStep(
            "match", "match 12", "bank demo-list entry 4 (VIC-US 1), sha256 distance 0", at(15, 9)
        ),
        ProvenanceStep("decision", "decision 5", "confirm by reviewer.ada", at(20, 9)),
    )


def network_case_file() -> CaseFile:
    """A routed investigation case: three suspects, three confirmed files, a custody log."""
    media = (
        confirmed_media(1, scheme="VIC-US", code="1", posted_by=(101,)),
        confirmed_media(2, scheme="VIC-US", code="2", posted_by=(101, 102)),
        confirmed_media(3, scheme="CAID", code="B", posted_by=(103,)),
    )
    suspects = (
        CaseSuspect(
            101,
            "telegram",
            "user101",
            ("Marin <Blue>", "marin_b"),
            identity=Identity(
                101,
                "Jean Martin",
                "Réquisition judiciaire n° 2026/118, réponse du 12/03/2026",
                birth_date=date(1988, 6, 4),
                address="12 rue des Lilas, 69003 Lyon",
                commune_code="69383",
                country="FR",
            ),
            authority=TJ_LYON,
            score=0.91,
            reasons=("posted 2 confirmed files", "member of 3 chats that shared known material"),
        ),
        CaseSuspect(
            102,
            "telegram",
            "user102",
            ("Paul R.",),
            identity=Identity(
                102,
                "Paul Robert",
                "Réquisition judiciaire n° 2026/119",
                address="4 quai de la Fosse, 44000 Nantes",
                commune_code="44109",
                country="FR",
            ),
            authority=TJ_NANTES,
            score=0.64,
            reasons=("forwarded 1 confirmed file",),
        ),
        CaseSuspect(
            103,
            "telegram",
            "user103",
            ("anon 103",),
            score=0.4,
            reasons=("posted 1 confirmed file",),
        ),
    )
    files = tuple(
        EvidenceItem(
            id=number,
            kind="media",
            ref=item.sha256,
            description=f"confirmed file {item.file_name}",
            added_at=at(21, 10, number),
            added_by="officer.lea",
            sha256=item.sha256,
            provenance=_steps(
                f"message {500 + number}", item.sha256, item.posted_by[0], 2 + number
            ),
        )
        for number, item in enumerate(media, start=1)
    )
    evidence = (
        *files,
        EvidenceItem(
            id=4,
            kind="message",
            ref="chat-78/msg-480",
            description="message announcing a file exchange",
            added_at=at(21, 11),
            added_by="officer.lea",
            provenance=(
                ProvenanceStep(
                    "export", "ingest-3", "Telegram Desktop export result.json", at(15, 8)
                ),
                ProvenanceStep("chat", "chat-78", "Salon Annexe", None),
                ProvenanceStep("account", "101", "sender account 101", None),
                ProvenanceStep("message", "chat-78/msg-480", "text message", at(2, 20, 5)),
                ProvenanceStep("decision", "decision-9", "confirmed by reviewer.bo", at(20, 9, 30)),
            ),
        ),
    )
    return CaseFile(
        case=Case(
            id=7,
            reference="CRB-2026-0007",
            title="Réseau Tulipe",
            kind=CaseKind.INVESTIGATION,
            created_at=at(21, 9),
            created_by="officer.lea",
        ),
        suspects=suspects,
        evidence=evidence,
        media=media,
        custody=custody_log(),
        related=(
            Case(
                8,
                "CRB-2026-0008",
                "Réseau Tulipe — TJ Lyon",
                CaseKind.INVESTIGATION,
                at(22, 9),
                "officer.lea",
                7,
                TJ_LYON,
            ),
            Case(
                9,
                "CRB-2026-0009",
                "Réseau Tulipe — TJ Nantes",
                CaseKind.INVESTIGATION,
                at(22, 9),
                "officer.lea",
                7,
                TJ_NANTES,
            ),
        ),
        unrouted=((103, "no identification result for this account"),),
    )


def custody_log() -> tuple[CustodyEvent, ...]:
    """Four chained custody entries, made as the store makes them."""
    events: list[CustodyEvent] = []
    for seq, (actor, action, detail) in enumerate(
        (
            ("officer.lea", "case created", "CRB-2026-0007"),
            ("officer.lea", "evidence added", "4 items"),
            ("officer.lea", "routed", "2 authorities, 1 account not routed"),
            ("officer.lea", "bundle exported", "bag CRB-2026-0007"),
        ),
        start=1,
    ):
        last = events[-1] if events else None
        events.append(next_event(last, at(21 + seq // 2, 9, seq), actor, action, detail))
    return tuple(events)


UPLOADS = {1: (at(9, 18, 40),), 2: (at(7, 23, 5), at(11, 8)), 3: (at(12, 6, 30),), 4: ()}
"""The times of the messages that carried each file of the platform case (file 4: none,
it was found by the upload scan alone)."""


def _upload_messages(number: int) -> tuple[ProvenanceStep, ...]:
    return tuple(
        ProvenanceStep(
            "message",
            f"message {900 + 10 * number + k}",
            "posted by account 501 in Direct messages",
            moment,
        )
        for k, moment in enumerate(UPLOADS[number])
    )


def platform_case_file() -> CaseFile:
    """A platform-side case for an NCMEC report: one user, files in NCMEC and other schemes."""
    media = (
        confirmed_media(11, scheme="NCMEC", code="A1", posted_by=(501,)),
        confirmed_media(12, scheme="NCMEC", code="B2", posted_by=(501,)),
        confirmed_media(13, scheme="VIC-US", code="2", posted_by=(501,)),
        replace(confirmed_media(14, scheme="DEMO", code="DEMO", posted_by=(501,)), category=None),
    )
    suspect = CaseSuspect(
        501,
        "exampleapp",
        "uid-501",
        ("river_fox", "River Fox"),
        screen_names=("river_fox",),
        display_names=("River Fox",),
        identity=Identity(
            501,
            "Alex Sample",
            "account registration data",
            birth_date=date(1990, 1, 2),
            address="1 Main Street, Springfield",
            country="US",
        ),
        reasons=("uploaded 4 files that matched a hash list, all confirmed by reviewers",),
    )
    evidence = tuple(
        EvidenceItem(
            id=20 + number,
            kind="media",
            ref=item.sha256,
            description=f"upload {item.file_name}",
            added_at=at(22, 10, number),
            added_by="trust.safety",
            sha256=item.sha256,
            provenance=(
                ProvenanceStep("scan", "scan-4", "upload scan", at(19, 12)),
                ProvenanceStep("account", "501", "uploader uid-501", None),
                *_upload_messages(number),
                ProvenanceStep(
                    "decision", f"decision-{30 + number}", "confirmed by reviewer.ada", at(20, 9)
                ),
            ),
        )
        for number, item in enumerate(media, start=1)
    )
    return CaseFile(
        case=Case(
            12, "CRB-2026-0012", "Uploads of uid-501", CaseKind.PLATFORM, at(22, 9), "trust.safety"
        ),
        suspects=(suspect,),
        evidence=evidence,
        media=media,
        custody=custody_log(),
    )
