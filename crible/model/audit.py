"""The audit log: who did what, each entry chained to the previous one by its hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AuditAction(StrEnum):
    """What an audit entry records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    MEDIA_VIEW = "media_view"
    MEDIA_REVEAL = "media_reveal"
    DECISION = "decision"
    EXPORT = "export"
    BANK_CHANGE = "bank_change"
    USER_CHANGE = "user_change"
    TOKEN_CHANGE = "token_change"
    CONFIG_CHANGE = "config_change"
    INGEST_DELETE = "ingest_delete"
    SCAN_DELETE = "scan_delete"


GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: str
    """Canonical JSON of extra facts (never media bytes)."""
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditProblem:
    """The first entry at which the chain breaks, and how."""

    entry_id: int
    reason: str


@dataclass(frozen=True)
class AuditVerification:
    """The result of walking the chain."""

    entries: int
    head: str
    """Hash of the last entry (keep it elsewhere to detect removal of the newest entries)."""
    problem: AuditProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None
