"""Benign, generated pictures for the demo, the tests and the benchmarks.

Each picture is a smooth random field with a few shapes: photo-like enough for PDQ to
give high-quality, well-separated hashes. Nothing here depicts anything.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A reproducible photo-like RGB picture."""
    rng = np.random.default_rng(seed)
    width, height = size
    coarse = rng.random((6, 8, 3)) * 255
    field = Image.fromarray(coarse.astype(np.uint8), "RGB").resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(field)
    for _ in range(int(rng.integers(4, 9))):
        x0, y0 = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 40))
        x1 = x0 + int(rng.integers(30, width // 2))
        y1 = y0 + int(rng.integers(30, height // 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    noise = rng.normal(0, 6, (height, width, 3))
    pixels = np.clip(np.asarray(field, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def _resized(img: Image.Image) -> Image.Image:
    return img.resize((img.width * 3 // 4, img.height * 3 // 4), Image.Resampling.LANCZOS)


def _cropped(img: Image.Image) -> Image.Image:
    dx, dy = img.width // 100, img.height // 100
    return img.crop((dx, dy, img.width - dx, img.height - dy))


def _brightened(img: Image.Image) -> Image.Image:
    return ImageEnhance.Brightness(img).enhance(1.25)


TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "resized": _resized,
    "recompressed": lambda img: img,
    "cropped": _cropped,
    "mirrored": ImageOps.mirror,
    "brightened": _brightened,
}
"""Benign edits a copy may have undergone; each keeps the PDQ hash near (or, mirrored,
a dihedral variant near) the original."""


def recompressed(img: Image.Image, quality: int = 40) -> Image.Image:
    """``img`` as a chat app re-encodes it on upload: through JPEG at a lower ``quality``
    (its bytes change, and so does its SHA-256; its PDQ hash stays near)."""
    encoded = io.BytesIO()
    img.convert("RGB").save(encoded, "JPEG", quality=quality)
    encoded.seek(0)
    with Image.open(encoded) as decoded:
        return decoded.convert("RGB")


def save_jpeg(img: Image.Image, path: Path, quality: int = 90) -> Path:
    """Write a JPEG, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=quality)
    return path


def transformed_copy(img: Image.Image, transform: str, path: Path) -> Path:
    """Write ``img`` after ``transform``; 'recompressed' lowers the JPEG quality."""
    quality = 55 if transform == "recompressed" else 88
    return save_jpeg(TRANSFORMS[transform](img), path, quality=quality)


def write_slideshow(
    path: Path, pictures: list[Image.Image], *, seconds_each: int = 3, fps: int = 10
) -> Path:
    """A video (MPEG-4 Part 2 in MP4) showing each picture for ``seconds_each`` seconds."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    size = (320, 240)
    with av.open(str(path), "w") as container:
        stream: Any = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.bit_rate = 2_000_000
        for img in pictures:
            pixels = np.asarray(img.convert("RGB").resize(size, Image.Resampling.BILINEAR))
            for _ in range(seconds_each * fps):
                frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path
