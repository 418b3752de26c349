"""Cases: confirmed findings gathered for one authority, with their provenance and custody."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from crible.model.categories import Category


class CaseKind(StrEnum):
    """Who the case is for."""

    INVESTIGATION = "investigation"
    """A police unit's network case, routed to prosecutors."""
    PLATFORM = "platform"
    """A platform's report (NCMEC CyberTipline)."""


@dataclass(frozen=True)
class Authority:
    """A competent authority: for France a tribunal judiciaire, found by commune."""

    country: str
    code: str
    """For France the TJ number (``N° TJ``); elsewhere the rules table's code."""
    name: str
    parent: str | None = None
    """For France the cour d'appel."""


@dataclass(frozen=True)
class Identity:
    """Who an account was identified as, and on what basis."""

    account_id: int
    full_name: str
    source: str
    """How it was established, e.g. the reference of a judicial request's reply."""
    birth_date: date | None = None
    address: str | None = None
    commune_code: str | None = None
    """INSEE code of the commune of residence (France)."""
    country: str | None = None
    region: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    """Given and family names, only when the identification data gives them apart: a full
    name is never split by guessing."""


@dataclass(frozen=True)
class ProvenanceStep:
    """One link of an evidence item's chain: export or scan, file, message, match, decision."""

    kind: str
    ref: str
    detail: str
    at: datetime | None = None


@dataclass(frozen=True)
class EvidenceItem:
    """A confirmed item in a case: a media file, a message, a match or a decision."""

    id: int
    kind: str
    ref: str
    description: str
    added_at: datetime
    added_by: str
    sha256: str | None = None
    provenance: tuple[ProvenanceStep, ...] = ()


@dataclass(frozen=True)
class ConfirmedMedia:
    """A media file that reviewers confirmed: hashes and category, never the picture."""

    sha256: str
    md5: str
    sha1: str
    size: int
    category: Category | None
    confirmed_by: tuple[str, ...]
    confirmed_at: datetime
    pdq: str | None = None
    first_seen_at: datetime | None = None
    file_name: str | None = None
    posted_by: tuple[int, ...] = ()
    """Accounts that posted it in the investigation."""


@dataclass(frozen=True)
class CaseSuspect:
    """An account in a case, with what is known of its owner."""

    account_id: int
    platform: str
    key: str
    names: tuple[str, ...]
    """Every name the account showed (display names, user names, phone numbers)."""
    identity: Identity | None = None
    authority: Authority | None = None
    score: float | None = None
    reasons: tuple[str, ...] = ()
    screen_names: tuple[str, ...] = ()
    """User names (handles) the account was seen with, oldest first."""
    display_names: tuple[str, ...] = ()
    """Display names it showed, oldest first."""


@dataclass(frozen=True)
class CustodyEvent:
    """One entry of the custody log; each carries the hash of the one before."""

    seq: int
    at: datetime
    actor: str
    action: str
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Case:
    """A case: a title, the unit that holds it and, once routed, its authority."""

    id: int
    reference: str
    title: str
    kind: CaseKind
    created_at: datetime
    created_by: str
    parent_id: int | None = None
    """The network case this one was routed from."""
    authority: Authority | None = None


@dataclass(frozen=True)
class CaseFile:
    """Everything a renderer needs about one case (dossier, bundle, NCMEC XML, CASE/UCO)."""

    case: Case
    suspects: tuple[CaseSuspect, ...]
    evidence: tuple[EvidenceItem, ...]
    media: tuple[ConfirmedMedia, ...]
    custody: tuple[CustodyEvent, ...]
    related: tuple[Case, ...] = ()
    """Other files of the same network (routed to other authorities)."""
    unrouted: tuple[tuple[int, str], ...] = field(default_factory=tuple)
    """(account id, why) for suspects that could not be routed."""
