"""Every signal of one media file: cryptographic hashes in one streamed read, then PDQ."""

from __future__ import annotations

from typing import BinaryIO

from crible.model.errors import DecompressionBomb, MediaError
from crible.model.signals import PDQ_MIN_QUALITY, CryptoHashes, MediaHashes, PdqStatus
from crible.signals.crypto import hash_stream
from crible.signals.kinds import computed_from_picture
from crible.signals.pdq import DEFAULT_MAX_PIXELS, looks_like_image, pdq_from_bytes

DEFAULT_MAX_IMAGE_BYTES = 256 * 1024**2
"""Image files larger than this are not decoded (status TOO_LARGE); they still get crypto hashes."""


class _HeadCheck:
    """A ``keep_if`` predicate for hash_stream that remembers what it decided."""

    def __init__(self) -> None:
        self.is_image = False

    def __call__(self, head: bytes) -> bool:
        self.is_image = looks_like_image(head)
        return self.is_image


def hash_media(
    stream: BinaryIO,
    *,
    fast: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    source: str | None = None,
) -> MediaHashes:
    """Hash a media stream: SHA-256, SHA-1, MD5 and, for images, PDQ with its variants.

    Never raises for bad media content: the PDQ status says what happened. Only errors of
    the stream itself (OSError) propagate.
    """
    mode = "fast" if fast else "exact"
    head = _HeadCheck()
    keep_limit = max(max_image_bytes, 1)
    crypto, data = hash_stream(stream, keep_limit=keep_limit, keep_if=head)
    if not head.is_image:
        return MediaHashes(crypto=crypto, pdq=None, pdq_status=PdqStatus.NOT_IMAGE, mode=mode)
    if data is None or crypto.size > max_image_bytes:
        reason = f"image file of {crypto.size} bytes, over the limit of {max_image_bytes}"
        return _without_pdq(crypto, PdqStatus.TOO_LARGE, reason, mode)
    return _with_pdq(crypto, data, fast=fast, max_pixels=max_pixels, source=source, mode=mode)


def _with_pdq(
    crypto: CryptoHashes,
    data: bytes,
    *,
    fast: bool,
    max_pixels: int,
    source: str | None,
    mode: str,
) -> MediaHashes:
    """Add the PDQ hash of an image's bytes, or the status saying why there is none."""
    try:
        pdq = pdq_from_bytes(data, fast=fast, dihedral=True, max_pixels=max_pixels, source=source)
    except DecompressionBomb as exc:
        return _without_pdq(crypto, PdqStatus.TOO_LARGE, exc.reason, mode)
    except MediaError as exc:
        return _without_pdq(crypto, PdqStatus.CORRUPT, exc.reason, mode)
    extra = computed_from_picture(data)
    if pdq.matchable:
        return MediaHashes(crypto=crypto, pdq=pdq, pdq_status=PdqStatus.OK, mode=mode, extra=extra)
    reason = f"quality {pdq.quality} below {PDQ_MIN_QUALITY}: recorded, never matched"
    return MediaHashes(
        crypto=crypto,
        pdq=pdq,
        pdq_status=PdqStatus.LOW_QUALITY,
        pdq_reason=reason,
        mode=mode,
        extra=extra,
    )


def _without_pdq(crypto: CryptoHashes, status: PdqStatus, reason: str, mode: str) -> MediaHashes:
    """Crypto hashes only, with the reason PDQ is missing."""
    return MediaHashes(crypto=crypto, pdq=None, pdq_status=status, pdq_reason=reason, mode=mode)
