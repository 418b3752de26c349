"""Videos in a scan: every sampled frame is PDQ-hashed, a known picture inside a video is
reported with its time, a broken video is a rejection with its reason, audio is not one."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np

from crible.services.banks import delete_bank, export_bank, import_list
from crible.services.demo_media import picture, save_jpeg, write_slideshow
from crible.services.scan import scan
from crible.signals.pdq import pdq_from_path
from crible.store import Store
from crible.store.tables import media_videos
from tests.rows import count_rows, stored_frames


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream: object = container.add_stream("aac", rate=44_100)
        for index in range(10):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = 44_100, index * 1024
            container.mux(stream.encode(frame))  # type: ignore[attr-defined]
        container.mux(stream.encode())  # type: ignore[attr-defined]
    return path


def test_known_picture_inside_a_video_is_found_with_its_time(store: Store, tmp_path: Path) -> None:
    listed = picture(1)
    original = save_jpeg(listed, tmp_path / "listed.jpg")
    bank = tmp_path / "bank.csv"
    bank.write_text(f"signal_type,signal_value\npdq,{pdq_from_path(original).value}\n")
    import_list(store, bank, bank="demo", scheme="DEMO", category="DEMO")
    folder = tmp_path / "media"
    write_slideshow(folder / "clip.mp4", [picture(100), listed, picture(101)])
    broken = (folder / "clip.mp4").read_bytes()
    (folder / "broken.mp4").write_bytes(broken[: len(broken) // 2])
    _audio_only(folder / "sound.m4a")

    summary = scan(store, [str(folder)], workers=1)

    assert len(summary.matches) == 1
    found = summary.matches[0]
    assert found.variant == "frame" and found.frame_timestamp is not None
    assert 3.0 <= found.frame_timestamp < 6.0 and found.distance <= 31
    assert [Path(r.display).name for r in summary.rejected] == ["broken.mp4"]
    assert summary.rejected[0].code == "corrupt_video"
    assert count_rows(store, media_videos) == 1
    times = [frame.timestamp for _sha, frame in stored_frames(store)]
    assert len(times) == 9 and times == sorted(times)

    again = scan(store, [str(folder)], workers=0)
    assert again.files_skipped == 3 and len(again.matches) == 1


def test_listed_video_matches_an_edited_copy_with_both_shares(store: Store, tmp_path: Path) -> None:
    from PIL import ImageEnhance

    from crible.signals.vpdq import format_reference, hash_video

    scenes = [picture(n) for n in (200, 201, 202)]
    listed = write_slideshow(tmp_path / "listed.mp4", scenes)
    reference = tmp_path / "listed.vpdq.txt"
    reference.write_text(format_reference(hash_video(listed).frames))
    report = import_list(
        store, reference, bank="videos", fmt="vpdq", scheme="DEMO", category="DEMO"
    )
    again = import_list(store, reference, bank="videos", fmt="vpdq")
    assert (report.added, again.added, again.already_present) == (1, 0, 1)
    exported = io.StringIO()
    assert export_bank(store, "videos", exported, fmt="vpdq") == 1
    copy = tmp_path / "exported.txt"
    copy.write_text(
        "\n".join(line for line in exported.getvalue().splitlines() if not line.startswith("#"))
    )
    assert import_list(store, copy, bank="copy", fmt="vpdq").added == 1
    assert delete_bank(store, "copy") == 1
    bad = tmp_path / "bad.txt"
    bad.write_text("0,100," + "0" * 64 + ",0.0\n1,100,zz,1.0\n")
    assert [
        (r.line, "hex" in r.reason or "PDQ" in r.reason)
        for r in import_list(store, bad, bank="videos", fmt="vpdq").rejected
    ] == [(2, True)]

    folder = tmp_path / "media"
    brighter = [ImageEnhance.Brightness(s).enhance(1.1) for s in scenes]
    write_slideshow(folder / "copy.mp4", brighter)
    write_slideshow(folder / "other.mp4", [picture(n) for n in (300, 301, 302)])
    write_slideshow(folder / "partial.mp4", [picture(303), scenes[1], picture(304)])

    summary = scan(store, [str(folder)], workers=0)

    videos = [m for m in summary.matches if m.variant == "video"]
    assert len(videos) == 1
    assert summary.locations[videos[0].media_sha256][0].endswith("copy.mp4")
    assert videos[0].query_share is not None and videos[0].query_share >= 0.8
    assert videos[0].reference_share is not None and videos[0].reference_share >= 0.8
    assert str(videos[0].category) == "DEMO DEMO"
    frames = [m for m in summary.matches if m.variant == "frame"]
    assert [summary.locations[m.media_sha256][0].rsplit("/", 1)[1] for m in frames] == [
        "partial.mp4"
    ]
    assert frames[0].frame_timestamp is not None and 3.0 <= frames[0].frame_timestamp < 6.0
    assert frames[0].query_share is not None and frames[0].query_share < 0.8
