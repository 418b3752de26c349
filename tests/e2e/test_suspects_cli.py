"""``crible suspects`` and ``crible account`` through the console script, on the demo."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from crible.services import demo_investigation as planted
from tests.e2e.cli import crible, crible_json


def test_suspects_and_profile_on_the_demo(tmp_path: Path) -> None:
    done = crible("demo", "--pictures", "14", "--listed", "12", db=None, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    folder = tmp_path / "crible-demo"
    assert "top suspects" in done.stdout
    for picture in ("network.png", "timeline-top-suspect.png"):
        assert Image.open(folder / picture).size[0] >= 800
    db = str(folder / "crible.db")
    keywords = str(folder / "keywords-demo.txt")

    ranked = crible_json("suspects", "--keywords", keywords, db=db)
    top = ranked[0]
    assert top["key"] == f"user{planted.member(planted.SOURCE)[0]}"
    assert top["reasons"][0]["indicator"] == "new_media" and top["reasons"][0]["messages"]
    assert any(r["indicator"] == "keywords" for s in ranked for r in s["reasons"])

    table = crible(
        "suspects", "--top", "3", "--picture", "net.png", "--curve", "c.png", db=db, cwd=tmp_path
    )
    assert table.returncode == 0, table.stderr
    assert "first to post 3 files in no bank" in table.stdout
    assert "key players: reach of known material left after removing 1: " in table.stdout
    assert Image.open(tmp_path / "net.png").format == Image.open(tmp_path / "c.png").format == "PNG"

    shown = crible("account", str(top["account_id"]), "--timeline", "t.png", db=db, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "rank 1 of" in shown.stdout and "new_media" in shown.stdout
    assert Image.open(tmp_path / "t.png").format == "PNG"
    profile = crible_json("account", str(top["account_id"]), db=db)
    assert profile["suspect"]["rank"] == 1 and profile["chats"][0]["name"] == "Group North"

    weights = tmp_path / "weights.toml"
    weights.write_text("[weights]\nnew_media = 0\n")
    reranked = crible_json("suspects", "--weights", str(weights), db=db)
    assert reranked[0]["key"] != top["key"]
    weights.write_text("[weights]\nnew_media = 'x'\n")
    refused = crible("suspects", "--weights", str(weights), db=db)
    assert refused.returncode == 3 and str(weights) in refused.stderr
    missing = crible("account", "999999", db=db)
    assert missing.returncode == 2 and "no account with id 999999" in missing.stderr
