"""A bank snapshot: every enabled, unsuppressed entry of the banks, indexed per hash kind,
with the entries' metadata, savable as memory-mapped arrays and loadable from a path.

The pure matcher (``crible.index.matcher``) reads only this; building it is the only step
that reads the store. A saved snapshot is a directory keyed by the banks' fingerprint:
``snapshot.json`` (banks, categories, kinds, listed videos) beside one array file a column
and one folder a kind's index. Loading maps the arrays, so a worker starts at once whatever
the size of the lists; a snapshot is also picklable (Spark ships it to executors).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from crible.index.base import IdArray
from crible.index.persist import read_manifest
from crible.model.categories import Category
from crible.model.errors import BadInput
from crible.model.signals import SignalType, VideoFrame
from crible.signals.kinds import KINDS, KindIndex

FORMAT = "crible-bank-snapshot"
VERSION = 1
MANIFEST = "snapshot.json"

EntryRow = tuple[int, int, str, str, str | None, str | None]
"""(entry id, bank id, bank name, value, category scheme, category code)."""

VideoRow = tuple[int, int, str, str, str | None, str | None, tuple[VideoFrame, ...]]
"""An entry row of a listed video, with its frames."""


@dataclass(frozen=True)
class Entry:
    """What a match reports of a bank entry."""

    bank_id: int
    bank_name: str
    value: str
    category: Category | None


@dataclass(frozen=True)
class ListedVideo:
    """A vPDQ entry: its metadata and its frames."""

    entry_id: int
    entry: Entry
    frames: tuple[VideoFrame, ...]


@dataclass
class EntryTable:
    """Entry metadata as parallel arrays sorted by entry id (mapped, never read whole)."""

    ids: IdArray
    banks: npt.NDArray[np.int32]
    categories: npt.NDArray[np.int32]
    values: npt.NDArray[np.bytes_]

    COLUMNS = ("ids", "banks", "categories", "values")


@dataclass
class BankSnapshot:
    """The banks as matching sees them: per-kind indexes, entry metadata, listed videos."""

    fingerprint: str
    banks: list[tuple[int, str]]
    categories: list[tuple[str, str]]
    entries: EntryTable
    indexes: dict[SignalType, KindIndex]
    videos: list[ListedVideo] = field(default_factory=list)

    def entry(self, entry_id: int) -> Entry:
        """The metadata of one indexed entry."""
        pos = int(np.searchsorted(self.entries.ids, entry_id))
        if pos >= len(self.entries.ids) or int(self.entries.ids[pos]) != entry_id:
            raise KeyError(entry_id)
        bank_id, bank_name = self.banks[int(self.entries.banks[pos])]
        code = int(self.entries.categories[pos])
        category = Category(*self.categories[code]) if code >= 0 else None
        return Entry(bank_id, bank_name, bytes(self.entries.values[pos]).decode(), category)

    def size(self, kind: SignalType) -> int:
        """How many entries of ``kind`` are indexed."""
        index = self.indexes.get(kind)
        return len(index) if index is not None else 0

    def save(self, directory: Path) -> None:
        """Write the snapshot to ``directory`` (a new one: written aside, then renamed)."""
        staged = directory.with_name(f".{directory.name}.{uuid.uuid4().hex[:8]}.tmp")
        staged.mkdir(parents=True)
        for column in EntryTable.COLUMNS:
            np.save(staged / f"{column}.npy", getattr(self.entries, column), allow_pickle=False)
        for kind, index in self.indexes.items():
            index.save(staged / f"index-{kind}")
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "banks": self.banks,
            "categories": self.categories,
            "kinds": [str(k) for k in self.indexes],
            "videos": [_video_json(v) for v in self.videos],
        }
        (staged / MANIFEST).write_text(json.dumps(manifest))
        try:
            os.replace(staged, directory)
        except OSError:
            shutil.rmtree(staged, ignore_errors=True)
            if not (directory / MANIFEST).is_file():
                raise

    @classmethod
    def load(cls, directory: Path) -> BankSnapshot:
        """Map a saved snapshot back in; BadInput names what is missing or wrong."""
        manifest = read_manifest(directory / MANIFEST, FORMAT, VERSION, "bank snapshot")
        try:
            columns = {
                c: np.load(directory / f"{c}.npy", mmap_mode="r", allow_pickle=False)
                for c in EntryTable.COLUMNS
            }
            indexes = {
                SignalType(k): KINDS[SignalType(k)].load_index(directory / f"index-{k}")
                for k in manifest["kinds"]
            }
        except (OSError, ValueError, KeyError) as exc:
            raise BadInput(f"incomplete bank snapshot: {exc}", source=str(directory)) from exc
        return cls(
            fingerprint=manifest["fingerprint"],
            banks=[(int(i), str(n)) for i, n in manifest["banks"]],
            categories=[(str(s), str(c)) for s, c in manifest["categories"]],
            entries=EntryTable(**columns),
            indexes=indexes,
            videos=[_video_of(v) for v in manifest["videos"]],
        )


def build_snapshot(
    fingerprint: str,
    entries: Mapping[SignalType, Iterable[EntryRow]],
    videos: Iterable[VideoRow] = (),
) -> BankSnapshot:
    """A snapshot of these entries (by matchable kind) and listed videos."""
    banks: dict[int, int] = {}
    bank_list: list[tuple[int, str]] = []
    categories: dict[tuple[str, str], int] = {}
    ids: list[int] = []
    bank_of: list[int] = []
    category_of: list[int] = []
    values: list[str] = []
    indexes: dict[SignalType, KindIndex] = {}
    for kind, rows in entries.items():
        kind_ids: list[int] = []
        kind_values: list[str] = []
        for entry_id, bank_id, bank_name, value, scheme, code in rows:
            if bank_id not in banks:
                banks[bank_id] = len(bank_list)
                bank_list.append((bank_id, bank_name))
            cat = -1
            if scheme is not None and code is not None:
                cat = categories.setdefault((scheme, code), len(categories))
            ids.append(entry_id)
            bank_of.append(banks[bank_id])
            category_of.append(cat)
            values.append(value)
            kind_ids.append(entry_id)
            kind_values.append(value)
        indexes[kind] = KINDS[kind].build_index(np.array(kind_ids, dtype=np.int64), kind_values)
    order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
    width = max((len(v) for v in values), default=1)
    table = EntryTable(
        ids=np.array(ids, dtype=np.int64)[order],
        banks=np.array(bank_of, dtype=np.int32)[order],
        categories=np.array(category_of, dtype=np.int32)[order],
        values=np.array([v.encode("ascii") for v in values], dtype=f"S{width}")[order],
    )
    listed = [
        ListedVideo(entry_id, Entry(bank_id, bank, value, _category(scheme, code)), frames)
        for entry_id, bank_id, bank, value, scheme, code, frames in videos
    ]
    return BankSnapshot(fingerprint, bank_list, list(categories), table, indexes, listed)


def _category(scheme: str | None, code: str | None) -> Category | None:
    return Category(scheme, code) if scheme is not None and code is not None else None


def _video_json(video: ListedVideo) -> dict[str, Any]:
    e = video.entry
    category = [e.category.scheme, e.category.code] if e.category else None
    return {
        "id": video.entry_id,
        "bank": [e.bank_id, e.bank_name],
        "value": e.value,
        "category": category,
        "frames": [[f.number, f.timestamp, f.pdq, f.quality] for f in video.frames],
    }


def _video_of(data: dict[str, Any]) -> ListedVideo:
    category = Category(*data["category"]) if data["category"] else None
    entry = Entry(int(data["bank"][0]), str(data["bank"][1]), str(data["value"]), category)
    frames = tuple(VideoFrame(int(n), float(t), str(p), int(q)) for n, t, p, q in data["frames"])
    return ListedVideo(int(data["id"]), entry, frames)


def kinds_to_index() -> Sequence[SignalType]:
    """The kinds a snapshot indexes: every matchable kind of the registry."""
    return [name for name, kind in KINDS.items() if kind.matchable]
