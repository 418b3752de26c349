"""Cryptographic hashes (SHA-256, SHA-1, MD5) of a byte stream, computed in one streamed read."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from crible.model.signals import CryptoHashes

DEFAULT_CHUNK_SIZE = 1 << 20
"""Bytes read at a time: large enough for throughput, small enough for memory."""

HEAD_SIZE = 32
"""Bytes a ``keep_if`` predicate sees: enough for every magic number crible recognises."""


class _Digests:
    """The three digests, fed together from each chunk."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def update(self, chunk: bytes) -> None:
        """Add one chunk to every digest."""
        self.sha256.update(chunk)
        self.sha1.update(chunk)
        self.md5.update(chunk)
        self.size += len(chunk)

    def result(self) -> CryptoHashes:
        """The hex digests and the total size."""
        return CryptoHashes(
            sha256=self.sha256.hexdigest(),
            sha1=self.sha1.hexdigest(),
            md5=self.md5.hexdigest(),
            size=self.size,
        )


class _Keeper:
    """Keeps the chunks read while the total stays within a limit and the head is wanted."""

    def __init__(self, limit: int, keep_if: Callable[[bytes], bool] | None) -> None:
        self.chunks: list[bytes] | None = [] if limit > 0 else None
        self.limit = limit
        self.keep_if = keep_if
        self.head = b""
        self.size = 0

    def add(self, chunk: bytes) -> None:
        """Keep a chunk, or give up keeping once the limit is passed or the head is refused."""
        self.size += len(chunk)
        if self.keep_if is not None:
            self.head += chunk[: HEAD_SIZE - len(self.head)]
            if len(self.head) >= HEAD_SIZE:
                self._decide()
        if self.chunks is None:
            return
        if self.size > self.limit:
            self.chunks = None
        else:
            self.chunks.append(chunk)

    def _decide(self) -> None:
        """Ask ``keep_if``, once, about the first HEAD_SIZE bytes (all of them if fewer)."""
        if self.keep_if is not None and not self.keep_if(self.head):
            self.chunks = None
        self.keep_if = None

    def result(self) -> bytes | None:
        """The bytes kept, or None."""
        self._decide()
        return None if self.chunks is None else b"".join(self.chunks)


def hash_stream(
    stream: BinaryIO,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    keep_limit: int = 0,
    keep_if: Callable[[bytes], bool] | None = None,
) -> tuple[CryptoHashes, bytes | None]:
    """Hash a stream in one read; also return its bytes if it has at most ``keep_limit`` of them.

    ``keep_if``, when given, is called once with the first HEAD_SIZE bytes (whatever the size
    of the stream) and decides whether keeping is wanted at all, so that, say, a large video
    is not held in memory for nothing.
    Errors of the stream (OSError) propagate.
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, not {chunk_size}")
    digests = _Digests()
    keeper = _Keeper(keep_limit, keep_if)
    while chunk := stream.read(chunk_size):
        digests.update(chunk)
        keeper.add(chunk)
    return digests.result(), keeper.result()


def hash_bytes(data: bytes) -> CryptoHashes:
    """The cryptographic hashes of bytes held in memory."""
    digests = _Digests()
    digests.update(data)
    return digests.result()


def hash_file(path: str | Path) -> CryptoHashes:
    """The cryptographic hashes of a file, read once in chunks."""
    with open(path, "rb") as stream:
        return hash_stream(stream)[0]
