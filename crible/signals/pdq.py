"""PDQ perceptual hashes through Meta's reference C++ (the ``pdqhash`` package).

Exact mode (the default) is the PIL + pdqhash stack, step for step, so its hashes are the
reference ones by construction: Pillow opens the bytes already read for the cryptographic
hashes, ``convert("RGB")`` without EXIF rotation, ``pdqhash.compute_dihedral``. simplejpeg
decodes a 1024x768 JPEG 1 ms faster, but measured in a dedicated process the pdqhash call
after it ran about 3 ms slower (memory placement of pdqhash's large buffers), so exact mode
keeps Pillow; fast mode, where pdqhash only sees 64x64 pixels, uses simplejpeg.

Fast mode decodes JPEGs at 1/2, 1/4 or 1/8 scale (DCT scaling; other formats are box-reduced)
and computes from the small image the 64x64 luma that PDQ's own Jarosz filter and decimation
would give on the full image; pdqhash then hashes that 64x64 image, on which its filter is the
identity. Measured on 200 generated 1024x768 photos (benchmarks/hashing.py): 7-9x the plain
loop on one core, Hamming distance to the exact hash median 2, p99 4, max 6.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
import simplejpeg
from numpy.typing import NDArray
from PIL import Image, ImageFile

from crible.model.errors import DecompressionBomb, MediaError
from crible.model.signals import PdqHash, SignalType
from crible.signals.registry import normalise

DEFAULT_MAX_PIXELS = 89_478_485
"""Pillow's default limit: an image claiming more pixels is refused as a decompression bomb."""

FAST_MIN_SIDE = 192
"""Fast mode halves the decoding scale (down to 1/8) while the short side stays this long.

Chosen by experiment (benchmarks/hashing.py): at 128 the 256x256 LabelMe test pictures
drift up to 30 bits from their exact hash, at 192 no tested image drifts more than 4.
"""

PDQ_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "BMP", "WEBP", "TIFF")
"""Pillow formats crible decodes; any other file is not an image to PDQ."""

_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
_SIMPLEJPEG_MODES = frozenset({"RGB", "L"})
_MAGIC: tuple[tuple[bytes, ...], ...] = (
    (b"\xff\xd8\xff",),
    (b"\x89PNG\r\n\x1a\n",),
    (b"GIF87a", b"GIF89a"),
    (b"BM",),
    (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"),
)
_PDQ_SIDE = 64
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
"""PDQ's luma weights for R, G and B."""
_LUMA_STEPS = np.array(
    [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 1, 1], [1, 1, 0], [1, 1, 1]],
    dtype=np.float32,
)
_LUMA_STEP_VALUES = _LUMA_STEPS @ LUMA_WEIGHTS

Float32Array = NDArray[np.float32]
Uint8Array = NDArray[np.uint8]
IndexArray = NDArray[np.intp]


def looks_like_image(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a JPEG, PNG, GIF, BMP, WEBP or TIFF."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return any(head.startswith(magic) for group in _MAGIC for magic in group)


def bits_to_hex(vector: Any) -> str:
    """The 64 hex digits of a 256-bit vector, most significant bit first."""
    bits = np.asarray(vector, dtype=np.uint8)
    if bits.shape != (256,):
        raise ValueError(f"a PDQ bit vector has 256 bits, not shape {bits.shape}")
    return np.packbits(bits).tobytes().hex()


def hex_to_bytes(value: str) -> bytes:
    """The 32 bytes of a PDQ hash given in hex; raises InvalidHash if it is not one."""
    return bytes.fromhex(normalise(SignalType.PDQ, value))


def hamming(a_hex: str, b_hex: str) -> int:
    """The number of bits in which two PDQ hashes differ."""
    a = int.from_bytes(hex_to_bytes(a_hex), "big")
    b = int.from_bytes(hex_to_bytes(b_hex), "big")
    return (a ^ b).bit_count()


def pdq_from_bytes(
    data: bytes,
    *,
    fast: bool = False,
    dihedral: bool = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    source: str | None = None,
) -> PdqHash:
    """The PDQ hash of an image file's bytes (with its 8 dihedral variants unless told not).

    Raises DecompressionBomb when the image claims more than ``max_pixels`` pixels (checked
    before anything is decoded; Pillow's own limit, Image.MAX_IMAGE_PIXELS, also applies) and
    MediaError when the bytes are not a complete image of a format crible decodes.
    """
    image = _open(data, max_pixels, source)
    try:
        with image:
            pixels, size, scale = _decode_for_pdq(image, data, fast)
        rgb = pixels if scale == 1 else luma_to_rgb(_pdq_luma64(pixels, *size, scale))
        return _hash_rgb(rgb, dihedral)
    except Image.DecompressionBombError as exc:
        raise DecompressionBomb(f"decompression bomb: {exc}", source=source) from exc
    except Exception as exc:
        # Decoders fed hostile bytes raise all kinds of errors (OSError, SyntaxError,
        # ValueError, struct.error, ...): each is a property of the file, reported as such.
        raise MediaError(f"cannot decode image: {describe_error(exc)}", source=source) from exc


def pdq_from_path(
    path: str | Path,
    *,
    fast: bool = False,
    dihedral: bool = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    source: str | None = None,
) -> PdqHash:
    """The PDQ hash of an image file; errors reading the file (OSError) propagate."""
    data = Path(path).read_bytes()
    shown = str(path) if source is None else source
    return pdq_from_bytes(data, fast=fast, dihedral=dihedral, max_pixels=max_pixels, source=shown)


def describe_error(exc: BaseException) -> str:
    """An exception as 'Type: message' for a reason text."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _open(data: bytes, max_pixels: int, source: str | None) -> Image.Image:
    """Open (without decoding) an image of a known format, refusing decompression bombs."""
    # A library imported in this process (WeasyPrint does) may have told Pillow to accept
    # truncated files; evidence must not be hashed from half a picture.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        # Turning the warning into an error changes the process-wide filters for a moment;
        # crible hashes in worker processes, not threads, so no other thread is affected.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PDQ_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(f"decompression bomb: {exc}", source=source) from exc
    except Exception as exc:
        raise MediaError(f"not a readable image: {describe_error(exc)}", source=source) from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise DecompressionBomb(
            f"image claims {width}x{height} = {width * height} pixels, "
            f"over the limit of {max_pixels}",
            source=source,
        )
    return image


def _decode_rgb(image: Image.Image, data: bytes, scale: int) -> Uint8Array:
    """Decode to RGB at 1/scale; at scale 1, exactly the reference stack's ``convert("RGB")``."""
    width, height = image.size
    if scale == 1:
        rgb = image.convert("RGB")
        # Free the decoded original before the array copy, as the one-line reference loop
        # does: measured in a dedicated process, keeping it until after pdqhash made the
        # pdqhash call 25% slower (27 ms instead of 21 ms for a 1024x768 photo), as its large
        # buffers then land elsewhere in memory.
        image.close()
        return np.asarray(rgb)
    if image.format in _JPEG_FORMATS and image.mode in _SIMPLEJPEG_MODES:
        pixels: Uint8Array = simplejpeg.decode_jpeg(
            data, "RGB", min_width=-(-width // scale), min_height=-(-height // scale), strict=True
        )
        return pixels
    if image.format in _JPEG_FORMATS:
        image.draft("RGB", (width // scale, height // scale))
    rgb = image.convert("RGB")
    return np.asarray(rgb if rgb.size != (width, height) else rgb.reduce(scale))


def _decode_for_pdq(
    image: Image.Image, data: bytes, fast: bool
) -> tuple[Uint8Array, tuple[int, int], int]:
    """The RGB pixels to hash, the full size, and the scale they were decoded at.

    Exact mode decodes at full size. Fast mode decodes at reduced scale, except images too
    small to reduce, which it hashes exactly.
    """
    size = image.size  # before decoding: a JPEG draft shrinks image.size
    scale = fast_scale(*size) if fast else 1
    return _decode_rgb(image, data, scale), size, scale


def fast_scale(width: int, height: int) -> int:
    """The decoding scale (1, 2, 4 or 8) fast mode uses for an image of this size."""
    scale = 1
    while scale < 8 and min(width, height) // (scale * 2) >= FAST_MIN_SIDE:
        scale *= 2
    return scale


def _hash_rgb(rgb: Uint8Array, dihedral: bool) -> PdqHash:
    """Run pdqhash on an RGB array."""
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(rgb)
        variants = tuple(bits_to_hex(vector) for vector in vectors)
        return PdqHash(value=variants[0], quality=int(quality), variants=variants)
    vector, quality = pdqhash.compute(rgb)
    return PdqHash(value=bits_to_hex(vector), quality=int(quality))


def _pdq_luma64(small: Uint8Array, width: int, height: int, scale: int) -> Float32Array:
    """The 64x64 luma PDQ samples from the full image, estimated from its 1/scale version.

    The weights are banded (a few reduced pixels per sample), so this gathers them rather
    than multiplying dense matrices: no BLAS call, hence no BLAS thread pool fighting the
    scan's worker processes for cores.
    """
    channels = small.astype(np.float32)
    red, green, blue = LUMA_WEIGHTS
    luma = channels[..., 0] * red + channels[..., 1] * green + channels[..., 2] * blue
    return luma64(luma, width, height, scale)


def luma64(luma: Float32Array, width: int, height: int, scale: int) -> Float32Array:
    """PDQ's 64x64 filtered and decimated luma of a ``width`` x ``height`` image, from its
    luma at 1/scale (banded weights, see sampling_band)."""
    col_index, col_weight = sampling_band(width, luma.shape[1], scale)
    row_index, row_weight = sampling_band(height, luma.shape[0], scale)
    across: Float32Array = (luma[:, col_index] * col_weight).sum(axis=2)
    result: Float32Array = (across[row_index] * row_weight[..., None]).sum(axis=1)
    return result


@lru_cache(maxsize=64)
def sampling_band(full: int, reduced: int, scale: int) -> tuple[IndexArray, Float32Array]:
    """The non-zero part of _sampling_weights: per sample, reduced-pixel indices and weights."""
    dense = _sampling_weights(full, reduced, scale)
    nonzero = dense != 0
    first = nonzero.argmax(axis=1)
    last = reduced - 1 - nonzero[:, ::-1].argmax(axis=1)
    width = int((last - first).max()) + 1
    offsets = first[:, None] + np.arange(width)
    inside = offsets <= last[:, None]
    index = np.minimum(offsets, reduced - 1)
    weight = np.where(inside, np.take_along_axis(dense, index, axis=1), 0).astype(np.float32)
    return index, weight


def _sampling_weights(full: int, reduced: int, scale: int) -> Float32Array:
    """Weights (64 x reduced) giving PDQ's 64 filtered samples along one axis.

    PDQ filters each axis with two passes of a box of ``(full + 127) // 128`` pixels (the
    Jarosz filter, truncated and renormalised at the edges), then keeps the pixels at
    ``int((i + 0.5) * full / 64)``. Each reduced pixel stands for the mean of ``scale`` full
    ones, so its weight is the sum of theirs.
    """
    window = (full + 2 * _PDQ_SIDE - 1) // (2 * _PDQ_SIDE)
    weights = np.zeros((_PDQ_SIDE, full))
    positions = ((np.arange(_PDQ_SIDE) + 0.5) * full / _PDQ_SIDE).astype(np.int64)
    weights[np.arange(_PDQ_SIDE), positions] = 1.0
    for _ in range(2):
        weights = _box_pullback(weights, window)
    covered = np.zeros((_PDQ_SIDE, reduced * scale))
    kept = min(full, reduced * scale)
    covered[:, :kept] = weights[:, :kept]
    summed = covered.reshape(_PDQ_SIDE, reduced, scale).sum(axis=2)
    return np.ascontiguousarray(summed, dtype=np.float32)


def _box_pullback(rows: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """``rows @ B`` where B is PDQ's box1DFloat: out[o] = mean(in[o - w + h .. o + h - 1])."""
    length = rows.shape[1]
    half = (window + 2) // 2
    before, after = window - half, half - 1
    out = np.arange(length)
    counts = np.minimum(length - 1, out + after) - np.maximum(0, out - before) + 1
    sums = np.zeros((rows.shape[0], length + 1))
    np.cumsum(rows / counts, axis=1, out=sums[:, 1:])
    start = np.clip(out - after, 0, length)
    stop = np.clip(out + before + 1, 0, length)
    result: NDArray[np.float64] = sums[:, stop] - sums[:, start]
    return result


def luma_to_rgb(luma: Float32Array) -> Uint8Array:
    """RGB bytes whose PDQ luma (0.299 R + 0.587 G + 0.114 B) is within 0.1 of ``luma``."""
    base = np.clip(np.floor(luma), 0, 254)
    nearest = np.abs((luma - base)[..., None] - _LUMA_STEP_VALUES).argmin(axis=-1)
    rgb: Uint8Array = (base[..., None] + _LUMA_STEPS[nearest]).astype(np.uint8)
    return rgb
