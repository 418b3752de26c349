"""vPDQ conformance against Meta's reference hashes in tests/data/vectors/vpdq.

Each reference file lists every frame (``seconds_per_hash=0``), hashed at full size or, for
``*-128x128.txt``, downsampled to 128x128. Hashing the same video the same way must give the
same frame count and frame numbers, and every frame where both sides have quality >= 50 must be
within 31 bits of the reference (``pytest -s`` prints the distances).
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from crible.model.signals import PDQ_DEFAULT_THRESHOLD, PDQ_MIN_QUALITY
from crible.signals.pdq import hamming
from crible.signals.vpdq import hash_video, parse_reference
from tests.conftest import DATA

VECTORS = DATA / "vectors" / "vpdq"
REFERENCES = sorted((VECTORS / "sample-hashes").glob("*.txt"))
DOWNSAMPLED = "-128x128"


def video_for(reference: Path) -> Path:
    """The sample video a reference hash file was made from."""
    return VECTORS / "sample-videos" / f"{reference.stem.removesuffix(DOWNSAMPLED)}.mp4"


@pytest.mark.parametrize("reference", REFERENCES, ids=[r.stem for r in REFERENCES])
def test_sample_video(reference: Path) -> None:
    video = video_for(reference)
    assert video.is_file(), (
        f"{reference.name} has no video: a reference whose video is not in tests/data "
        "cannot be checked, so it is not kept (tests/data/README.md)"
    )
    downsample = (128, 128) if reference.stem.endswith(DOWNSAMPLED) else None
    computed = hash_video(video, seconds_per_hash=0, downsample=downsample).frames
    expected = parse_reference(reference.read_text())

    assert len(computed) == len(expected)
    assert [f.number for f in computed] == [f.number for f in expected]
    distances = [
        hamming(ours.pdq, theirs.pdq)
        for ours, theirs in zip(computed, expected, strict=True)
        if ours.quality >= PDQ_MIN_QUALITY and theirs.quality >= PDQ_MIN_QUALITY
    ]
    assert distances, "no frame of quality >= 50 on both sides"
    print(
        f"\n{reference.name}: {len(distances)}/{len(expected)} frames compared, "
        f"distance max {max(distances)} median {statistics.median(distances)}"
    )
    assert max(distances) <= PDQ_DEFAULT_THRESHOLD
