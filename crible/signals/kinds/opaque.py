"""Kinds crible keeps but does not compute or look up: PhotoDNA, and vPDQ lists (whose
frames are matched through the PDQ index by the snapshot's video part)."""

from __future__ import annotations

import base64
import binascii

from crible.model.errors import InvalidHash
from crible.model.signals import SignalType
from crible.signals.kinds.base import HashKind


class PhotoDna(HashKind):
    name = SignalType.PHOTODNA
    aliases = ("photo_dna",)
    pytx_name = "photodna"
    matchable = False

    def normalise(self, value: str) -> str:
        """Opaque: base64 as given, or a comma list of bytes re-encoded as base64."""
        text = value.strip()
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


class Vpdq(HashKind):
    name = SignalType.VPDQ
    pytx_name = "vpdq"
    matchable = False
    named_in_lists = False

    def normalise(self, value: str) -> str:
        raise InvalidHash(f"{self.name} hashes are lists of frames: import them with --format vpdq")
