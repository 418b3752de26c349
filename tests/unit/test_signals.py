"""Hashers on generated media: crypto in one read, PDQ exact and fast, every PdqStatus."""

from __future__ import annotations

import hashlib
import io
import resource
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFile

from crible.model.errors import DecompressionBomb, InvalidHash, MediaError
from crible.model.signals import DIHEDRAL_VARIANTS, PDQ_MIN_QUALITY, PdqStatus
from crible.signals.crypto import HEAD_SIZE, hash_bytes, hash_file, hash_stream
from crible.signals.media import hash_media
from crible.signals.pdq import (
    bits_to_hex,
    fast_scale,
    hamming,
    hex_to_bytes,
    looks_like_image,
    pdq_from_bytes,
    pdq_from_path,
)

# --- generated media -------------------------------------------------------------------------


def photo_like(seed: int, width: int, height: int) -> Image.Image:
    """A benign photo-like picture: smooth random fields, a few shapes, a little noise."""
    rng = np.random.default_rng(seed)
    canvas = np.full((height, width, 3), 128.0, dtype=np.float32)
    for scale, amplitude in ((256, 200.0), (96, 90.0), (32, 45.0), (10, 20.0)):
        grid = rng.integers(0, 256, (max(2, height // scale), max(2, width // scale), 3))
        smooth = Image.fromarray(grid.astype(np.uint8)).resize(
            (width, height), Image.Resampling.BICUBIC
        )
        field = np.asarray(smooth, dtype=np.float32) / 255 - 0.5
        luminance = field.mean(axis=2, keepdims=True)
        canvas += (luminance + (field - luminance) * 0.5) * amplitude
    image = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        box = [x, y, x + int(rng.integers(10, width // 2)), y + int(rng.integers(10, height // 2))]
        draw.ellipse(box, fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, (height, width, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def encode(image: Image.Image, format: str, **options: object) -> bytes:
    """An image saved in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def naive_pdq(data: bytes) -> str:
    """The plain PIL + pdqhash hash that exact mode must reproduce."""
    vector, _quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return bits_to_hex(vector)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims width x height RGB pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class CountingStream(io.BytesIO):
    """A stream that counts what is read from it and refuses to seek."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.reads += 1
        self.bytes_read += len(chunk)
        return chunk

    def seek(self, *args: object, **kwargs: object) -> int:
        raise AssertionError("the stream must be read once, front to back")


class FailingStream(io.BytesIO):
    """A stream whose second read fails like a disk error."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        if self.reads > 1:
            raise OSError("device not ready")
        return super().read(size)


@pytest.fixture(scope="module")
def photo_jpeg() -> bytes:
    """A 1024x768 photo-like JPEG, quality 90."""
    return encode(photo_like(1, 1024, 768), "JPEG", quality=90)


# --- cryptographic hashes --------------------------------------------------------------------

RANDOM = np.random.default_rng(7).integers(0, 256, 3 * 1024 * 1024 + 123, dtype=np.uint8).tobytes()


def test_crypto_matches_hashlib_in_one_pass() -> None:
    stream = CountingStream(RANDOM)
    hashes, kept = hash_stream(stream, chunk_size=64 * 1024)
    assert hashes.sha256 == hashlib.sha256(RANDOM).hexdigest()
    assert hashes.sha1 == hashlib.sha1(RANDOM).hexdigest()
    assert hashes.md5 == hashlib.md5(RANDOM).hexdigest()
    assert hashes.size == len(RANDOM)
    assert kept is None
    assert stream.bytes_read == len(RANDOM)
    assert stream.reads == len(RANDOM) // (64 * 1024) + 2  # full chunks, the tail, the empty end


def test_hash_bytes_and_hash_file_agree(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(RANDOM)
    assert hash_bytes(RANDOM) == hash_file(path) == hash_stream(io.BytesIO(RANDOM))[0]


def test_empty_stream() -> None:
    hashes, kept = hash_stream(io.BytesIO(b""), keep_limit=10)
    assert hashes.sha256 == hashlib.sha256(b"").hexdigest()
    assert hashes.size == 0
    assert kept == b""


@pytest.mark.parametrize(
    ("limit", "kept"),
    [(0, False), (len(RANDOM) - 1, False), (len(RANDOM), True), (len(RANDOM) + 1, True)],
)
def test_keep_limit(limit: int, kept: bool) -> None:
    hashes, data = hash_stream(io.BytesIO(RANDOM), chunk_size=100_000, keep_limit=limit)
    assert hashes.size == len(RANDOM)
    assert (data == RANDOM) if kept else (data is None)


@pytest.mark.parametrize("wanted", [True, False])
def test_keep_if_sees_the_head(wanted: bool) -> None:
    seen: list[bytes] = []

    def keep_if(head: bytes) -> bool:
        seen.append(head)
        return wanted

    _, data = hash_stream(io.BytesIO(RANDOM), chunk_size=7, keep_limit=len(RANDOM), keep_if=keep_if)
    assert seen == [RANDOM[:HEAD_SIZE]]
    assert (data == RANDOM) if wanted else (data is None)


def test_keep_if_on_a_file_shorter_than_the_head() -> None:
    seen: list[bytes] = []

    def keep_if(head: bytes) -> bool:
        seen.append(head)
        return True

    _, data = hash_stream(io.BytesIO(b"GIF8"), keep_limit=100, keep_if=keep_if)
    assert seen == [b"GIF8"]
    assert data == b"GIF8"


def test_keep_if_is_asked_even_past_the_limit() -> None:
    seen: list[bytes] = []

    def keep_if(head: bytes) -> bool:
        seen.append(head)
        return True

    _, data = hash_stream(io.BytesIO(RANDOM), keep_limit=10, keep_if=keep_if)
    assert seen == [RANDOM[:HEAD_SIZE]]
    assert data is None


# --- helpers ---------------------------------------------------------------------------------


def test_hex_helpers() -> None:
    bits = np.zeros(256, dtype=np.int64)
    bits[0] = bits[255] = 1
    value = bits_to_hex(bits)
    assert value == "80" + "00" * 30 + "01"
    assert hex_to_bytes(value.upper()) == bytes([0x80] + [0] * 30 + [1])
    assert hamming(value, "00" * 32) == 2
    assert hamming(value, value) == 0
    assert hamming("ff" * 32, "00" * 32) == 256
    with pytest.raises(InvalidHash):
        hex_to_bytes("abc")
    with pytest.raises(ValueError):
        bits_to_hex(np.zeros(255))


@pytest.mark.parametrize("format", ["JPEG", "PNG", "GIF", "BMP", "WEBP", "TIFF"])
def test_looks_like_image(format: str) -> None:
    data = encode(photo_like(2, 40, 30), format)
    assert looks_like_image(data[:HEAD_SIZE])
    assert not looks_like_image(b"%PDF-1.7" + data[8:HEAD_SIZE])
    assert not looks_like_image(b"")


def test_truncated_images_stay_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing WeasyPrint tells Pillow, process-wide, to accept truncated images."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encode(photo_like(8, 300, 200), "PNG")
    result = hash_media(io.BytesIO(data[: len(data) * 2 // 3]))
    assert result.pdq_status is PdqStatus.CORRUPT


# --- exact mode ------------------------------------------------------------------------------


def test_exact_matches_the_plain_loop(photo_jpeg: bytes, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo_jpeg)
    vector, quality = pdqhash.compute(np.asarray(Image.open(path).convert("RGB")))
    got = pdq_from_path(path)
    assert got.value == bits_to_hex(vector)
    assert got.quality == quality
    assert len(got.variants) == 8
    assert got.variants[0] == got.value
    assert pdq_from_bytes(photo_jpeg, dihedral=False).variants == ()


JPEG_ENCODINGS = [
    pytest.param(mode, subsampling, progressive, id=f"{mode}-{subsampling}-{progressive}")
    for mode in ("RGB", "L")
    for subsampling in (0, 1, 2)
    for progressive in (False, True)
]


@pytest.mark.parametrize(("mode", "subsampling", "progressive"), JPEG_ENCODINGS)
def test_exact_matches_the_plain_loop_on_every_jpeg_encoding(
    mode: str, subsampling: int, progressive: bool
) -> None:
    image = photo_like(3, 333, 251).convert(mode)
    data = encode(image, "JPEG", quality=85, subsampling=subsampling, progressive=progressive)
    assert pdq_from_bytes(data).value == naive_pdq(data)


MODES: list[tuple[str, str]] = [
    ("1", "PNG"),
    ("L", "PNG"),
    ("LA", "PNG"),
    ("P", "PNG"),
    ("P", "GIF"),
    ("RGBA", "PNG"),
    ("RGBA", "WEBP"),
    ("RGB", "BMP"),
    ("CMYK", "JPEG"),
    ("CMYK", "TIFF"),
    ("I;16", "PNG"),
    ("I", "TIFF"),
    ("F", "TIFF"),
]


def in_mode(image: Image.Image, mode: str) -> Image.Image:
    """The image in a mode; alpha, where there is one, varies so that it cannot be dropped."""
    if mode.startswith(("I", "F")):
        return image.convert("L").convert(mode)
    converted = image.convert(mode)
    if "A" in mode:
        alpha = np.linspace(40, 255, image.width, dtype=np.uint8)[None, :].repeat(image.height, 0)
        converted.putalpha(Image.fromarray(alpha))
    return converted


@pytest.mark.parametrize(("mode", "format"), MODES, ids=[f"{m}-{f}" for m, f in MODES])
def test_every_mode_hashes_like_convert_rgb(mode: str, format: str) -> None:
    data = encode(in_mode(photo_like(4, 200, 150), mode), format)
    assert Image.open(io.BytesIO(data)).mode == mode
    assert pdq_from_bytes(data).value == naive_pdq(data)


# --- dihedral variants -----------------------------------------------------------------------

TRANSFORMS: dict[str, Callable[[NDArray[np.uint8]], NDArray[np.uint8]]] = {
    "original": lambda a: a,
    "rotate90": lambda a: np.rot90(a, 1),
    "rotate180": lambda a: np.rot90(a, 2),
    "rotate270": lambda a: np.rot90(a, 3),
    "flip_x": lambda a: a[::-1],
    "flip_y": lambda a: a[:, ::-1],
    "flip_plus1": lambda a: a.transpose(1, 0, 2),
    "flip_minus1": lambda a: np.rot90(a, 2).transpose(1, 0, 2),
}


@pytest.mark.parametrize("variant", DIHEDRAL_VARIANTS)
def test_dihedral_variant_is_the_hash_of_the_transformed_image(variant: str) -> None:
    """At 576x320 (64 x odd, odd filter windows) PDQ samples symmetrically: variants are exact."""
    pixels = np.asarray(photo_like(5, 576, 320))
    original = pdq_from_bytes(encode(Image.fromarray(pixels), "PNG"))
    transformed = np.ascontiguousarray(TRANSFORMS[variant](pixels))
    got = pdq_from_bytes(encode(Image.fromarray(transformed), "PNG"), dihedral=False)
    assert got.value == original.variants[DIHEDRAL_VARIANTS.index(variant)]
    assert len(set(original.variants)) == 8


# --- fast mode -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_fast_is_close_to_exact(seed: int) -> None:
    data = encode(photo_like(seed, 1024, 768), "JPEG", quality=90)
    exact, fast = pdq_from_bytes(data), pdq_from_bytes(data, fast=True)
    distance = hamming(exact.value, fast.value)
    print(f"seed {seed}: fast vs exact distance {distance}")
    assert distance <= 20, f"fast mode drifted {distance} bits from exact"
    assert abs(exact.quality - fast.quality) <= 5
    assert len(fast.variants) == 8
    assert max(hamming(a, b) for a, b in zip(exact.variants, fast.variants, strict=True)) <= 31


def test_fast_reduces_photos_and_not_small_images() -> None:
    assert fast_scale(1024, 768) == 4
    assert fast_scale(4032, 3024) == 8
    assert fast_scale(300, 2000) == 1
    small = encode(photo_like(6, 300, 200), "JPEG", quality=90)
    assert pdq_from_bytes(small, fast=True) == pdq_from_bytes(small)


FAST_PATHS = [("L", "JPEG"), ("CMYK", "JPEG"), ("RGB", "PNG"), ("P", "PNG"), ("RGBA", "WEBP")]


@pytest.mark.parametrize(("mode", "format"), FAST_PATHS, ids=[f"{m}-{f}" for m, f in FAST_PATHS])
def test_fast_is_close_to_exact_on_every_decoding_path(mode: str, format: str) -> None:
    """simplejpeg scaling (RGB, L), Pillow draft (CMYK), Pillow reduce (other formats)."""
    data = encode(in_mode(photo_like(14, 800, 600), mode), format)
    distance = hamming(pdq_from_bytes(data).value, pdq_from_bytes(data, fast=True).value)
    print(f"{mode} {format}: fast vs exact distance {distance}")
    assert distance <= 20


# --- hash_media and its statuses -------------------------------------------------------------


@pytest.mark.parametrize("fast", [False, True])
def test_media_ok(photo_jpeg: bytes, fast: bool) -> None:
    stream = CountingStream(photo_jpeg)
    result = hash_media(stream, fast=fast)
    assert result.pdq_status is PdqStatus.OK
    assert result.pdq is not None and result.pdq.matchable
    assert result.pdq == pdq_from_bytes(photo_jpeg, fast=fast)
    assert result.crypto == hash_bytes(photo_jpeg)
    assert result.mode == ("fast" if fast else "exact")
    assert stream.bytes_read == len(photo_jpeg)


def test_flat_grey_is_low_quality() -> None:
    data = encode(Image.new("RGB", (300, 200), (128, 128, 128)), "PNG")
    result = hash_media(io.BytesIO(data))
    assert result.pdq_status is PdqStatus.LOW_QUALITY
    assert result.pdq is not None and result.pdq.quality < PDQ_MIN_QUALITY
    assert not result.pdq.matchable
    assert result.pdq_reason is not None and "quality" in result.pdq_reason


@pytest.mark.parametrize("fast", [False, True])
def test_truncated_jpeg_is_corrupt(photo_jpeg: bytes, fast: bool) -> None:
    cut = photo_jpeg[: len(photo_jpeg) // 2]
    result = hash_media(io.BytesIO(cut), fast=fast, source="cut.jpg")
    assert result.pdq_status is PdqStatus.CORRUPT
    assert result.pdq is None
    assert result.pdq_reason is not None
    assert "truncated" in result.pdq_reason or "Premature end" in result.pdq_reason
    assert result.crypto == hash_bytes(cut)


@pytest.mark.parametrize("fast", [False, True])
def test_truncated_png_is_corrupt(fast: bool) -> None:
    data = encode(photo_like(8, 900, 700), "PNG")
    result = hash_media(io.BytesIO(data[: len(data) * 2 // 3]), fast=fast)
    assert result.pdq_status is PdqStatus.CORRUPT
    assert result.pdq_reason is not None and "truncated" in result.pdq_reason


def test_garbage_after_a_magic_number_is_corrupt() -> None:
    result = hash_media(io.BytesIO(b"\x89PNG\r\n\x1a\n" + RANDOM[:1000]))
    assert result.pdq_status is PdqStatus.CORRUPT
    assert result.pdq_reason is not None and "not a readable image" in result.pdq_reason


def test_media_error_names_the_source() -> None:
    with pytest.raises(MediaError, match=r"^holiday\.jpg: .*not a readable image"):
        pdq_from_bytes(b"\xff\xd8\xff" + RANDOM[:100], source="holiday.jpg")


def test_random_bytes_are_not_an_image() -> None:
    data = b"\x00" + RANDOM[1:5000]
    result = hash_media(io.BytesIO(data))
    assert result.pdq_status is PdqStatus.NOT_IMAGE
    assert result.pdq is None
    assert result.crypto == hash_bytes(data)


def test_huge_claimed_size_is_too_large_without_allocating() -> None:
    bomb = png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    for fast in (False, True):
        result = hash_media(io.BytesIO(bomb), fast=fast)
        assert result.pdq_status is PdqStatus.TOO_LARGE
        assert result.pdq_reason is not None and "bomb" in result.pdq_reason
    assert time.perf_counter() - start < 1.0
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024


def test_max_pixels_is_checked_before_decoding() -> None:
    data = encode(photo_like(9, 100, 80), "PNG")
    result = hash_media(io.BytesIO(data), max_pixels=100 * 80 - 1)
    assert result.pdq_status is PdqStatus.TOO_LARGE
    assert result.pdq_reason is not None and "100x80 = 8000 pixels" in result.pdq_reason
    assert hash_media(io.BytesIO(data), max_pixels=100 * 80).pdq_status is PdqStatus.OK


def test_pillow_bomb_warning_becomes_an_error() -> None:
    """10000 x 10000 is over Pillow's own limit (a warning) though under the one asked for."""
    with pytest.raises(DecompressionBomb, match="bomb"):
        pdq_from_bytes(png_claiming(10_000, 10_000), max_pixels=200_000_000)


def test_image_over_max_image_bytes_is_too_large(photo_jpeg: bytes) -> None:
    result = hash_media(io.BytesIO(photo_jpeg), max_image_bytes=len(photo_jpeg) - 1)
    assert result.pdq_status is PdqStatus.TOO_LARGE
    assert result.pdq_reason is not None and str(len(photo_jpeg)) in result.pdq_reason
    assert result.crypto == hash_bytes(photo_jpeg)


def test_stream_errors_propagate(photo_jpeg: bytes) -> None:
    stream = FailingStream(photo_jpeg)
    with pytest.raises(OSError, match="device not ready"):
        hash_stream(stream, chunk_size=1000)
    with pytest.raises(OSError, match="device not ready"):
        hash_media(FailingStream(photo_jpeg))
