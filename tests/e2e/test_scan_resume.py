"""A scan killed with SIGKILL at any moment resumes: nothing lost, nothing duplicated,
finished files not hashed again. On both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from crible.services.demo_media import picture, save_jpeg
from crible.signals.crypto import hash_file
from crible.store.engine import make_engine
from crible.store.tables import matches, media, media_locations, scan_items
from tests.e2e.cli import CRIBLE, crible, crible_json

FILES = 240


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resume") / "media"
    for seed in range(FILES):
        save_jpeg(picture(seed, (320, 240)), root / f"{seed // 50}" / f"{seed:04d}.jpg")
    return root


def _items(db: str) -> int:
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(scan_items)) or 0)
    except Exception:  # the schema may not exist yet at the first polls
        return 0
    finally:
        engine.dispose()


@pytest.mark.parametrize("kill_after_items", [1, FILES // 2])
def test_killed_scan_resumes_without_loss_or_duplicates(
    store_url: str, folder: Path, tmp_path: Path, kill_after_items: int
) -> None:
    listed = sorted(folder.rglob("*.jpg"))[::40]
    bank = tmp_path / "bank.txt"
    bank.write_text("".join(hash_file(p).md5 + "\n" for p in listed))
    assert crible("bank", "import", str(bank), "--name", "b", db=store_url).returncode == 0

    process = subprocess.Popen(
        [CRIBLE, "--db", store_url, "scan", str(folder), "-j", "2", "--no-progress"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CRIBLE_PROGRESS": "0"},
    )
    deadline = time.monotonic() + 120
    while _items(store_url) < kill_after_items and process.poll() is None:
        assert time.monotonic() < deadline, "the scan never recorded anything"
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the CLI and its hashing workers
    process.wait()
    before_resume = _items(store_url)
    assert before_resume < FILES, "the scan finished before it could be killed"

    result = crible_json("scan", str(folder), "-j", "2", db=store_url)

    assert result["resumed"] is True
    assert result["already_done"] == before_resume
    assert result["recorded_now"] == FILES - before_resume
    assert result["files_seen"] == FILES and result["status"] == "completed"
    assert sorted({m["sha256"] for m in result["matches"]}) == sorted(
        hash_file(p).sha256 for p in listed
    )
    engine = create_engine(store_url) if "sqlite" in store_url else make_engine(store_url)
    with engine.connect() as conn:
        count = lambda t: conn.scalar(select(func.count()).select_from(t))  # noqa: E731
        assert count(scan_items) == FILES
        assert count(media) == FILES
        assert count(media_locations) == FILES
        assert count(matches) == len(listed)
    engine.dispose()
