"""Time zones for exports that give local times without one."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crible.model.errors import UserError


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; an unknown name is the user's error (exit status 2)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UserError(
            f"unknown time zone {name!r}: give an IANA name such as Europe/Paris"
        ) from exc
