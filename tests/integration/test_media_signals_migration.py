"""Migration 0011 moves the PDQ columns of ``media`` and the ``video_frames`` table into
``media_signals`` on both backends: a store written at 0010 reads back the same hashes."""

from __future__ import annotations

from sqlalchemy import Connection, create_engine, inspect, text

from crible.model.signals import DIHEDRAL_VARIANTS, CryptoHashes, MediaHashes, PdqStatus
from crible.store.media_signals import with_signals
from crible.store.migrate import upgrade
from crible.store.read.perceptual import PerceptualHashes

PICTURE, VIDEO, PLAIN = "a" * 64, "b" * 64, "c" * 64
VARIANTS = [f"{i:x}" * 64 for i in range(8)]
FRAMES = [(0, 0.0, "1" * 64, 90), (1, 1.5, "2" * 64, 40), (2, 3.25, "3" * 64, 100)]


def _media(
    conn: Connection, sha256: str, pdq: str | None, quality: int | None, variants: str | None
) -> None:
    conn.execute(
        text(
            "INSERT INTO media (sha256, sha1, md5, size, pdq, pdq_quality, pdq_variants, "
            "pdq_status, hash_mode, first_seen_at) VALUES (:s, :s1, :m, 1, :p, :q, :v, :st, "
            "'exact', :t)"
        ),
        {
            "s": sha256,
            "s1": sha256[:40],
            "m": sha256[:32],
            "p": pdq,
            "q": quality,
            "v": variants,
            "st": "ok" if pdq else "not_image",
            "t": "2026-01-01 00:00:00",
        },
    )


def _hashes(sha256: str) -> MediaHashes:
    return MediaHashes(CryptoHashes(sha256, sha256[:40], sha256[:32], 1), None, PdqStatus.OK)


def test_migration_0011_moves_pdq_columns_and_frames_into_media_signals(store_url: str) -> None:
    engine = create_engine(store_url)
    upgrade(engine, "0010")
    with engine.begin() as conn:
        _media(conn, PICTURE, VARIANTS[0], 87, ",".join(VARIANTS))
        _media(conn, VIDEO, None, None, None)
        _media(conn, PLAIN, None, None, None)
        for number, seconds, pdq, quality in FRAMES:
            conn.execute(
                text(
                    "INSERT INTO video_frames (sha256, frame_number, timestamp, pdq, quality) "
                    "VALUES (:s, :n, :t, :p, :q)"
                ),
                {"s": VIDEO, "n": number, "t": seconds, "p": pdq, "q": quality},
            )
    upgrade(engine)
    with engine.connect() as conn:
        picture, no_frames = with_signals(conn, _hashes(PICTURE))
        video, frames = with_signals(conn, _hashes(VIDEO))
        plain, _ = with_signals(conn, _hashes(PLAIN))
        pictures = list(PerceptualHashes(conn).pictures(50))
        stored_frames = list(PerceptualHashes(conn).video_frames())
    columns = {c["name"] for c in inspect(engine).get_columns("media")}
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert picture.pdq is not None and not no_frames
    assert (picture.pdq.value, picture.pdq.quality) == (VARIANTS[0], 87)
    assert picture.pdq.variants == tuple(VARIANTS) and len(DIHEDRAL_VARIANTS) == 8
    assert video.pdq is None and plain.pdq is None
    assert [(f.number, f.timestamp, f.pdq, f.quality) for f in frames] == FRAMES
    assert [sha for sha, _frame in stored_frames] == [VIDEO] * 3
    assert pictures == [(PICTURE, VARIANTS[0])]
    assert not {"pdq", "pdq_quality", "pdq_variants"} & columns
    assert "video_frames" not in tables and "media_signals" in tables
