"""Saving a PDQ index as plain .npy arrays and mapping it back in (np.load, mmap_mode="r").

A saved index is a directory: ``manifest.json`` (format, version, layout, one entry an array
with its file, dtype, shape and CRC-32) and one ``<name>.<generation>.npy`` file an array.
A save writes a new generation's files, then replaces the manifest atomically, then deletes
older generations: a reader sees the old index or the new one, never a mix. Loading maps the
files (nothing is read until searched), so a restart at 10M hashes takes well under a second.
"""

from __future__ import annotations

import json
import os
import re
import uuid
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crible.index.delta import Delta
from crible.index.layout import Chunk, Layout
from crible.index.tables import MihTables
from crible.model.errors import BadInput

if TYPE_CHECKING:
    from crible.index.mih import MihPdqIndex

FORMAT = "crible-pdq-mih"
VERSION = 1
MANIFEST = "manifest.json"
_ARRAY_FILE = re.compile(r"^[a-z_]+\.[0-9a-f]{12}\.npy$")


def _crc(array: np.ndarray) -> int:
    data: np.ndarray = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    return zlib.crc32(memoryview(data))  # type: ignore[arg-type]


def _write(path: Path, array: np.ndarray) -> dict[str, Any]:
    with path.open("wb") as out:
        np.lib.format.write_array(out, np.ascontiguousarray(array), allow_pickle=False)
        out.flush()
        os.fsync(out.fileno())
    return {
        "file": path.name,
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "crc32": _crc(array),
    }


def save(index: MihPdqIndex, directory: Path) -> None:
    """Write ``index`` to ``directory`` (created if missing), replacing any earlier save."""
    main, delta = index.snapshot()
    directory.mkdir(parents=True, exist_ok=True)
    generation = uuid.uuid4().hex[:12]
    arrays: dict[str, np.ndarray] = {
        "delta_ids": delta.ids[: delta.n],
        "delta_hashes": delta.hashes[: delta.n],
    }
    manifest: dict[str, Any] = {"format": FORMAT, "version": VERSION, "generation": generation}
    if main is not None:
        arrays |= {
            "hashes": main.hashes,
            "ids": main.ids,
            "dirs": main.dirs,
            "entries": main.entries,
            "dead": main.dead.copy(),
        }
        manifest["n"] = main.n
        manifest["row_bits"] = main.layout.row_bits
        manifest["chunks"] = [[c.start, c.bits, c.dir_bits] for c in main.layout.chunks]
    manifest["arrays"] = {
        name: _write(directory / f"{name}.{generation}.npy", array)
        for name, array in arrays.items()
    }
    staged = directory / f"{MANIFEST}.{generation}.tmp"
    staged.write_text(json.dumps(manifest, indent=1))
    with staged.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(staged, directory / MANIFEST)
    _fsync_dir(directory)
    for old in directory.iterdir():
        if _ARRAY_FILE.match(old.name) and f".{generation}." not in old.name:
            old.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load(directory: Path, *, verify: bool = False) -> tuple[MihTables | None, Delta]:
    """The tables (memory-mapped) and delta saved in ``directory``.

    Raises BadInput naming the file when the manifest or an array is missing, truncated or
    inconsistent; ``verify`` also checks every array's CRC-32 (reads everything).
    """
    manifest = read_manifest(directory / MANIFEST, FORMAT, VERSION, "PDQ index")
    entries = manifest.get("arrays")
    if not isinstance(entries, dict):
        raise BadInput("no array list", source=str(directory / MANIFEST))
    arrays = {name: _open(directory, name, meta, verify) for name, meta in entries.items()}
    for name in ("delta_ids", "delta_hashes"):
        if name not in arrays:
            raise BadInput(f"no array {name!r}", source=str(directory / MANIFEST))
    delta = _delta(directory, manifest, arrays)
    if "n" not in manifest:
        return None, delta
    main = _tables(directory, manifest, arrays)
    rows = main.rows_of(delta.ids[: delta.n])
    if bool(np.any(main.dead[rows[rows >= 0]] == 0)):
        raise BadInput(
            "ids of the delta are also in the tables",
            source=_file_of(directory, manifest, "delta_ids"),
        )
    return main, delta


def _file_of(directory: Path, manifest: dict[str, Any], name: str) -> str:
    return str(directory / manifest["arrays"][name]["file"])


def _delta(directory: Path, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> Delta:
    """The saved delta, refused unless its ids and hashes fit together (as ``add`` checks)."""
    ids, hashes = arrays["delta_ids"], arrays["delta_hashes"]
    if ids.ndim != 1 or ids.dtype.str != "<i8":
        raise BadInput(
            "delta ids are not one int64 array", source=_file_of(directory, manifest, "delta_ids")
        )
    k = len(ids)
    if hashes.shape != (k, 32) or hashes.dtype.str != "|u1":
        raise BadInput(
            f"delta hashes are not {k} rows of 32 bytes",
            source=_file_of(directory, manifest, "delta_hashes"),
        )
    if len(np.unique(ids)) != k:
        raise BadInput("delta ids repeat", source=_file_of(directory, manifest, "delta_ids"))
    delta = Delta(max(1024, 2 * k))
    delta.append(np.asarray(ids), np.asarray(hashes))
    return delta


def read_manifest(path: Path, form: str, version: int, what: str) -> dict[str, Any]:
    """The JSON manifest of a saved ``what`` (a PDQ index, a bank snapshot) of format ``form``
    and ``version``; BadInput names the file and what is missing or wrong."""
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BadInput(f"no saved {what} here", source=str(path)) from None
    except (OSError, ValueError) as exc:
        raise BadInput(f"unreadable {what} manifest: {exc}", source=str(path)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != form:
        raise BadInput(f"not a crible {what} manifest", source=str(path))
    if manifest.get("version") != version:
        raise BadInput(
            f"{what} format version {manifest.get('version')!r} is not {version}",
            source=str(path),
        )
    return manifest


def _open(directory: Path, name: str, meta: Any, verify: bool) -> np.ndarray:
    where = directory / MANIFEST
    if not isinstance(meta, dict) or not _ARRAY_FILE.match(str(meta.get("file", ""))):
        raise BadInput(f"bad entry for array {name!r}", source=str(where))
    path = directory / meta["file"]
    try:
        array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise BadInput(f"cannot map the index array {name!r}: {exc}", source=str(path)) from exc
    if array.dtype.str != meta.get("dtype") or list(array.shape) != meta.get("shape"):
        raise BadInput(
            f"array {name!r} is {array.dtype.str} {list(array.shape)}, the manifest says "
            f"{meta.get('dtype')} {meta.get('shape')}",
            source=str(path),
        )
    if verify and _crc(array) != meta.get("crc32"):
        raise BadInput(f"array {name!r} fails its checksum", source=str(path))
    return array


def _tables(directory: Path, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> MihTables:
    where = str(directory / MANIFEST)
    try:
        n = int(manifest["n"])
        chunks = tuple(Chunk(int(s), int(b), int(d)) for s, b, d in manifest["chunks"])
        layout = Layout(n, chunks, int(manifest["row_bits"]))
        if not chunks or any(not 0 <= c.dir_bits <= min(30, c.bits) for c in chunks):
            raise ValueError("bad chunk layout")
        hashes, ids, dirs = arrays["hashes"], arrays["ids"], arrays["dirs"]
        entries, dead = arrays["entries"], arrays["dead"]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"incomplete index manifest: {exc!r}", source=where) from exc

    expected = {
        "hashes": ((n, 32), ("|u1",)),
        "ids": ((n,), ("<u4", "<i8")),
        "dirs": ((layout.dir_length,), ("<u4",)),
        "entries": ((len(chunks), n), ("<u4",)),
        "dead": ((n,), ("|u1",)),
    }
    for name, (shape, kinds) in expected.items():
        if arrays[name].shape != shape or arrays[name].dtype.str not in kinds:
            raise BadInput(
                f"array {name!r} does not fit the layout",
                source=_file_of(directory, manifest, name),
            )
    if n > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        raise BadInput(
            "ids are not strictly increasing", source=_file_of(directory, manifest, "ids")
        )
    for chunk, offset in zip(chunks, layout.dir_offsets(), strict=True):
        part = dirs[offset : offset + (1 << chunk.dir_bits) + 1]
        if part[0] != 0 or part[-1] != n or bool(np.any(part[1:] < part[:-1])):
            raise BadInput(
                "a chunk directory is inconsistent", source=_file_of(directory, manifest, "dirs")
            )
    owned_dead = np.array(dead, dtype=np.uint8)
    try:
        return MihTables(
            layout, hashes, ids, dirs, entries, owned_dead, int(np.count_nonzero(owned_dead))
        )
    except ValueError as exc:
        raise BadInput(f"index layout rejected: {exc}", source=where) from exc
