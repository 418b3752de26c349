"""One exit-status table for every command, the same in `crible --help` and the README, and
mapped once: usage errors 2, unexpected errors 1 in one line (the traceback only on request),
a declined prompt is not an interruption, a note is not a rejection."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from crible.services.demo_media import picture, save_jpeg
from tests.e2e.cli import CRIBLE, crible, crible_json

README = Path(__file__).resolve().parents[2] / "README.md"


def _help_table() -> dict[int, str]:
    shown = crible("--help", db=None).stdout
    table = shown[shown.index("Exit status:") :]
    return {int(c): m.strip() for c, m in re.findall(r"^\s+(\d+)\s+(.+)$", table, re.M)}


def _readme_table() -> dict[int, str]:
    text = README.read_text()
    table = text[text.index("| status | meaning |") :]
    return {int(c): m.strip() for c, m in re.findall(r"^\| (\d+) \| (.+) \|$", table, re.M)}


def test_help_and_readme_show_the_same_table() -> None:
    shown = _help_table()
    assert sorted(shown) == [0, 1, 2, 3, 4, 130]
    plain = {k: v.replace("`", "") for k, v in shown.items()}
    assert plain == {k: v.replace("`", "") for k, v in _readme_table().items()}
    assert "notes never change the status" in shown[3]
    assert "run the same command again to resume" in shown[130]


def _run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CRIBLE_DB", "CRIBLE_DEBUG")}
    return subprocess.run(
        args, input=stdin, capture_output=True, text=True, env={**base, **(env or {})}, timeout=120
    )


BROKEN = """
import sys
from crible.services import views
def broken(*args, **kwargs):
    raise RuntimeError("the view broke\\nsecond line of detail")
views.list_chats = broken
from crible.cli.main import main
main(sys.argv[1:])
"""
"""The entry point with one service broken as a bug would break it."""


def test_an_unexpected_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    assert crible("db", "upgrade", db=db).returncode == 0
    command = [sys.executable, "-c", BROKEN, "--db", db, "chats"]

    quiet = _run(*command)
    assert quiet.returncode == 1
    assert quiet.stderr.strip().splitlines() == [
        "internal error: RuntimeError: the view broke "
        "(CRIBLE_DEBUG=1 or --debug shows the traceback)"
    ]
    for loud in (
        _run(*command, env={"CRIBLE_DEBUG": "1"}),
        _run(*command[:3], "--debug", *command[3:]),
    ):
        assert loud.returncode == 1
        assert "Traceback" in loud.stderr and "RuntimeError: the view broke" in loud.stderr


def test_usage_errors_exit_2_and_a_declined_prompt_is_no_interruption(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    bank = tmp_path / "bank.txt"
    bank.write_text("d41d8cd98f00b204e9800998ecf8427e\n")
    assert crible("bank", "import", str(bank), "--name", "b", db=db).returncode == 0
    for args in (("nosuch",), ("scan", "--threshold", "999", "x"), ("results", "--scan", "99")):
        done = crible(*args, db=db)
        assert done.returncode == 2 and "Traceback" not in done.stderr, args

    declined = _run(CRIBLE, "--db", db, "bank", "delete", "b", stdin="n\n")

    assert declined.returncode == 2, declined.stderr
    assert "aborted: nothing was changed" in declined.stderr
    assert [b["name"] for b in crible_json("bank", "list", db=db)] == ["b"]


def test_a_note_does_not_change_the_status(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    save_jpeg(picture(1), folder / "p.jpg")
    Image.new("RGB", (64, 64), (128, 128, 128)).save(folder / "flat.png")
    db = str(tmp_path / "crible.db")

    report = crible_json("scan", str(folder), "-j", "0", db=db)

    assert report["low_quality"] == 1 and report["rejected"] == []  # a note, not a rejection
    assert report["status"] == "completed"
