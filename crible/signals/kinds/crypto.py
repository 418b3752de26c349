"""Cryptographic hash kinds: SHA-256, SHA-1, MD5, matched exactly.

crible computes all three in one streamed read (``crible.signals.crypto``); ``compute`` here
is the same digest of bytes already in memory."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import ClassVar

from crible.model.signals import MediaHashes, SignalType
from crible.signals.kinds.base import HashKind, Query, hex_of_length


class CryptoKind(HashKind):
    """A cryptographic digest, given as lower-case hex of a fixed length."""

    digits: ClassVar[int]
    streamed = True

    def normalise(self, value: str) -> str:
        return hex_of_length(self.name, value, self.digits)

    def queries(self, item: MediaHashes) -> Iterator[Query]:
        yield getattr(item.crypto, str(self.name)), None, None


class Sha256(CryptoKind):
    name = SignalType.SHA256
    aliases = ("sha-256",)
    pytx_name = None
    digits = 64

    def compute(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


class Sha1(CryptoKind):
    name = SignalType.SHA1
    aliases = ("sha-1",)
    digits = 40

    def compute(self, data: bytes) -> str:
        return hashlib.sha1(data, usedforsecurity=False).hexdigest()


class Md5(CryptoKind):
    name = SignalType.MD5
    aliases = ("video_md5",)
    """HMA's ``video_md5`` is the MD5 of a video file: the same digest, so the same kind."""
    pytx_name = "video_md5"
    digits = 32

    def compute(self, data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
