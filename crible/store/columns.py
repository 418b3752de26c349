"""How model values go into columns and come back: times in UTC, categories, banks, entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from crible.model.banks import Bank, HashEntry, Provenance
from crible.model.categories import Category
from crible.model.signals import SignalType


def now() -> datetime:
    """The current time, in UTC, as stored."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite drops the zone of stored datetimes: put UTC back."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def to_utc(value: datetime | None) -> datetime | None:
    """An aware time in UTC, for storing: SQLite keeps a datetime's wall-clock and drops its
    offset, so a time in another zone must be converted first. A naive time is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def bank_from_row(row: Row[Any]) -> Bank:
    """A Bank from a row of ``banks``."""
    m = row._mapping
    return Bank(
        id=m["id"],
        name=m["name"],
        provenance=Provenance(
            provider=m["provider"],
            list_name=m["list_name"],
            version=m["version"],
            published=m["published"],
            terms=m["terms"],
        ),
        scheme=m["scheme"],
        enabled=bool(m["enabled"]),
        created_at=as_utc(m["created_at"]),
        description=m["description"],
    )


def bank_values(bank: Bank) -> dict[str, Any]:
    """Column values of a bank, for insert."""
    p = bank.provenance
    return {
        "name": bank.name,
        "provider": p.provider,
        "list_name": p.list_name,
        "version": p.version,
        "published": p.published,
        "terms": p.terms,
        "scheme": bank.scheme,
        "description": bank.description,
        "enabled": bank.enabled,
        "created_at": now(),
    }


def category_of(scheme: str | None, code: str | None) -> Category | None:
    """The category stored in two columns, or None."""
    if scheme is None or code is None:
        return None
    return Category(scheme, code)


def entry_from_row(row: Row[Any]) -> HashEntry:
    """A HashEntry from a row of ``bank_entries``."""
    m = row._mapping
    return HashEntry(
        signal_type=SignalType(m["signal_type"]),
        value=m["value"],
        category=category_of(m["category_scheme"], m["category_code"]),
        external_id=m["external_id"],
        id=m["id"],
        bank_id=m["bank_id"],
    )
