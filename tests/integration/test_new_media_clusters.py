"""Recompressed re-shares are re-shares: a source posts six new pictures, others re-post them as
recompressed or resized copies (other bytes, other SHA-256), four accounts post only banked
files. The source must have the new-media reason naming the re-sharers and rank first; the
review queue and the profile show each picture's cluster; the graph links the re-sharers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crible.analysis.graph import build_graph
from crible.model.signals import PDQ_DEFAULT_THRESHOLD
from crible.services.demo_media import TRANSFORMS, recompressed, write_slideshow
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.profile import account_profile
from crible.services.review import review_queue
from crible.services.suspects import Analysis, analyse
from crible.services.views import messages_by_id
from crible.signals.crypto import hash_file
from crible.store import Store
from tests.reshares import (
    COPIES,
    NEW,
    POSTERS,
    RESHARERS,
    SOURCE,
    load_investigation,
    new_picture,
)


@pytest.fixture
def investigation(store: Store, tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    load_investigation(store, tmp_path / "investigation")
    yield store, tmp_path / "investigation"


def _ids(analysis: Analysis) -> dict[str, int]:
    return {key: account for account, (_platform, key) in analysis.facts.account_keys.items()}


def _originals(folder: Path) -> dict[str, int]:
    """SHA-256 of the source's files → the new picture's number."""
    photos = folder / "west" / "photos"
    return {hash_file(photos / f"new-{k}.jpg").sha256: k for k in range(NEW)}


def _resharers_of(k: int) -> set[str]:
    return {
        f"user{who[0]}"
        for who, copies in zip(RESHARERS, COPIES.values(), strict=True)
        if any(number == k for number, _how in copies)
    }


def test_the_source_of_recompressed_reshares_has_the_reason_and_ranks_first(
    investigation: tuple[Store, Path],
) -> None:
    store, folder = investigation
    analysis = analyse(store)
    ids = _ids(analysis)
    keys = {account: key for key, account in ids.items()}

    top = analysis.suspects[0]
    assert top.key == f"user{SOURCE[0]}", [(s.key, s.score) for s in analysis.suspects[:5]]
    reason = top.reasons[0]
    assert reason.indicator == "new_media"
    assert reason.text.startswith("first to post 6 files in no bank, re-shared by 3 other")
    for user_id, name in RESHARERS:
        assert f"{name} (user{user_id})" in reason.text
    views = messages_by_id(store, reason.messages)
    assert len(views) == NEW and {v.sender for v in views} == {SOURCE[1]}
    for user_id, _name in (*RESHARERS, *POSTERS):
        suspect = analysis.suspect(ids[f"user{user_id}"])
        assert suspect is None or "new_media" not in {r.indicator for r in suspect.reasons}

    originals = _originals(folder)
    assert {m.sha256 for m in analysis.new_media} == set(originals)
    for item in analysis.new_media:
        k = originals[item.sha256]
        assert item.first_account_id == ids[f"user{SOURCE[0]}"]
        assert {keys[a] for a in item.reshared_by} == _resharers_of(k)
        first, *copies = item.cluster
        assert (first.sha256, first.distance, first.signal) == (item.sha256, 0, "pdq")
        assert len(copies) == len(_resharers_of(k))
        for copy in copies:
            assert copy.sha256 != item.sha256 and copy.signal == "pdq"
            assert 0 < copy.distance <= PDQ_DEFAULT_THRESHOLD
            assert {keys[a] for a in copy.posted_by} <= _resharers_of(k)
        assert len(item.reshare_messages) == len(item.reshared_by)


def test_review_queue_and_profile_show_each_cluster(investigation: tuple[Store, Path]) -> None:
    store, folder = investigation
    analysis = analyse(store)
    ids = _ids(analysis)
    originals = _originals(folder)

    queue = review_queue(store, limit=NEW)
    assert {item.sha256 for item in queue} == set(originals), "new media come first"
    for item in queue:
        k = originals[item.sha256]
        assert item.cluster[0].sha256 == item.sha256
        assert len(item.cluster) == 1 + len(_resharers_of(k))
        assert f"one picture in {len(item.cluster)} files" in item.reasons[0]

    source = account_profile(store, ids[f"user{SOURCE[0]}"], analysis=analysis)
    assert {m.sha256 for m in source.new_media} == set(originals)
    assert not source.reshared
    assert source.names[ids[f"user{RESHARERS[0][0]}"]] == f"{RESHARERS[0][1]} (user8002)"
    ash = account_profile(store, ids[f"user{RESHARERS[0][0]}"], analysis=analysis)
    assert not ash.new_media
    assert {originals[m.sha256] for m in ash.reshared} == {k for k, _how in COPIES[0]}


def test_the_graph_links_the_source_to_who_reposted_copies(
    investigation: tuple[Store, Path],
) -> None:
    store, _folder = investigation
    graph = build_graph(store, ["posted", "same_media"])
    node = {data["key"]: n for n, data in graph.nodes(data=True) if data["kind"] == "account"}
    same = {
        frozenset((u, v)): data
        for u, v, data in graph.edges(data=True)
        if data["layer"] == "same_media"
    }
    source = node[f"user{SOURCE[0]}"]
    for (user_id, _name), copies in zip(RESHARERS, COPIES.values(), strict=True):
        link = same[frozenset((source, node[f"user{user_id}"]))]
        assert (link["exact"], link["near"]) == (0, len(copies))
    clusters = {d["cluster"] for _n, d in graph.nodes(data=True) if d["kind"] == "media"}
    posted = sum(1 for _n, d in graph.nodes(data=True) if d["kind"] == "media")
    assert posted - len(clusters) == sum(len(c) for c in COPIES.values())  # copies joined


def _video(
    export: TelegramExport, message_id: int, day: int, user: tuple[int, str], name: str
) -> None:
    """A video message as Telegram Desktop writes it (the file is written beside the export)."""
    export.post(message_id, at(day), user, "")
    export.messages[-1].update(
        {
            "file": f"video_files/{name}",
            "media_type": "video_file",
            "mime_type": "video/mp4",
            "duration_seconds": 9,
            "width": 320,
            "height": 240,
        }
    )


def test_a_reencoded_video_is_the_same_video(store: Store, tmp_path: Path) -> None:
    scenes = [new_picture(k) for k in range(3)]
    export = TelegramExport(9500, "Group Reels")
    _video(export, 1, 2, SOURCE, "reel.mp4")
    _video(export, 2, 4, RESHARERS[0], "reel-again.mp4")
    _video(export, 3, 5, RESHARERS[1], "other.mp4")
    folder = tmp_path / "reels"
    export.write(folder)
    write_slideshow(folder / "video_files" / "reel.mp4", scenes)
    copies = [recompressed(TRANSFORMS["resized"](img), 40) for img in scenes]
    write_slideshow(folder / "video_files" / "reel-again.mp4", copies, fps=8)
    write_slideshow(folder / "video_files" / "other.mp4", [new_picture(k) for k in (7, 8, 9)])
    ingest(store, "telegram", folder, workers=0)
    first, again = (
        hash_file(folder / "video_files" / n).sha256 for n in ("reel.mp4", "reel-again.mp4")
    )
    assert first != again

    analysis = analyse(store)

    (item,) = analysis.new_media
    ids = _ids(analysis)
    assert (item.sha256, item.first_account_id) == (first, ids[f"user{SOURCE[0]}"])
    assert item.reshared_by == (ids[f"user{RESHARERS[0][0]}"],)
    head, copy = item.cluster
    assert (head.sha256, head.signal, copy.sha256, copy.signal) == (first, "vpdq", again, "vpdq")
    assert copy.shares is not None and min(copy.shares) >= 0.8
    assert analysis.suspects[0].key == f"user{SOURCE[0]}"
