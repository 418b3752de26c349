"""A store whose evidence has known message times in a known zone, for the tests of the
times exports state (a dossier's period of the facts, NCMEC incident and upload times).

A Telegram Desktop export of one group, written as Telegram writes it: ``date`` in the
exporting computer's local time (Europe/Paris here) and ``date_unixtime`` the true moment.
Three generated pictures are posted by two accounts (one picture twice); a fourth is only
in a scanned folder (no message carries it). A bank lists the four by SHA-256 and two
reviewers confirm them. The times were chosen so that a mistake shows: a winter and a
summer time, a message in the first hour of summer time, one whose local day is not its
UTC day. Everything is benign: the pictures are generated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from crible.model.banks import Bank, HashEntry
from crible.model.categories import Category
from crible.model.decisions import Verdict
from crible.model.signals import SignalType
from crible.services.demo_media import picture
from crible.services.demo_telegram import TelegramExport
from crible.services.ingest import ingest
from crible.services.review import decide
from crible.services.scan import scan
from crible.store import Store

ZONE = ZoneInfo("Europe/Paris")
ALICE = (9001, "Alice Example")
BRUNO = (9002, "Bruno Martin-Dupont")
REVIEWERS = ("reviewer.ada", "reviewer.bo")
CATEGORY = Category("DEMO", "DEMO")


@dataclass(frozen=True)
class Post:
    """A message with a picture, at a local time of ``ZONE``."""

    message_id: int
    local: datetime
    user: tuple[int, str]
    seed: int

    @property
    def utc(self) -> str:
        """The moment in UTC, as ``YYYY-MM-DDTHH:MM:SSZ`` (from zoneinfo, not crible)."""
        moment = self.local.replace(tzinfo=ZONE).astimezone(ZoneInfo("UTC"))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


POSTS = (
    Post(11, datetime(2024, 1, 15, 9, 0), ALICE, 301),  # 08:00 UTC (winter time)
    Post(12, datetime(2024, 3, 31, 3, 30), ALICE, 302),  # 01:30 UTC (first hour of summer time)
    Post(13, datetime(2024, 6, 21, 0, 30), BRUNO, 303),  # 20 June, 22:30 UTC
    Post(14, datetime(2024, 6, 21, 0, 45), BRUNO, 302),  # picture 302 again, 22:45 UTC
)
SCANNED = 304
"""The picture only a scan found."""


@dataclass(frozen=True)
class Scenario:
    """What was put in the store: each picture's SHA-256 by seed."""

    sha256: dict[int, str]
    export: Path

    def first_post(self, seed: int) -> Post:
        return min((p for p in POSTS if p.seed == seed), key=lambda p: p.utc)


def build(store: Store, folder: Path) -> Scenario:
    """Write the export and the scanned folder, list the pictures, ingest, scan, confirm."""
    export = TelegramExport(4242, "Groupe Test")
    for post in POSTS:
        export.post(
            post.message_id,
            post.local.replace(tzinfo=ZONE),
            post.user,
            "",
            photo=picture(post.seed),
            photo_name=f"photo_{post.seed}.jpg",
        )
    result = export.write(folder / "export")
    scanned = folder / "scanned"
    scanned.mkdir()
    picture(SCANNED).save(scanned / f"photo_{SCANNED}.jpg", "JPEG", quality=88)
    files = {p.seed: folder / "export" / "photos" / f"photo_{p.seed}.jpg" for p in POSTS}
    files[SCANNED] = scanned / f"photo_{SCANNED}.jpg"
    sha256 = {seed: hashlib.sha256(path.read_bytes()).hexdigest() for seed, path in files.items()}
    list_in_a_bank(store, sha256.values())
    ingest(store, "telegram", result, workers=1)
    scan(store, [str(scanned)], workers=1)
    confirm(store, sha256.values())
    return Scenario(sha256, result)


def list_in_a_bank(store: Store, sha256: Iterable[str]) -> None:
    """A bank listing these files by SHA-256 (before they are ingested or scanned)."""
    store.banks.import_list(
        Bank(name="KNOWN", scheme="DEMO"),
        iter([HashEntry(SignalType.SHA256, sha, category=CATEGORY) for sha in sha256]),
        source="test",
        source_sha256=None,
        fmt="test",
        strict=True,
    )


def confirm(store: Store, sha256: Iterable[str]) -> None:
    """Two reviewers confirm each file."""
    for sha in sha256:
        for reviewer in REVIEWERS:
            decide(store, sha, Verdict.CONFIRM, reviewer, category=CATEGORY)
