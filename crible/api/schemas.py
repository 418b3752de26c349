"""Pydantic shapes of the HTTP API (the core uses dataclasses; these exist only at the edge)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from crible.model.matches import Match


class ErrorBody(BaseModel):
    error: str = Field(description="A short machine-readable name of the error.")
    detail: str = Field(description="What went wrong, naming the field or file.")


class CategoryOut(BaseModel):
    scheme: str
    code: str


class MatchOut(BaseModel):
    bank: str
    bank_id: int
    entry_id: int
    signal_type: str
    distance: int
    category: CategoryOut | None
    variant: str | None = None
    frame_timestamp: float | None = None


class HashLookupOut(BaseModel):
    signal_type: str
    value: str
    matches: list[MatchOut]


class FileLookupOut(BaseModel):
    sha256: str
    size: int
    hashes: dict[str, str] = Field(description="Computed hashes by signal type.")
    pdq_status: str
    pdq_quality: int | None
    matches: list[MatchOut]


class BankOut(BaseModel):
    name: str
    enabled: bool
    scheme: str | None
    entries: int
    provider: str | None = None


class BankEnabledIn(BaseModel):
    enabled: bool


class MeOut(BaseModel):
    name: str
    role: str


class AuditVerifyOut(BaseModel):
    ok: bool
    entries: int
    head: str
    first_bad_entry: int | None
    reason: str | None


def match_out(m: Match) -> dict[str, object]:
    """A match as the JSON the lookup routes return."""
    return {
        "bank": m.bank_name,
        "bank_id": m.bank_id,
        "entry_id": m.entry_id,
        "signal_type": str(m.signal_type),
        "distance": m.distance,
        "category": None
        if m.category is None
        else {"scheme": m.category.scheme, "code": m.category.code},
        "variant": m.variant,
        "frame_timestamp": m.frame_timestamp,
    }
