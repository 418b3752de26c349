"""Recognise and normalise hash values by signal type, through the registry of hash kinds."""

from __future__ import annotations

from crible.model.errors import InvalidHash
from crible.model.signals import SignalType
from crible.signals.kinds import KINDS
from crible.signals.kinds.base import HEX

_BY_LENGTH: dict[int, SignalType] = {32: SignalType.MD5, 40: SignalType.SHA1}


def aliases() -> dict[str, SignalType]:
    """Names providers use for signal types (HMA writes ``pdq``, ``video_md5``; VICS
    ``SHA1``): each kind's name, aliases and pytx name, for kinds a list may name."""
    found: dict[str, SignalType] = {}
    for name, kind in KINDS.items():
        if kind.named_in_lists:
            for alias in (str(name), *kind.aliases, kind.pytx_name):
                if alias:
                    found[alias] = name
    return found


def signal_type_named(name: str) -> SignalType:
    """Map a provider's name for a signal type to crible's, or raise InvalidHash."""
    key = name.strip().lower()
    known = aliases()
    if key not in known:
        raise InvalidHash(f"unknown signal type {name!r} (known: {', '.join(sorted(known))})")
    return known[key]


def normalise(signal_type: SignalType, value: str) -> str:
    """Return the canonical form of a hash (lower-case hex, or base64 for PhotoDNA)."""
    return KINDS[signal_type].normalise(value)


def detect(value: str) -> SignalType:
    """Guess the signal type of a hex hash from its length.

    64 hex digits are ambiguous (SHA-256 or PDQ): the caller must say which.
    """
    text = value.strip().lower()
    if not HEX.match(text or "-"):
        raise InvalidHash(f"not a hex hash: {value.strip()[:80]!r}")
    if len(text) in _BY_LENGTH:
        return _BY_LENGTH[len(text)]
    if len(text) == 64:
        raise InvalidHash("64 hex digits may be SHA-256 or PDQ: give the signal type")
    raise InvalidHash(f"no signal type has {len(text)} hex digits")
