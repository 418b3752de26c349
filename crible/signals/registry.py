"""Recognise and normalise hash values by signal type."""

from __future__ import annotations

import base64
import binascii
import re

from crible.model.errors import InvalidHash
from crible.model.signals import HEX_LENGTHS, SignalType

_HEX = re.compile(r"^[0-9a-f]+$")
_BY_LENGTH: dict[int, SignalType] = {32: SignalType.MD5, 40: SignalType.SHA1}

ALIASES: dict[str, SignalType] = {
    "sha256": SignalType.SHA256,
    "sha-256": SignalType.SHA256,
    "sha1": SignalType.SHA1,
    "sha-1": SignalType.SHA1,
    "md5": SignalType.MD5,
    "pdq": SignalType.PDQ,
    "photodna": SignalType.PHOTODNA,
    "photo_dna": SignalType.PHOTODNA,
    "video_md5": SignalType.MD5,
}
"""Names providers use for signal types (HMA writes ``pdq``, ``video_md5``; VICS ``SHA1``)."""


def signal_type_named(name: str) -> SignalType:
    """Map a provider's name for a signal type to crible's, or raise InvalidHash."""
    key = name.strip().lower()
    if key not in ALIASES:
        raise InvalidHash(f"unknown signal type {name!r} (known: {', '.join(sorted(ALIASES))})")
    return ALIASES[key]


def normalise(signal_type: SignalType, value: str) -> str:
    """Return the canonical form of a hash (lower-case hex, or base64 for PhotoDNA)."""
    text = value.strip()
    if signal_type is SignalType.PHOTODNA:
        return _normalise_photodna(text)
    lowered = text.lower()
    if signal_type not in HEX_LENGTHS:
        raise InvalidHash(
            f"{signal_type} hashes are lists of frames: import them with --format vpdq"
        )
    expected = HEX_LENGTHS[signal_type]
    if len(lowered) != expected or not _HEX.match(lowered):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise InvalidHash(f"not a {signal_type} hash ({expected} hex digits): {shown!r}")
    return lowered


def detect(value: str) -> SignalType:
    """Guess the signal type of a hex hash from its length.

    64 hex digits are ambiguous (SHA-256 or PDQ): the caller must say which.
    """
    text = value.strip().lower()
    if not _HEX.match(text or "-"):
        raise InvalidHash(f"not a hex hash: {value.strip()[:80]!r}")
    if len(text) in _BY_LENGTH:
        return _BY_LENGTH[len(text)]
    if len(text) == 64:
        raise InvalidHash("64 hex digits may be SHA-256 or PDQ: give the signal type")
    raise InvalidHash(f"no signal type has {len(text)} hex digits")


def _normalise_photodna(text: str) -> str:
    """PhotoDNA hashes are kept opaque: base64 as given, or hex/comma lists re-encoded."""
    if not text:
        raise InvalidHash("empty PhotoDNA hash")
    if "," in text:
        try:
            raw = bytes(int(part) for part in text.split(","))
        except ValueError as exc:
            raise InvalidHash(f"PhotoDNA value is not a list of bytes: {exc}") from exc
        return base64.b64encode(raw).decode("ascii")
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidHash(f"PhotoDNA value is not base64: {exc}") from exc
    return text
