"""The vPDQ list format: vpdq's text, HMA's two JSON shapes, and their bad forms."""

from __future__ import annotations

import io
import json

from crible.banks.formats import FORMATS, ParseOptions
from crible.model.banks import HashEntry, RejectedLine
from crible.model.signals import SignalType

HASHES = ["0f" * 32, "f0" * 32, "a5" * 32]


def _read(data: str) -> list[HashEntry | RejectedLine]:
    return list(FORMATS["vpdq"].parse(io.BytesIO(data.encode()), "t", ParseOptions()))


def test_text_and_both_hma_json_shapes_give_the_same_entry() -> None:
    text = "".join(f"{n},100,{h},{n}.000\n" for n, h in enumerate(HASHES))
    compact = json.dumps([f"{h},100,{n}.000" for n, h in enumerate(HASHES)])
    legacy = json.dumps(
        {str(n): {"quality": 100, "hash": h.upper(), "timestamp": n} for n, h in enumerate(HASHES)}
    )

    entries = [_read(data) for data in (text, compact, legacy)]

    assert all(len(e) == 1 and isinstance(e[0], HashEntry) for e in entries)
    first = entries[0][0]
    assert isinstance(first, HashEntry) and first.signal_type is SignalType.VPDQ
    assert [f.pdq for f in first.frames] == HASHES
    assert {e[0].value for e in entries if isinstance(e[0], HashEntry)} == {first.value}


def test_bad_values_are_rejections_with_reasons() -> None:
    for data in ('["zz,100,0.0"]', '{"0": {"quality": 100}}', "[1, 2", '{"0": 5}', '"x"', ""):
        found = _read(data)
        assert len(found) == 1 and isinstance(found[0], RejectedLine), data
        assert found[0].reason


def test_json_frames_out_of_range_are_rejected_as_in_the_text_format() -> None:
    pdq = HASHES[0]
    for data in (
        json.dumps([f"{pdq},100,-1.0"]),
        json.dumps([f"{pdq},101,0.0"]),
        json.dumps([f"{pdq},100,nan"]),
        json.dumps({"-1": {"quality": 100, "hash": pdq, "timestamp": 0}}),
        json.dumps({"0": {"quality": -1, "hash": pdq, "timestamp": 0}}),
        f"0,100,{pdq},-1.000\n",
        f"-1,100,{pdq},0.000\n",
    ):
        found = _read(data)
        assert len(found) == 1 and isinstance(found[0], RejectedLine), data
        assert "out of range" in found[0].reason or "negative" in found[0].reason, found[0]
