"""A hard wall-clock deadline for work that may hang inside C code (FFmpeg decoding).

The soft limit of ``hash_video`` is checked between frames; a decoder stuck inside one call
never returns to it. ``with_deadline`` runs the work in a forked child and kills it when the
deadline passes, so one hostile file costs at most the deadline, never the whole scan. Where
``fork`` is not available the work runs in this process (soft limit only).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import TypeVar

from crible.model.errors import MediaError

T = TypeVar("T")


def with_deadline(work: Callable[[], T], seconds: float, *, source: str | None = None) -> T:
    """``work()``'s result, or MediaError if it raised one or ran past ``seconds``."""
    if not hasattr(os, "fork"):
        return work()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports through the pipe
        os.close(read_end)
        try:
            payload = pickle.dumps(("ok", work()))
        except MediaError as exc:
            payload = pickle.dumps(("error", exc.reason))
        except BaseException as exc:
            payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
        with os.fdopen(write_end, "wb") as stream:
            stream.write(payload)
        os._exit(0)
    os.close(write_end)
    try:
        data = _read_until(read_end, time.monotonic() + seconds)
    finally:
        os.close(read_end)
    if data is None:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        raise MediaError(f"stopped after the hard time limit of {seconds:g} s", source=source)
    os.waitpid(child, 0)
    if not data:
        raise MediaError("the decoding process died without an answer", source=source)
    status, value = pickle.loads(data)
    if status == "error":
        raise MediaError(str(value), source=source)
    result: T = value
    return result


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything written to ``fd`` until it closes, or None if the deadline passes first."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
