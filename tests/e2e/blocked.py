"""A folder on which writes really fail, as on a write-blocked evidence copy.

Root ignores file modes, so as root the folder becomes a read-only bind mount of itself
(writes fail with EROFS), else immutable (chattr +i); as another user, modes are enough.
Whatever the means, the helper checks that a write fails before handing the folder over."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _run(*args: str) -> bool:
    return subprocess.run(args, capture_output=True).returncode == 0


@contextmanager
def write_blocked(folder: Path) -> Iterator[Path]:
    """``folder`` and the files in it cannot be written, changed or added to, until exit."""
    files = [p for p in folder.iterdir() if p.is_file()]
    undo: list[tuple[str, ...]] = []
    if os.geteuid() != 0:
        for path in files:
            path.chmod(0o444)
        folder.chmod(0o555)
        undo = [("chmod", "-R", "u+w", str(folder))]
    elif _run("mount", "--bind", "-o", "ro", str(folder), str(folder)):
        undo = [("umount", str(folder))]
    elif _run("chattr", "+i", str(folder), *map(str, files)):
        undo = [("chattr", "-i", str(folder), *map(str, files))]
    else:
        pytest.skip("no way to block writes here (as root: mount --bind -o ro, or chattr +i)")
    try:
        try:
            (folder / "probe").write_bytes(b"x")
        except OSError:
            pass
        else:
            pytest.fail(f"{folder} is still writable: the test would prove nothing")
        yield folder
    finally:
        for command in undo:
            _run(*command)
