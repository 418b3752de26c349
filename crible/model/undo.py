"""What undoing an ingest or a scan removed, and what it kept because other runs share it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Removal:
    """Counts of one ``crible ingest delete`` or ``crible scan delete``."""

    kind: str
    """``ingest`` or ``scan``."""
    run_id: int
    messages_removed: int = 0
    messages_kept: int = 0
    """Messages other exports also carry: they stay, with those exports' provenance."""
    accounts_removed: int = 0
    chats_removed: int = 0
    media_refs_unlinked: int = 0
    """Files of kept messages that only this export supplied: now not exported again."""
    scans_removed: list[int] = field(default_factory=list)
    media_removed: int = 0
    """Files that only this run brought (no other scan saw them, no kept message has them)."""
    media_kept: int = 0
    locations_removed: int = 0
    matches_removed: int = 0
