"""Banks: named, trusted hash lists with their provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crible.model.categories import Category
from crible.model.signals import SignalType, VideoFrame


@dataclass(frozen=True)
class Provenance:
    """Where a hash list comes from and on what terms it may be used."""

    provider: str | None = None
    list_name: str | None = None
    version: str | None = None
    published: str | None = None
    terms: str | None = None


@dataclass(frozen=True)
class Bank:
    """A named hash list held in the store."""

    name: str
    provenance: Provenance = field(default_factory=Provenance)
    scheme: str | None = None
    enabled: bool = True
    id: int | None = None
    created_at: datetime | None = None
    description: str | None = None


@dataclass(frozen=True)
class HashEntry:
    """One hash of a bank, with its category (scheme and code) where the list gives one."""

    signal_type: SignalType
    value: str
    category: Category | None = None
    external_id: str | None = None
    line: int | None = None
    id: int | None = None
    bank_id: int | None = None
    frames: tuple[VideoFrame, ...] = ()
    """For a video (vPDQ) entry: its sampled frames; ``value`` is then a digest of them."""


@dataclass(frozen=True)
class RejectedLine:
    """An input line (or record) of a hash list that could not be read, and why."""

    line: int
    reason: str
    text: str = ""


@dataclass(frozen=True)
class ImportReport:
    """What one import of a hash list did."""

    bank: str
    source: str
    format: str
    added: int
    already_present: int
    rejected: tuple[RejectedLine, ...]
    import_id: int | None = None

    @property
    def read(self) -> int:
        return self.added + self.already_present + len(self.rejected)


@dataclass(frozen=True)
class BankStats:
    """Counts of a bank's entries by signal type and by category."""

    bank: Bank
    total: int
    by_signal_type: dict[str, int]
    by_category: dict[str, int]
    imports: int
