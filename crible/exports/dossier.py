"""The dossier for a prosecutor: HTML (Jinja2, autoescaped) and PDF (WeasyPrint), FR or EN.

One dossier per authority (the whole case file of a routed case) or per suspect (the same,
narrowed to one account: its identity, its files, the evidence that names it). Sections:
summary, persons and accounts with their indicators and evidence, chats, timeline, network
picture (a PNG given by the caller, optional), confirmed items by hash, category and date,
custody summary and the evidence bundle's manifest hash (optional). It never holds a
picture of a file: only hashes.

The period of the facts runs from the first to the last dated message of the file's
evidence (for a suspect's dossier, of the messages that account sent); when no message of
it is dated the dossier says so. Nothing crible did (ingest, scan, review, export) dates a
fact.

WeasyPrint is given the HTML as a string and a URL fetcher that refuses everything but the
``data:`` URL of the network picture, so rendering a dossier reaches no file or network.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from PIL import ImageFile

from crible.cases.custody import verify_chain
from crible.exports.dossier_text import (
    LABELS,
    LANGUAGES,
    event_label,
    format_date,
    format_moment,
)
from crible.exports.provenance import (
    accounts_of,
    chats_of,
    facts_period,
    first_message_of_files,
    messages_of,
)
from crible.exports.provenance_words import description_in, detail_in
from crible.model.cases import CaseFile, CaseSuspect, CustodyEvent, EvidenceItem
from crible.model.errors import NotFound, UserError

TEMPLATES = Path(__file__).with_name("templates")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class TimelineRow:
    """One dated line of the timeline."""

    at: datetime
    event: str
    detail: str
    ref: str


@dataclass(frozen=True)
class Chat:
    """A chat the evidence comes from."""

    name: str
    ref: str
    items: int
    accounts: tuple[str, ...]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def for_suspect(case_file: CaseFile, account_id: int) -> CaseFile:
    """The case file narrowed to one account: its files and the evidence that concerns it."""
    chosen = [s for s in case_file.suspects if s.account_id == account_id]
    if not chosen:
        raise NotFound(f"account {account_id} is not a suspect of case {case_file.case.reference}")
    media = tuple(m for m in case_file.media if account_id in m.posted_by)
    hashes = {m.sha256 for m in media}
    evidence = tuple(e for e in case_file.evidence if _concerns(e, account_id, hashes))
    return replace(case_file, suspects=tuple(chosen), media=media, evidence=evidence, unrouted=())


def _concerns(item: EvidenceItem, account_id: int, hashes: set[str]) -> bool:
    """Whether an item is one of the account's files or names the account in its chain."""
    if item.sha256 is not None and item.sha256 in hashes:
        return True
    return account_id in accounts_of(item)


def render_html(
    case_file: CaseFile,
    *,
    lang: str = "fr",
    suspect: int | None = None,
    network_png: bytes | None = None,
    manifest_sha256: str | None = None,
    prepared_at: datetime | None = None,
) -> str:
    """The dossier as one self-contained HTML page."""
    if lang not in LANGUAGES:
        raise UserError(f"dossier language {lang!r} is not one of {', '.join(LANGUAGES)}")
    if network_png is not None and not network_png.startswith(PNG_MAGIC):
        raise UserError("the network picture must be a PNG image")
    for item in case_file.media:
        if not item.confirmed_by:
            raise UserError(f"file {item.sha256} was not confirmed by a reviewer: not in a dossier")
    shown = case_file if suspect is None else for_suspect(case_file, suspect)
    template = _environment().get_template("dossier.html")
    return template.render(
        _context(shown, lang, suspect, network_png, manifest_sha256, prepared_at)
    )


def render_pdf(case_file: CaseFile, **options: Any) -> bytes:
    """The dossier as PDF (the HTML of ``render_html`` laid out by WeasyPrint)."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint  # slow to import: only when a PDF is asked for
    from weasyprint.urls import URLFetcher

    # importing WeasyPrint tells Pillow, process-wide, to accept truncated images: undo it
    ImageFile.LOAD_TRUNCATED_IMAGES = truncated

    html = render_html(case_file, **options)
    only_data = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=only_data).write_pdf()
    return pdf


def _context(
    case_file: CaseFile,
    lang: str,
    suspect: int | None,
    network_png: bytes | None,
    manifest_sha256: str | None,
    prepared_at: datetime | None,
) -> dict[str, Any]:
    timeline = sorted(_timeline(case_file, lang), key=lambda row: row.at)
    names = {s.account_id: _account_name(s) for s in case_file.suspects}
    first_posted = {sha: m.at for sha, m in first_message_of_files(case_file.evidence).items()}
    return {
        "lang": lang,
        "t": LABELS[lang],
        "cf": case_file,
        "case": case_file.case,
        "suspect_view": suspect is not None,
        "suspects": case_file.suspects,
        "evidence_of": {s.account_id: _evidence_of(case_file, s) for s in case_file.suspects},
        "media": sorted(
            case_file.media,
            key=lambda m: (
                m.sha256 not in first_posted,
                first_posted.get(m.sha256) or m.confirmed_at,
            ),
        ),
        "first_posted": first_posted,
        "chats": list(_chats(case_file, names)),
        "timeline": timeline,
        "period": facts_period(case_file.evidence, suspect),
        "custody": case_file.custody,
        "chain_break": _chain_break(case_file.custody),
        "network_png": base64.b64encode(network_png).decode("ascii") if network_png else None,
        "manifest_sha256": manifest_sha256,
        "prepared_at": prepared_at,
        "account_names": names,
        "date": lambda day: format_date(day, lang),
        "moment": lambda moment: format_moment(moment, lang),
        "label": lambda kind: event_label(kind, lang),
        "described": lambda text: description_in(text, lang),
    }


def _account_name(suspect: CaseSuspect) -> str:
    shown = f" ({suspect.names[0]})" if suspect.names else ""
    return f"{suspect.platform} {suspect.key}{shown}"


def _evidence_of(case_file: CaseFile, suspect: CaseSuspect) -> list[EvidenceItem]:
    hashes = {m.sha256 for m in case_file.media if suspect.account_id in m.posted_by}
    return [e for e in case_file.evidence if _concerns(e, suspect.account_id, hashes)]


def _chats(case_file: CaseFile, names: dict[int, str]) -> Iterator[Chat]:
    """The chats named in the evidence's provenance, with how many items and which accounts."""
    found: dict[str, tuple[str, int, dict[str, None]]] = {}
    for item in case_file.evidence:
        for ref, name in chats_of(item).items():
            _, count, accounts = found.get(ref, (name, 0, {}))
            for message in messages_of(item):
                if message.chat_ref == ref and message.sender is not None:
                    accounts[names.get(message.sender, f"#{message.sender}")] = None
            found[ref] = (name, count + 1, accounts)
    for ref, (name, count, accounts) in found.items():
        yield Chat(name, ref, count, tuple(accounts))


def _timeline(case_file: CaseFile, lang: str) -> Iterable[TimelineRow]:
    """Dated events: the evidence's chains, first sightings, reviews, additions, custody."""
    seen: set[tuple[str, str]] = set()
    for item in case_file.evidence:
        for step in item.provenance:
            if step.at is not None and (step.kind, step.ref) not in seen:
                seen.add((step.kind, step.ref))
                detail = detail_in(step.detail, lang)
                yield TimelineRow(step.at, event_label(step.kind, lang), detail, step.ref)
        yield TimelineRow(
            item.added_at,
            event_label("added", lang),
            description_in(item.description, lang),
            f"{item.added_by}",
        )
    for media in case_file.media:
        if media.first_seen_at is not None:
            yield TimelineRow(
                media.first_seen_at,
                event_label("first_seen", lang),
                media.file_name or "",
                media.sha256[:16],
            )
        yield TimelineRow(
            media.confirmed_at,
            event_label("review", lang),
            ", ".join(media.confirmed_by),
            media.sha256[:16],
        )
    for event in case_file.custody:
        yield TimelineRow(
            event.at, event_label("custody", lang), f"{event.action}: {event.detail}", event.actor
        )


def _chain_break(custody: tuple[CustodyEvent, ...]) -> int | None:
    """The sequence number of the first entry that breaks the chain, if any."""
    problem = verify_chain(custody)
    return None if problem is None else problem.seq
