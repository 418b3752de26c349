"""The media walker and opener on real files: folders, links, special files, hostile zips."""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import pwd
import signal
import socket
import zipfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import chdir
from itertools import islice
from pathlib import Path

import pytest
from PIL import Image

from crible.model.errors import MediaError
from crible.model.media import MediaLocation, RejectedMedia
from crible.sources import open_location, walk

Found = MediaLocation | RejectedMedia


class Blocked(Exception):  # not an OSError (as TimeoutError is), which the walker reports
    """The code under test blocked or ran for too long."""


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail the test, rather than hang the run, when something blocks for 20 seconds."""

    def give_up(signum: int, frame: object) -> None:
        raise Blocked("the walker or opener waited on something, or walked for too long")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def write(path: Path, data: bytes = b"content") -> Path:
    """Write ``data`` at ``path``, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write a zip archive of ``entries`` (names as given, however hostile)."""
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def by_key(found: list[Found]) -> dict[bytes, Found]:
    """The walk's results by key; a key seen twice fails the test."""
    keys = [item.key for item in found]
    assert len(keys) == len(set(keys)), keys
    return {item.key: item for item in found}


def codes(found: list[Found]) -> dict[bytes, str]:
    """The code of each rejection by key, ``ok`` for each location."""
    return {f.key: f.code if isinstance(f, RejectedMedia) else "ok" for f in found}


def read(loc: Found, max_bytes: int = 10**9) -> bytes:
    """All the bytes at a location."""
    assert isinstance(loc, MediaLocation), loc
    with open_location(loc, max_bytes=max_bytes) as stream:
        return stream.read()


def png_bytes() -> bytes:
    """A small generated PNG picture."""
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


# --- folders, order, names ------------------------------------------------------------------


def test_folders_are_walked_depth_first_sorted_by_bytes_name(tmp_path: Path) -> None:
    for name in ["b.jpg", "a.txt", "a/z.jpg", "_.jpg", "a/b/c.jpg", "A.jpg", "é.jpg"]:
        write(tmp_path / name)
    keys = [f.key for f in walk([tmp_path])]
    expected = ["A.jpg", "_.jpg", "a/b/c.jpg", "a/z.jpg", "a.txt", "b.jpg", "é.jpg"]
    assert keys == [os.fsencode(tmp_path / name) for name in expected]
    assert [f.key for f in islice(walk([tmp_path]), 3)] == keys[:3]


def test_locations_of_plain_files_carry_path_and_size(tmp_path: Path) -> None:
    write(tmp_path / "one.jpg", b"12345")
    [found] = walk([str(tmp_path)])
    path = os.fsencode(tmp_path / "one.jpg")
    assert found == MediaLocation(key=path, display=str(tmp_path / "one.jpg"), fs_path=path, size=5)
    assert read(found) == b"12345"


def test_name_that_is_not_utf8_is_found_and_keyed_exactly(tmp_path: Path) -> None:
    path = os.fsencode(tmp_path) + b"/caf\xe9.jpg"
    with open(path, "wb") as out:
        out.write(b"bytes of a picture")
    [found] = walk([os.fsencode(tmp_path)])
    assert isinstance(found, MediaLocation)
    assert found.key == found.fs_path == path
    assert found.display == str(tmp_path) + "/caf\\xe9.jpg"
    assert read(found) == b"bytes of a picture"


def test_control_characters_in_names_are_escaped_in_display_only(tmp_path: Path) -> None:
    path = write(tmp_path / "a\x1b[2Jb\u202egpj.exe")
    [found] = walk([tmp_path])
    assert found.key == os.fsencode(path)
    assert found.display.endswith("a\\x1b[2Jb\\u202egpj.exe")


def test_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    deep = tmp_path
    for _ in range(1200):  # deeper than Python's recursion limit, shorter than PATH_MAX
        deep = deep / "d"
        deep.mkdir()
    (deep / "bottom.jpg").write_bytes(b"content")
    try:
        assert [f.key for f in walk([tmp_path])] == [os.fsencode(deep / "bottom.jpg")]
    finally:  # pytest removes old temporary folders with a recursive rmtree: leave it a flat one
        (deep / "bottom.jpg").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_missing_root_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "here.jpg")
    found = list(walk([tmp_path / "absent", tmp_path / "here.jpg", tmp_path / "x.jpg" / "y"]))
    assert [f.code if isinstance(f, RejectedMedia) else "ok" for f in found] == [
        "missing",
        "ok",
        "missing",
    ]


# --- links and special files ----------------------------------------------------------------


def test_symlink_loop_is_reported_once_and_the_walk_ends(tmp_path: Path, no_hang: None) -> None:
    write(tmp_path / "d" / "in.jpg")
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    (tmp_path / "d" / "up").symlink_to("..")
    (tmp_path / "self").symlink_to(tmp_path / "self")
    found = codes(list(walk([tmp_path])))
    assert found == {
        os.fsencode(tmp_path / "d" / "in.jpg"): "ok",
        os.fsencode(tmp_path / "d" / "loop"): "symlink_loop",
        os.fsencode(tmp_path / "d" / "up"): "symlink_loop",
        os.fsencode(tmp_path / "self"): "symlink_loop",
    }


def test_links_to_a_folder_walk_it_once(tmp_path: Path, no_hang: None) -> None:
    for level in range(30):  # two links a level: 2**30 paths if folders were walked again
        (tmp_path / f"l{level}").mkdir()
        if level:
            (tmp_path / f"l{level - 1}" / "x").symlink_to(tmp_path / f"l{level}")
            (tmp_path / f"l{level - 1}" / "y").symlink_to(tmp_path / f"l{level}")
    write(tmp_path / "l29" / "leaf.jpg")
    found = list(walk([tmp_path / "l0"]))
    assert sum(isinstance(f, MediaLocation) for f in found) == 1
    assert sum(f.code == "already_walked" for f in found if isinstance(f, RejectedMedia)) == 29


def test_followed_link_to_a_file_is_keyed_by_the_link(tmp_path: Path) -> None:
    write(tmp_path / "target" / "real.jpg", b"abc")
    (tmp_path / "walked").mkdir()
    (tmp_path / "walked" / "link.jpg").symlink_to(tmp_path / "target" / "real.jpg")
    [found] = walk([tmp_path / "walked"])
    assert found.key == os.fsencode(tmp_path / "walked" / "link.jpg")
    assert read(found) == b"abc"
    [skipped] = walk([tmp_path / "walked"], follow_symlinks=False)
    assert isinstance(skipped, RejectedMedia) and skipped.code == "not_a_file"


def test_broken_symlink_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "gone.jpg")
    for found in (list(walk([tmp_path])), list(walk([tmp_path / "dangling.jpg"]))):
        [rejected] = found
        assert isinstance(rejected, RejectedMedia)
        assert (rejected.code, rejected.key) == (
            "unreadable",
            os.fsencode(tmp_path / "dangling.jpg"),
        )
        assert "broken symbolic link" in rejected.reason


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    write(tmp_path / "empty.jpg", b"")
    assert codes(list(walk([tmp_path]))) == {os.fsencode(tmp_path / "empty.jpg"): "empty"}


def test_file_over_the_cap_is_too_large_and_one_at_the_cap_is_not(tmp_path: Path) -> None:
    write(tmp_path / "at.jpg", b"x" * 10)
    write(tmp_path / "over.jpg", b"x" * 11)
    found = codes(list(walk([tmp_path], max_file_bytes=10)))
    assert found == {
        os.fsencode(tmp_path / "at.jpg"): "ok",
        os.fsencode(tmp_path / "over.jpg"): "too_large",
    }


def test_fifo_and_socket_are_not_files_and_never_opened(tmp_path: Path, no_hang: None) -> None:
    os.mkfifo(tmp_path / "pipe")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        found = list(walk([tmp_path]))
    assert codes(found) == {os.fsencode(tmp_path / n): "not_a_file" for n in ("pipe", "sock")}
    pipe = MediaLocation(os.fsencode(tmp_path / "pipe"), "pipe", os.fsencode(tmp_path / "pipe"))
    with pytest.raises(MediaError, match="not a regular file"):
        read(pipe)


def _walk_unprivileged(top: Path) -> list[Found]:
    """Walk ``.`` in ``top`` as a user the permissions hold for: ourselves, or nobody if root."""
    if os.geteuid() != 0:
        with chdir(top):
            return list(walk([b"."]))
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root and there is no 'nobody' user to drop privileges to")
    top.chmod(0o755)  # the child looks names up from inside top; its parents may be closed
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            os.close(reader)
            os.chdir(top)
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            with os.fdopen(writer, "wb") as out:
                out.write(pickle.dumps(list(walk([b"."]))))
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as result:
        data = result.read()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    found: list[Found] = pickle.loads(data)
    return found


def test_unreadable_file_and_folder_are_reported_with_the_os_message(tmp_path: Path) -> None:
    top = tmp_path / "top"
    write(top / "ok.jpg").chmod(0o644)
    write(top / "locked.jpg").chmod(0o000)
    write(top / "closed" / "inside.jpg").chmod(0o644)
    (top / "closed").chmod(0o000)
    try:
        found = by_key(_walk_unprivileged(top))
    finally:
        (top / "closed").chmod(0o755)
    assert codes(list(found.values())) == {
        b"./closed": "unreadable",
        b"./locked.jpg": "unreadable",
        b"./ok.jpg": "ok",
    }
    reasons = {f.reason for f in found.values() if isinstance(f, RejectedMedia)}
    assert reasons == {"Permission denied"}


# --- zip archives ---------------------------------------------------------------------------


def test_zip_is_yielded_itself_then_its_entries(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pack.zip", {"a.jpg": b"first", "dir/": b"", "dir/b.jpg": b"2"})
    found = list(walk([tmp_path]))
    base = os.fsencode(archive)
    assert [f.key for f in found] == [base, base + b"!/a.jpg", base + b"!/dir/b.jpg"]
    entry = found[1]
    assert entry == MediaLocation(base + b"!/a.jpg", f"{archive}!/a.jpg", base, "a.jpg", 5)
    assert read(entry) == b"first" and read(found[2]) == b"2"


def test_zip_is_found_by_content_not_by_extension(tmp_path: Path) -> None:
    make_zip(tmp_path / "holiday.bin", {"a.jpg": b"one"})
    appended = make_zip(tmp_path / "appended.zip", {"hidden.jpg": b"two"}).read_bytes()
    (tmp_path / "appended.zip").unlink()
    write(tmp_path / "picture.png", png_bytes() + appended)  # a picture with a zip after it
    entries = [f for f in walk([tmp_path]) if isinstance(f, MediaLocation) and f.member]
    assert [(Path(os.fsdecode(e.fs_path)).name, e.member) for e in entries] == [
        ("holiday.bin", "a.jpg"),
        ("picture.png", "hidden.jpg"),
    ]
    assert [read(e) for e in entries] == [b"one", b"two"]


def test_entry_names_that_leave_the_archive_are_unsafe(tmp_path: Path) -> None:
    names = {
        "../evil.txt": "unsafe_path",
        "/abs.txt": "unsafe_path",
        "a/../../x": "unsafe_path",
        "C:/windows.txt": "unsafe_path",
        "..\\evil2.txt": "unsafe_path",
        "a\\..\\..\\x2": "unsafe_path",
        "\\\\server\\share.txt": "unsafe_path",
        "../up/": "unsafe_path",
        "a/../inside.txt": "ok",
        "dir\\inside.txt": "ok",
    }
    archive = make_zip(tmp_path / "names.zip", dict.fromkeys(names, b"data"))
    found = codes(list(walk([archive])))
    base = os.fsencode(archive) + b"!/"
    assert found == {os.fsencode(archive): "ok"} | {base + n.encode(): c for n, c in names.items()}


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_entry_problems_are_each_reported(tmp_path: Path) -> None:
    archive = tmp_path / "odd.zip"
    make_zip(archive, {"same.jpg": b"older", "empty.jpg": b"", "big.jpg": b"0" * 5000})
    with zipfile.ZipFile(archive, "a") as out:
        out.writestr(zipfile.ZipInfo("folder/"), b"data in a folder entry")
        out.writestr("same.jpg", b"newer")
    found = by_key(list(walk([archive], max_file_bytes=1000)))
    base = os.fsencode(archive) + b"!/"
    assert codes(list(found.values())) == {
        os.fsencode(archive): "ok",
        base + b"same.jpg\x000": "duplicate_entry",
        base + b"empty.jpg": "empty",
        base + b"big.jpg": "too_large",
        base + b"folder/": "not_a_file",
        base + b"same.jpg": "ok",
    }
    assert read(found[base + b"same.jpg"]) == b"newer"


def test_entries_of_an_archive_over_the_cap_are_still_listed(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "large.zip", {"small.jpg": b"tiny"}, zipfile.ZIP_STORED)
    found = codes(list(walk([archive], max_file_bytes=50)))
    assert found == {os.fsencode(archive): "too_large", os.fsencode(archive) + b"!/small.jpg": "ok"}


def _patch(path: Path, signature: bytes, offset: int, value: bytes) -> None:
    """Overwrite bytes at ``offset`` in every header that starts with ``signature``."""
    data = bytearray(path.read_bytes())
    start = data.find(signature)
    while start >= 0:
        data[start + offset : start + offset + len(value)] = value
        start = data.find(signature, start + 1)
    path.write_bytes(bytes(data))


def test_encrypted_entry_is_reported_and_not_opened(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "locked.zip", {"secret.jpg": b"ciphertext"}, zipfile.ZIP_STORED)
    _patch(archive, b"PK\x03\x04", 6, b"\x01\x00")  # general purpose flags, local header
    _patch(archive, b"PK\x01\x02", 8, b"\x01\x00")  # and central directory
    found = codes(list(walk([archive])))
    assert found[os.fsencode(archive) + b"!/secret.jpg"] == "encrypted"
    entry = MediaLocation(b"k", "locked.zip!/secret.jpg", os.fsencode(archive), "secret.jpg")
    with pytest.raises(MediaError, match="encrypted"):
        read(entry)


def test_truncated_zip_is_a_corrupt_archive(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "cut.zip", {"a.jpg": os.urandom(3000), "b.jpg": b"b" * 100})
    archive.write_bytes(archive.read_bytes()[:2000])
    found = codes(list(walk([archive])))
    base = os.fsencode(archive)
    assert found == {base: "ok", base + b"!/": "corrupt_archive"}


def test_appended_data_that_only_looks_like_a_zip_end_is_a_plain_file(tmp_path: Path) -> None:
    path = write(tmp_path / "noise.jpg", os.urandom(500) + b"PK\x05\x06" + b"\xff" * 18)
    assert codes(list(walk([path]))) == {os.fsencode(path): "ok"}


def test_highly_compressible_entry_stops_at_max_bytes(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(50_000_000)})
    [_, entry] = walk([archive])
    assert isinstance(entry, MediaLocation)
    with open_location(entry, max_bytes=100_000) as stream:
        assert stream.read(100_000) == bytes(100_000)
        with pytest.raises(MediaError, match="more than 100000 bytes") as error:
            stream.read()
    assert error.value.source == entry.display
    assert len(read(entry, max_bytes=50_000_000)) == 50_000_000  # exactly at the cap is fine


def test_entry_that_lies_about_its_size_is_an_error(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "liar.zip", {"zeros.bin": bytes(1_000_000)})
    _patch(archive, b"PK\x03\x04", 22, (10).to_bytes(4, "little"))  # uncompressed size
    _patch(archive, b"PK\x01\x02", 24, (10).to_bytes(4, "little"))
    [_, entry] = walk([archive])
    assert isinstance(entry, MediaLocation) and entry.size == 10
    with pytest.raises(MediaError, match="CRC") as error:
        read(entry)
    assert str(error.value).startswith(entry.display)


def test_damaged_compressed_data_is_a_media_error_naming_the_entry(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "damaged.zip", {"a.txt": os.urandom(2000).hex().encode()})
    data = bytearray(archive.read_bytes())
    data[40:140] = b"\xff" * 100  # inside the deflate stream of the only entry
    archive.write_bytes(bytes(data))
    [_, entry] = walk([archive])
    with pytest.raises(MediaError) as error:
        read(entry)
    assert error.value.source == f"{archive}!/a.txt"


# --- opening --------------------------------------------------------------------------------


def test_plain_file_is_capped_at_max_bytes(tmp_path: Path) -> None:
    [found] = walk([write(tmp_path / "f.jpg", b"x" * 100)])
    assert read(found, max_bytes=100) == b"x" * 100
    with pytest.raises(MediaError, match="more than 99 bytes"):
        read(found, max_bytes=99)


def test_missing_file_is_a_media_error(tmp_path: Path) -> None:
    path = os.fsencode(tmp_path / "gone.jpg")
    with pytest.raises(MediaError, match="No such file"):
        read(MediaLocation(path, "gone.jpg", path, size=3))


def test_picture_in_a_zip_can_be_decoded_through_the_stream(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pics.zip", {"p.png": png_bytes()})
    [_, entry] = walk([archive])
    assert isinstance(entry, MediaLocation)
    with open_location(entry, max_bytes=10**6) as stream, Image.open(stream) as picture:
        assert picture.size == (32, 24)
        picture.load()


def test_archive_rewritten_on_disk_is_read_again(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "v.zip", {"a.jpg": b"version one"})
    [_, entry] = walk([archive])
    assert read(entry) == b"version one"
    make_zip(archive, {"a.jpg": b"version two, longer"})
    [_, entry] = walk([archive])
    assert read(entry) == b"version two, longer"


def _read_in_worker(loc: MediaLocation) -> bytes:
    with open_location(loc, max_bytes=1000) as stream:
        return stream.read()


def test_locations_are_opened_in_worker_processes(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "w.zip", {f"{n}.jpg": f"entry {n}".encode() for n in range(6)})
    entries = [f for f in walk([archive]) if isinstance(f, MediaLocation)]
    assert read(entries[1]) == b"entry 0"  # this process now holds the archive open
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        results = list(pool.map(_read_in_worker, [pickle.loads(pickle.dumps(e)) for e in entries]))
    assert results[0] == (tmp_path / "w.zip").read_bytes()
    assert results[1:] == [f"entry {n}".encode() for n in range(6)]
