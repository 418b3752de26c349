"""The CLI through its entry point: bank commands, exit codes, help, and the demo."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
import pytest
from sqlalchemy import select

from crible.cli.main import cli
from crible.store import Store
from crible.store.tables import banks, matches, media_locations
from tests import oracles
from tests.e2e.cli import crible, crible_json


def _md5(n: int) -> str:
    return hashlib.md5(f"benign-{n}".encode()).hexdigest()


def test_bank_lifecycle_import_show_reimport_disable_export_delete(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    folder = tmp_path / ("a-folder-name-long-enough-that-each-rejected-line-is-over-80-columns" * 2)
    folder.mkdir()
    plain = folder / "list.txt"  # a rejected line names it whole, never folded at 80 columns
    plain.write_text(f"# a benign test list\n{_md5(1)}\nnot-a-hash\n{_md5(2)}\n\n{_md5(3)}zz\n")

    done = crible(
        "bank",
        "import",
        str(plain),
        "--name",
        "t",
        "--provider",
        "unit test",
        "--list-version",
        "7",
        "--scheme",
        "CAID",
        "--category",
        "B",
        db=db,
    )
    assert done.returncode == 3, done.stderr
    assert "2 added" in done.stdout
    assert f"{plain}:3:" in done.stdout and f"{plain}:6:" in done.stdout

    report = crible_json("bank", "import", str(plain), "--name", "t", db=db, expect=3)
    assert (report["added"], report["already_present"]) == (0, 2)

    shown = crible_json("bank", "show", "t", db=db)
    assert shown["entries"] == 2 and shown["imports"] == 2
    assert shown["by_signal_type"] == {"md5": 2} and shown["by_category"] == {"CAID B": 2}
    assert shown["provenance"]["provider"] == "unit test"

    assert crible("bank", "disable", "t", db=db).returncode == 0
    assert crible_json("bank", "list", db=db)[0]["enabled"] is False

    out = tmp_path / "export.csv"
    assert crible("bank", "export", "t", "--format", "csv", "-o", str(out), db=db).returncode == 0
    again = crible_json("bank", "import", str(out), "--name", "copy", db=db)
    assert again["added"] == 2 and not again["rejected"]
    assert crible_json("bank", "show", "copy", db=db)["by_category"] == {"CAID B": 2}

    assert crible("bank", "delete", "t", "--yes", db=db).returncode == 0
    missing = crible("bank", "show", "t", db=db)
    assert missing.returncode == 2 and "no bank named 't'" in missing.stderr


def test_strict_import_aborts_and_stores_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    plain = tmp_path / "list.txt"
    plain.write_text(f"{_md5(1)}\n{_md5(2)}\nbroken\n{_md5(3)}\n")

    done = crible("bank", "import", str(plain), "--name", "s", "--strict", db=db)

    assert done.returncode == 3
    assert f"{plain}:3:" in done.stderr
    assert crible_json("bank", "list", db=db) == []


def test_every_command_has_help_text() -> None:
    context = click.Context(cli)

    def walk(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
        found = [(path, command)]
        if isinstance(command, click.Group):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None, f"{path} {name} cannot be loaded"
                found += walk(sub, f"{path} {name}")
        return found

    commands = walk(cli, "crible")
    assert len(commands) >= 60
    for path, command in commands:
        assert command.help and len(command.help) > 20, path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{path} {param.opts}"


def planted_copies(folder: Path) -> set[str]:
    """The demo's media files that are edited copies of a listed original, found without
    crible: each originals/listed-NNN.jpg has a media/photo-NNN.jpg that is other bytes within
    PDQ distance 31 of it, or of its mirror image (pdqhash directly), and no other media file
    is that close to an original."""
    originals = {path.name.removeprefix("listed-"): path for path in folder.glob("originals/*")}
    listed = {oracles.pdq(path)[0] for path in originals.values()}
    near = {
        path.name
        for path in (folder / "media").iterdir()
        for seen in (oracles.pdq(path)[0], oracles.pdq(path, mirrored=True)[0])
        if min(oracles.distance(seen, h) for h in listed) <= 31
    }
    by_name = {f"photo-{number}" for number in originals}
    assert near == by_name, "the demo's copies are not the pictures close to its originals"
    for number, original in originals.items():
        copy = oracles.digests(folder / "media" / f"photo-{number}")["sha256"]
        assert copy != oracles.digests(original)["sha256"], f"photo-{number} is not edited"
    return near


def matched_in_media(db: Path, bank: str, media: Path) -> set[str]:
    """The files under ``media`` that the store holds a match of ``bank`` for."""
    query = (
        select(media_locations.c.display)
        .join(matches, matches.c.sha256 == media_locations.c.sha256)
        .join(banks, banks.c.id == matches.c.bank_id)
        .where(banks.c.name == bank)
    )
    with Store.open(str(db)) as store, store.engine.connect() as conn:
        shown = [Path(display) for display in conn.scalars(query)]
    return {path.name for path in shown if path.parent == media}


def test_demo_finds_every_edited_copy_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "crible-demo"
    for _ in range(2):  # a second run replaces the first demo's folder
        done = crible("demo", "--pictures", "60", "--listed", "10", db=None, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
    demo_db = folder / "crible.db"
    assert len(list((folder / "media").iterdir())) == 60
    planted = planted_copies(folder)
    assert len(planted) == 10
    assert matched_in_media(demo_db, "demo-benign", (folder / "media").resolve()) == planted
    said = f"found {len(planted)} of {len(planted)} edited copies; 0 unrelated pictures matched"
    assert said in done.stdout
    assert "the generated investigation" in done.stdout
    chats = crible_json("chats", db=str(demo_db))
    assert sorted(c["name"] for c in chats) == ["Group East", "Group North", "Group South"]
    assert 30 <= len(crible_json("accounts", db=str(demo_db))) <= 45
    south = crible_json("messages", "--chat", "Group South", db=str(demo_db))
    assert any(m["exports"] == 2 for m in south) and any(m["exports"] == 1 for m in south)
    matched = crible_json("media", "--matched", db=str(demo_db))
    assert matched and all(m["matches"] for m in matched)
    assert any(
        m["forwarded_link"] == "by_name"
        for c in ("Group North", "Group East")
        for m in crible_json("messages", "--chat", c, db=str(demo_db))
    )

    assert "routed to 3 authorities" in done.stdout
    bundles = sorted((tmp_path / "crible-demo" / "cases").glob("CRB-*/bundle"))
    assert len(bundles) == 3
    key = tmp_path / "crible-demo" / "cases" / "keys" / "unit.pub"
    checked = crible("verify", str(bundles[0]), "--key", str(key), db=str(demo_db))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert all(oracles.bundle_problems(bundle, key) == [] for bundle in bundles)
    assert (bundles[0].parent / f"{bundles[0].parent.name}-fr.pdf").read_bytes()[:5] == b"%PDF-"

    (tmp_path / "mine").mkdir()
    refused = crible("demo", "--dir", "mine", db=None, cwd=tmp_path)
    assert refused.returncode == 2 and "was not made by crible demo" in refused.stderr


def test_progress_bars_follow_crible_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    from crible.cli.render import progress_wanted

    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setenv("CRIBLE_PROGRESS", "0")
    assert not progress_wanted()  # off even on a terminal
    monkeypatch.delenv("CRIBLE_PROGRESS")
    assert progress_wanted()
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert not progress_wanted()
    monkeypatch.setenv("CRIBLE_PROGRESS", "1")
    assert progress_wanted()  # on where there is no terminal (a log)
