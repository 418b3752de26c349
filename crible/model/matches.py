"""Matches: a media file whose signal is in a bank."""

from __future__ import annotations

from dataclasses import dataclass

from crible.model.categories import Category
from crible.model.signals import SignalType


@dataclass(frozen=True)
class Match:
    """A media file matched a bank entry, exactly or within a PDQ distance."""

    media_sha256: str
    bank_id: int
    bank_name: str
    entry_id: int
    signal_type: SignalType
    entry_value: str
    distance: int
    variant: str | None
    category: Category | None
    frame_timestamp: float | None = None
    """For a video: the time (seconds) of the frame that matched."""
    query_share: float | None = None
    """For a video against a listed video: the share of its frames that match the listed one."""
    reference_share: float | None = None
    """... and the share of the listed video's frames it matches."""
