"""Where the media files a chat export names lie: in the export's folder, or in its archive.

A reference resolves to a status: ``pending`` (the file is there, to be hashed, with the
location key the scan gives it), ``not_exported`` (the export only says it existed),
``missing`` (named as exported, not there), or ``refused`` (its path leaves the export's
folder or archive, or a link inside the folder points outside it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from crible.ingest.archive import ChatFile, media_key
from crible.model.chats import ChatMessage, ExportProblem, MediaRef

Resolved = tuple[str, str | None, bytes | None]
"""(status, reason, location key of the file)."""


@dataclass(frozen=True)
class MediaPlace:
    """Where an export's media are: the folder ``root``, or the archive of ``archive``."""

    root: Path
    archive: ChatFile | None = None

    def resolve(self, ref: MediaRef) -> Resolved:
        """Where a media reference points."""
        if not ref.exported or not ref.path:
            return "not_exported", ref.note, None
        if self.archive is not None:
            return media_key(self.archive, ref.path)
        return _in_folder(ref.path, self.root, self._root_real)

    @cached_property
    def _root_real(self) -> str:
        """The folder with its links resolved."""
        return os.path.realpath(self.root)

    def row(
        self, position: int, ref: MediaRef, msg: ChatMessage, problems: list[ExportProblem]
    ) -> dict[str, Any]:
        """The ``message_media`` row of a reference; a refused one is also a problem."""
        status, reason, key = self.resolve(ref)
        if status == "refused":
            where = msg.position or f"message {msg.key}"
            problems.append(ExportProblem(where, f"media {ref.path!r}: {reason}"))
        return {
            "position": position,
            "kind": ref.kind,
            "path": ref.path,
            "location_key": key,
            "exported": ref.exported,
            "status": status,
            "reason": reason,
            "mime_type": ref.mime_type,
            "size_bytes": ref.size_bytes,
            "width": ref.width,
            "height": ref.height,
            "duration_seconds": ref.duration_seconds,
            "file_name": ref.file_name,
            "note": ref.note,
        }


def _in_folder(path: str, root: Path, root_real: str) -> Resolved:
    """Where a path written in an export points inside its folder."""
    if os.path.isabs(path) or path.startswith("\\") or ":" in path[:3]:
        return "refused", "absolute path: refused, it leaves the export folder", None
    candidate = os.path.normpath(os.path.join(root, path))
    if not candidate.startswith(str(root) + os.sep):
        return "refused", "path leaves the export folder", None
    real = os.path.realpath(candidate)
    if not real.startswith(root_real + os.sep):
        return "refused", "a link inside the export points outside it", None
    if not os.path.isfile(candidate):
        return "missing", "named in the export but not in its folder", None
    return "pending", None, os.fsencode(candidate)
