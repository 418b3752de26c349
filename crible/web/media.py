"""Pictures of media for reviewers, rendered on the server with Pillow.

By default a reviewer sees a small, strongly blurred, greyscale thumbnail (a video: a
storyboard of a few such frames); the clear picture is rendered only for the one item the
reviewer revealed. The original bytes never leave the server: even revealed, a picture is
re-encoded (no metadata) and a video is shown as a still storyboard, never played.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator

import av
from PIL import Image, ImageFilter, ImageOps

from crible.model.errors import MediaError, NotFound
from crible.model.media import MediaLocation
from crible.signals.pdq import looks_like_image
from crible.signals.vpdq import looks_like_video
from crible.sources.open import open_location
from crible.sources.walk import split_member
from crible.store import Store
from crible.store.read.media import MediaRows

MAX_MEDIA_BYTES = 512 * 1024**2
THUMB_SIZE = 320
CLEAR_SIZE = 1024
STORYBOARD_FRAMES = 4


def _location(key: bytes, display: str) -> MediaLocation | None:
    """A file or zip entry from a stored location key (``path!/member`` for an entry)."""
    if b"\x00" in key:
        return None
    if (entry := split_member(key)) is not None:
        return MediaLocation(key, display, fs_path=entry[0], member=entry[1])
    return MediaLocation(key, display, fs_path=key) if os.path.isfile(key) else None


def _candidates(store: Store, sha256: str) -> Iterator[MediaLocation]:
    with MediaRows.of(store) as reader:
        rows = reader.locations(sha256)
    for key, display in rows:
        loc = _location(key, display)
        if loc is not None:
            yield loc


def media_bytes(store: Store, sha256: str) -> bytes:
    """The bytes of a stored media file, read from any of its known locations and checked
    against its SHA-256 (a file changed on disk since the scan is never shown)."""
    for loc in _candidates(store, sha256):
        try:
            with open_location(loc, max_bytes=MAX_MEDIA_BYTES) as stream:
                data = stream.read()
        except (MediaError, OSError):
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
    raise NotFound(f"the bytes of media {sha256[:16]}... are not readable at any known location")


def _encode(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _prepare(picture: Image.Image, size: int, *, blur: bool, grey: bool) -> Image.Image:
    picture = ImageOps.exif_transpose(picture) or picture
    picture = picture.convert("RGB")
    picture.thumbnail((size, size))
    if blur:
        # strong: about a twelfth of the longest side, so shapes stay but nothing is legible
        radius = max(6, max(picture.size) // 12)
        picture = picture.filter(ImageFilter.GaussianBlur(radius))
    if grey:
        picture = picture.convert("L")
    return picture


def _video_frames(data: bytes, count: int) -> list[Image.Image]:
    """A few frames spread over a video (decoding stops after them)."""
    frames: list[Image.Image] = []
    try:
        with av.open(io.BytesIO(data), "r") as container:
            stream = container.streams.video[0]
            total = stream.frames or 0
            step = max(1, total // count) if total else 10
            for number, frame in enumerate(container.decode(stream)):
                if number % step == 0:
                    frames.append(frame.to_image())  # type: ignore[no-untyped-call]
                if len(frames) >= count:
                    break
    except (av.FFmpegError, IndexError, ValueError) as exc:
        raise MediaError(f"cannot decode the video: {exc}") from exc
    return frames


def _storyboard(frames: list[Image.Image], size: int, *, blur: bool, grey: bool) -> Image.Image:
    cell = size // 2
    tiles = [_prepare(f, cell, blur=blur, grey=False) for f in frames] or [
        Image.new("RGB", (cell, cell))
    ]
    width, height = tiles[0].size  # frames of one video share their size
    board = Image.new("RGB", (width * 2, height * ((len(tiles) + 1) // 2)), "black")
    for i, tile in enumerate(tiles):
        board.paste(tile, ((i % 2) * width, (i // 2) * height))
    return board.convert("L") if grey else board


def render(data: bytes, *, clear: bool, grey: bool) -> bytes:
    """A JPEG of the media: blurred and greyscale unless ``clear`` (then grey if asked)."""
    size = CLEAR_SIZE if clear else THUMB_SIZE
    head = data[:64]
    if looks_like_video(head):
        frames = _video_frames(data, STORYBOARD_FRAMES)
        return _encode(_storyboard(frames, size, blur=not clear, grey=grey or not clear))
    if not looks_like_image(head):
        raise MediaError("not an image or video crible can show")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            shown = _prepare(picture, size, blur=not clear, grey=grey or not clear)
    except (OSError, Image.DecompressionBombError) as exc:
        raise MediaError(f"cannot decode the image: {exc}") from exc
    return _encode(shown)
