"""Adding a hash kind is its module plus one registry line: a toy kind (a 64-bit average
hash) is registered, a list of it imported into a bank, a folder scanned, and the edited
copy of the listed picture is matched by it, with nothing else in crible changed."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crible.index.base import IdArray
from crible.model.signals import SignalType
from crible.services.banks import import_list
from crible.services.demo_media import picture, save_jpeg
from crible.services.scan import scan
from crible.signals.kinds import KINDS, HammingIndex, HashKind, KindIndex, register
from crible.signals.kinds.base import hex_of_length
from crible.signals.registry import signal_type_named
from crible.store import Store


class AverageHash(HashKind):
    """The toy kind's whole module: 8x8 grey means, one bit a cell above the mean."""

    name = SignalType.define("toy_ahash")
    aliases = ("toy-ahash",)
    default_threshold = 6

    def compute(self, data: bytes) -> str | None:
        with Image.open(io.BytesIO(data)) as image:
            grey = np.asarray(image.convert("L").resize((8, 8)), dtype=np.float64)
        return np.packbits(grey.reshape(-1) > grey.mean()).tobytes().hex()

    def normalise(self, value: str) -> str:
        return hex_of_length(self.name, value, 16)

    def compare(self, left: str, right: str) -> int:
        return (int(left, 16) ^ int(right, 16)).bit_count()

    def build_index(self, ids: IdArray, values: Sequence[str]) -> KindIndex:
        return HammingIndex.build(ids, values)

    def load_index(self, directory: Path) -> KindIndex:
        return HammingIndex.load(directory)


@pytest.fixture
def toy() -> Iterator[AverageHash]:
    kind = AverageHash()
    register(kind)  # the one registry line
    try:
        yield kind
    finally:
        KINDS.pop(kind.name)


def _brighter(path: Path, out: Path) -> Path:
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    Image.fromarray(np.clip(pixels + 12, 0, 255).astype(np.uint8)).save(out, quality=70)
    return out


def test_a_registered_toy_kind_is_imported_scanned_and_matched(
    store: Store, tmp_path: Path, toy: AverageHash
) -> None:
    listed = save_jpeg(picture(7), tmp_path / "listed.jpg")
    value = toy.compute(listed.read_bytes())
    assert value is not None
    lists = tmp_path / "toy.csv"
    lists.write_text(f"signal_type,signal_value\ntoy-ahash,{value.upper()}\n")
    report = import_list(store, lists, bank="toy-bank")
    assert report.added == 1 and not report.rejected

    folder = tmp_path / "media"
    folder.mkdir()
    copy = _brighter(listed, folder / "copy.jpg")
    for seed in (101, 102, 103):
        save_jpeg(picture(seed), folder / f"other-{seed}.jpg")

    summary = scan(store, [str(folder)], workers=0)

    toy_matches = [m for m in summary.matches if m.signal_type == toy.name]
    assert len(toy_matches) == 1
    (found,) = toy_matches
    assert found.bank_name == "toy-bank" and found.entry_value == value
    assert found.distance == toy.compare(value, toy.compute(copy.read_bytes()) or "")
    assert found.distance <= toy.default_threshold
    assert {m.media_sha256 for m in summary.matches} == {found.media_sha256}
    assert signal_type_named("toy_ahash") is toy.name
