"""People and platforms that use crible through the network, and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What an account is for."""

    ADMIN = "admin"
    """Manages users, banks and settings; sees no media."""
    INVESTIGATOR = "investigator"
    """Works on chats, accounts, suspects and cases; sees no media."""
    REVIEWER = "reviewer"
    """Looks at matched media (blurred until revealed) and decides."""
    PLATFORM = "platform"
    """A platform's upload path: lookups only."""


class Capability(StrEnum):
    """A kind of action a route performs; each role holds some."""

    LOOKUP = "lookup"
    """Hash and look up media or hashes."""
    REVIEW = "review"
    """See media and decide about it."""
    INVESTIGATE = "investigate"
    """Read chats, accounts, banks, scans and ingests."""
    ADMINISTER = "administer"
    """Change banks, users and settings; read the audit log."""
    SIGNED_IN = "signed_in"
    """Anything any signed-in account may do (its own session)."""


GRANTS: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(
        {Capability.ADMINISTER, Capability.INVESTIGATE, Capability.LOOKUP, Capability.SIGNED_IN}
    ),
    Role.INVESTIGATOR: frozenset({Capability.INVESTIGATE, Capability.SIGNED_IN}),
    Role.REVIEWER: frozenset({Capability.REVIEW, Capability.SIGNED_IN}),
    Role.PLATFORM: frozenset({Capability.LOOKUP, Capability.SIGNED_IN}),
}
"""Media bytes go to reviewers only: no other role holds REVIEW."""


def roles_with(capability: Capability) -> frozenset[Role]:
    """The roles that hold a capability."""
    return frozenset(role for role, caps in GRANTS.items() if capability in caps)


@dataclass(frozen=True)
class User:
    """An account: a person (signs in with a password) or a platform (uses API tokens)."""

    id: int
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    has_password: bool = False

    def may(self, capability: Capability) -> bool:
        return not self.disabled and capability in GRANTS[self.role]


@dataclass(frozen=True)
class ApiToken:
    """An API token's record (its value is shown once and only its hash is kept)."""

    id: int
    user_id: int
    label: str
    created_at: datetime
    revoked: bool = False


@dataclass(frozen=True)
class Session:
    """A signed-in browser session."""

    id: int
    user: User
    csrf: str
    expires_at: datetime
    reveals: int
    """Items revealed during this session (the exposure counter)."""
    revealed_sha256: str | None
    """The one item currently revealed, if any."""
