"""The dossier's period of the facts: the first and last time of the evidence's messages.

Not the custody entries, not the time the dossier was written: each file (per authority
or per suspect) states the times of its own messages, in French and English, HTML and PDF,
and says so plainly when none of its evidence is dated.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

import pypdf

from crible.exports.registry import ExportOptions
from crible.services.cases import add_evidence, case_file, case_from_confirmed, create_case
from crible.services.demo_media import picture
from crible.services.demo_telegram import TelegramExport
from crible.services.evidence import MAX_MESSAGES
from crible.services.exports import write_dossiers
from crible.services.ingest import ingest
from crible.store import Store
from tests.evidence_times import (
    ALICE,
    BRUNO,
    POSTS,
    SCANNED,
    ZONE,
    build,
    confirm,
    list_in_a_bank,
)

PERIODS = {
    # whole file: from Alice's first message (09:00 in Paris, winter) to Bruno's last
    # (00:45 in Paris on 21 June, summer: 22:45 UTC on the 20th)
    None: {
        "fr": "15 janvier 2024 à 08 h 00 UTC — 20 juin 2024 à 22 h 45 UTC",
        "en": "15 January 2024, 08:00 UTC — 20 June 2024, 22:45 UTC",
    },
    # Alice's messages: 15 January 09:00 and 31 March 03:30 in Paris (01:30 UTC)
    f"user{ALICE[0]}": {
        "fr": "15 janvier 2024 à 08 h 00 UTC — 31 mars 2024 à 01 h 30 UTC",
        "en": "15 January 2024, 08:00 UTC — 31 March 2024, 01:30 UTC",
    },
    # Bruno's: 00:30 and 00:45 on 21 June in Paris, the 20th in UTC
    f"user{BRUNO[0]}": {
        "fr": "20 juin 2024 à 22 h 30 UTC — 20 juin 2024 à 22 h 45 UTC",
        "en": "20 June 2024, 22:30 UTC — 20 June 2024, 22:45 UTC",
    },
}
NO_DATE = {"fr": "Aucun élément daté", "en": "No dated evidence"}


def test_the_expected_periods_are_the_messages_utc_times() -> None:
    """The literals above are the posts' local times in Europe/Paris, converted by zoneinfo."""
    assert [p.utc for p in POSTS] == [
        "2024-01-15T08:00:00Z",
        "2024-03-31T01:30:00Z",
        "2024-06-20T22:30:00Z",
        "2024-06-20T22:45:00Z",
    ]


def stated_period(html: str) -> str:
    found = re.search(r"(?:Période des faits|Period of the facts)</dt>\s*<dd[^>]*>(.*?)</dd>", html)
    assert found is not None, "the dossier states no period of the facts"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found[1])).split())


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def dossiers(store: Store, case_ref: str, out: Path, lang: str, who: str | None) -> list[Path]:
    written = write_dossiers(
        store,
        case_ref,
        out,
        options=ExportOptions(lang=lang),
        actor="officer.lea",
        suspects=None if who is None else [who],
        ranked=False,
    )
    return [w.path for w in written]


def test_period_of_the_facts_is_that_of_the_evidence_messages(store: Store, tmp_path: Path) -> None:
    build(store, tmp_path)
    case = case_from_confirmed(store, "Groupe Test", actor="officer.lea")
    assert {s.key for s in case_file(store, case.id).suspects} == {
        f"user{ALICE[0]}",
        f"user{BRUNO[0]}",
    }
    for who, by_lang in PERIODS.items():
        for lang, expected in by_lang.items():
            html_path, pdf_path = dossiers(store, case.reference, tmp_path / "out", lang, who)
            html = html_path.read_text(encoding="utf-8")
            assert stated_period(html).startswith(expected), (who, lang)
            assert expected in pdf_text(pdf_path), (who, lang)


def test_a_file_without_dated_evidence_says_so(store: Store, tmp_path: Path) -> None:
    scenario = build(store, tmp_path)
    case = create_case(store, "Scanned only", actor="officer.lea")
    add_evidence(store, case.id, "media", scenario.sha256[SCANNED], actor="officer.lea")
    for lang, words in NO_DATE.items():
        html_path, pdf_path = dossiers(store, case.reference, tmp_path / lang, lang, None)
        stated = stated_period(html_path.read_text(encoding="utf-8"))
        assert stated.startswith(words)
        assert "UTC" not in stated  # no time at all, least of all the export's
        assert words in pdf_text(pdf_path)


def test_a_file_posted_many_times_keeps_every_account_s_span(store: Store, tmp_path: Path) -> None:
    """Past MAX_MESSAGES a file's chain is cut, but not the messages the periods rest on:
    here one picture is posted 24 times, by Carol every day and by Dan on days 21 and 23."""
    carol, dan = (9101, "Carol"), (9102, "Dan")
    export = TelegramExport(4343, "Groupe Long")
    start = datetime(2024, 2, 1, 10, 0, tzinfo=ZONE)  # 09:00 UTC, winter time
    for day in range(24):
        export.post(
            100 + day,
            start + timedelta(days=day),
            dan if day in (20, 22) else carol,
            photo=picture(401),
            photo_name="photo_401.jpg",
        )
    result = export.write(tmp_path / "export")
    sha = hashlib.sha256((tmp_path / "export/photos/photo_401.jpg").read_bytes()).hexdigest()
    list_in_a_bank(store, [sha])
    ingest(store, "telegram", result, workers=1)
    confirm(store, [sha])
    case = case_from_confirmed(store, "Groupe Long", actor="officer.lea")
    chain = case_file(store, case.id).evidence[0].provenance
    named = [s for s in chain if s.kind == "message"]
    # the first 20, Dan's two (days 21 and 23), Carol's last (day 24), and "1 more" (day 22)
    assert MAX_MESSAGES == 20 and len(named) == 24
    assert named[-1].detail == "1 more messages"
    expected = {
        None: "1 February 2024, 09:00 UTC — 24 February 2024, 09:00 UTC",
        f"user{dan[0]}": "21 February 2024, 09:00 UTC — 23 February 2024, 09:00 UTC",
    }
    for who, period in expected.items():
        written = write_dossiers(
            store,
            case.reference,
            tmp_path / "out",
            options=ExportOptions(lang="en"),
            actor="officer.lea",
            suspects=None if who is None else [who],
            pdf=False,
            ranked=False,
        )
        assert stated_period(written[0].path.read_text(encoding="utf-8")).startswith(period)
