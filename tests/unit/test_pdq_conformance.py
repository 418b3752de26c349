"""PDQ conformance against the reference hashes in tests/data/vectors/pdq/expected.

Lists made with a PIL + pdqhash stack (or Java ImageIO) must match exactly; lists from other
decoders or ports (C++ with CImg/ImageMagick, pure Python, PHP, WASM) within 16 bits, each
distance printed (``pytest -s`` shows them). See vectors/pdq/README.md for where each list
comes from.

The lists are kept verbatim. Rows naming a file that tests/data does not hold are left out
when the tests are collected, through one table (``NOT_HERE``) that gives each file's reason;
``test_left_out_files_are_really_absent`` checks that each of them is absent (adding a file
back brings its rows back) and that as many rows are left out as the README says. Nothing
here is skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from PIL import Image

from crible.model.signals import DIHEDRAL_VARIANTS, PdqHash
from crible.signals.pdq import hamming, pdq_from_bytes, pdq_from_path
from tests.conftest import DATA

VECTORS = DATA / "vectors" / "pdq"
EXPECTED = VECTORS / "expected"
CLOSE_ENOUGH = 16
"""Bits two decoders' hashes of the same picture may differ by (pdq/python's own tests use 16)."""

ALIASES = {"misc-images/b.jpg": "bridge-mods/aaa-orig.jpg"}
"""b.jpg was deleted upstream; README.md: it is the same blob as bridge-mods/aaa-orig.jpg."""

TMK_VIDEOS = "../../../../../tmk/sample-videos/"
"""Where PDQMD5TestData.csv names the TMK sample videos, whose copies are in ../vpdq."""
VIDEOS_HERE = "../vpdq/sample-videos/"

OVER_2_MB = "over 2 MB, so not copied into tests/data"
NOT_UPSTREAM = "missing from the upstream snapshot tests/data was copied from"
NOT_HERE = {
    "reg-test-input/exif-rotn/exif-rotn-1.jpg": OVER_2_MB,
    "reg-test-input/exif-rotn/exif-rotn-3.jpg": OVER_2_MB,
    "reg-test-input/exif-rotn/exif-rotn-6.jpg": OVER_2_MB,
    "reg-test-input/exif-rotn/exif-rotn-8.jpg": OVER_2_MB,
    "misc-images/modes/RGBA.png": OVER_2_MB,
    "misc-images/modes/LAB.tiff": NOT_UPSTREAM,
    f"{VIDEOS_HERE}chair-19-sd-bar.mp4": OVER_2_MB,
    f"{VIDEOS_HERE}chair-orig-22-fhd-no-bar.mp4": NOT_UPSTREAM,
}
"""Files the lists name that tests/data does not hold (paths relative to vectors/pdq), with
the reason (README.md). Their rows are left out at collection, not skipped."""

Row = TypeVar("Row")
LEFT_OUT: list[str] = []
"""The ids of the rows left out because their file is in NOT_HERE and absent."""

if not EXPECTED.is_dir():
    raise FileNotFoundError(f"{EXPECTED} is missing: the PDQ conformance tests need it")


@dataclass(frozen=True)
class Case:
    """One expected hash: the list it comes from, the path as written there, the hash."""

    listing: str
    path: str
    expected: str
    quality: int | None = None

    @property
    def id(self) -> str:
        return f"{self.listing}:{self.path}"

    @property
    def is_md5(self) -> bool:
        """PDQMD5TestData.csv also lists the MD5 of two TMK sample videos."""
        return len(self.expected) == 32


def read_listing(name: str) -> list[dict[str, str]]:
    """The rows of an expected-hash CSV, its '#' comment lines left out."""
    lines = (EXPECTED / name).read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(line for line in lines if line and not line.startswith("#")))


def cases(name: str, base: str = "", strip: str = "") -> list[Case]:
    """The cases of a CSV with hash and path columns (any capitalisation)."""
    found = []
    for row in read_listing(name):
        fields = {key.lower(): value for key, value in row.items()}
        path = fields.get("path") or fields["filepath"]
        quality = fields.get("quality") or None
        relative = base + path.removeprefix(strip).replace(TMK_VIDEOS, VIDEOS_HERE)
        found.append(Case(name, relative, fields["hash"], int(quality) if quality else None))
    return found


def is_here(relative: str) -> bool:
    """Whether a listed file is in tests/data; only files of NOT_HERE may be absent."""
    if (VECTORS / ALIASES.get(relative, relative)).is_file():
        return True
    assert relative in NOT_HERE, f"{relative} is listed but missing, with no known reason"
    return False


def present(rows: list[Row], path: Callable[[Row], str], name: Callable[[Row], str]) -> list[Row]:
    """The rows whose file is here; the ids of the others go to LEFT_OUT."""
    kept = []
    for row in rows:
        if is_here(path(row)):
            kept.append(row)
        else:
            LEFT_OUT.append(name(row))
    return kept


def local_file(relative: str) -> Path:
    """The file in tests/data that a listed path names."""
    path = VECTORS / ALIASES.get(relative, relative)
    assert path.is_file(), f"{path} is listed but missing"
    return path


@cache
def crible_pdq(path: Path) -> PdqHash:
    """crible's exact PDQ of a shared file (cached: several lists name the same files)."""
    return pdq_from_path(path)


def assert_close(case: Case, got: str) -> None:
    """Print the distance, then require it to be at most CLOSE_ENOUGH."""
    distance = hamming(case.expected, got)
    print(f"{case.id}: distance {distance}")
    assert distance <= CLOSE_ENOUGH, (
        f"{case.id}: distance {distance} > {CLOSE_ENOUGH} (expected {case.expected}, got {got})"
    )


def cases_here(listed: list[Case]) -> list[Case]:
    """The cases whose file is here (the others are recorded in LEFT_OUT)."""
    return present(listed, lambda case: case.path, lambda case: case.id)


EXACT_CASES = cases_here(
    [
        *cases("pytx_tests.csv"),
        *cases("java_PDQHasherTest.csv"),
    ]
)
CLOSE_CASES = cases_here(
    [
        *cases("cpp_pdq-photo-hasher_reg-test-input.csv", base="reg-test-input/"),
        *cases("purepython_README_bridge-mods.csv"),
        *cases("purepython_pdqhashing_tests.csv"),
        *cases("php_README.csv"),
        *cases("PDQMD5TestData.csv", strip="../../../../data/"),
    ]
)


def test_lists_are_all_read() -> None:
    """Every list is parsed into cases: a renamed column fails here, not as zero tests."""
    assert len(EXACT_CASES) == 4 + 2
    # C++ 20 rows (4 exif-rotn left out), pure Python 12 and 19, PHP 1, WASM 18 (2 videos out)
    assert len(CLOSE_CASES) == (20 - 4) + 12 + 19 + 1 + (18 - 2)


def test_left_out_files_are_really_absent() -> None:
    """Each file of NOT_HERE is absent (else its rows must come back), each left-out row names
    one, and vectors/pdq/README.md states how many rows are left out."""
    for relative in NOT_HERE:
        assert not (VECTORS / relative).exists(), f"{relative} is here now: drop it from NOT_HERE"
    assert all(row.split(":", 1)[1] in NOT_HERE for row in LEFT_OUT), LEFT_OUT
    assert len(set(LEFT_OUT)) == len(LEFT_OUT) == len(NOT_HERE), LEFT_OUT
    stated = re.search(r"leaves out (\d+) rows", (VECTORS / "README.md").read_text())
    assert stated, "vectors/pdq/README.md does not say how many rows are left out"
    assert len(LEFT_OUT) == int(stated.group(1))


def test_b_jpg_alias_is_the_same_file() -> None:
    """The files README.md says are one blob are byte-identical, so aliasing b.jpg is sound."""
    same = [
        "bridge-mods/aaa-orig.jpg",
        "misc-images/modes/original.jpg",
        "reg-test-input/dih/bridge-1-original.jpg",
        "pytx-test-resources/sample-b.jpg",
    ]
    digests = {hashlib.sha256((VECTORS / name).read_bytes()).hexdigest() for name in same}
    assert len(digests) == 1


@pytest.mark.parametrize("case", EXACT_CASES, ids=lambda case: case.id)
def test_pil_stack_lists_match_exactly(case: Case) -> None:
    """PIL + pdqhash (python-threatexchange) and Java ImageIO hashes are reproduced bit for bit."""
    got = crible_pdq(local_file(case.path))
    print(f"{case.id}: distance {hamming(case.expected, got.value)}")
    assert got.value == case.expected
    if case.quality is not None:
        assert got.quality == case.quality


def test_java_bridge_distance() -> None:
    """PDQHasherTest.java also asserts 120 bits between the original and the 90° rotation."""
    original = crible_pdq(VECTORS / "reg-test-input/dih/bridge-1-original.jpg")
    rotated = crible_pdq(VECTORS / "reg-test-input/dih/bridge-2-rotate-90.jpg")
    assert hamming(original.value, rotated.value) == 120


@pytest.mark.parametrize("case", CLOSE_CASES, ids=lambda case: case.id)
def test_other_decoders_within_16_bits(case: Case) -> None:
    """C++, pure-Python, PHP and WASM hashes are within 16 bits of crible's (the WASM list's
    MD5 rows, of videos, must be equal)."""
    path = local_file(case.path)
    if case.is_md5:
        assert hashlib.md5(path.read_bytes()).hexdigest() == case.expected
        return
    assert_close(case, crible_pdq(path).value)


def signal_examples() -> list[str]:
    """The hashes of pytx_signal_examples.txt, in order."""
    lines = (EXPECTED / "pytx_signal_examples.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


LOGO_EXAMPLES = 2
"""Examples 15-16 hash GitHub's invertocat and octocat logos, images that neither upstream's
test data nor tests/data holds: counted here, checked by no test (README.md)."""


def test_signal_examples_count() -> None:
    """12 bridge-mods and 2 misc-images, each checked below, and the 2 logos left out."""
    assert len(signal_examples()) == 12 + 2 + LOGO_EXAMPLES


def test_signal_examples_bridge_mods_as_a_set() -> None:
    """The first 12 examples, labelled only 'bridge-mods', are exactly the 12 files' hashes."""
    files = sorted((VECTORS / "bridge-mods").glob("*.jpg"))
    assert len(files) == 12
    ours = {crible_pdq(path).value for path in files}
    assert ours == set(signal_examples()[:12])


@pytest.mark.parametrize("name", sorted(p.name for p in (VECTORS / "bridge-mods").glob("*.jpg")))
def test_signal_examples_each_bridge_mod(name: str) -> None:
    """Each bridge-mods file's hash is one of the first 12 examples."""
    assert crible_pdq(VECTORS / "bridge-mods" / name).value in signal_examples()[:12]


def test_signal_examples_misc_images() -> None:
    """Examples 13-14, labelled only 'misc-images', are the exact hashes of two of its files."""
    ours = {crible_pdq(path).value for path in (VECTORS / "misc-images").glob("*.*")}
    assert set(signal_examples()[12:14]) <= ours


ROTATIONS = [
    (row["rotation"], row["hash"], row["path"]) for row in read_listing("pytx_rotations_LA.csv")
]
PYTX_ROTATE = {
    "ORIGINAL": lambda image: image,
    "ROTATE90": lambda image: image.rotate(90, expand=True),
    "ROTATE180": lambda image: image.rotate(180, expand=True),
    "ROTATE270": lambda image: image.rotate(270, expand=True),
    "FLIPX": lambda image: image.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    "FLIPY": lambda image: image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "FLIPPLUS1": lambda image: image.transpose(Image.Transpose.ROTATE_270).transpose(
        Image.Transpose.FLIP_LEFT_RIGHT
    ),
    "FLIPMINUS1": lambda image: image.transpose(Image.Transpose.ROTATE_90).transpose(
        Image.Transpose.FLIP_LEFT_RIGHT
    ),
}
"""python-threatexchange's PhotoContent rotations: Pillow transforms, re-saved as PNG."""


@pytest.mark.parametrize(("rotation", "expected", "path"), ROTATIONS, ids=[r[0] for r in ROTATIONS])
def test_rotations_of_the_image_match_exactly(rotation: str, expected: str, path: str) -> None:
    """Rotating LA.png with Pillow as pytx does, then hashing with crible, gives pytx's hash."""
    with Image.open(local_file(path)) as image:
        buffer = io.BytesIO()
        PYTX_ROTATE[rotation](image).save(buffer, format="PNG")
    got = pdq_from_bytes(buffer.getvalue(), dihedral=False).value
    print(f"pytx_rotations_LA.csv:{rotation}: distance {hamming(expected, got)}")
    assert got == expected


VARIANT_OF = {
    "ORIGINAL": "original",
    "ROTATE90": "rotate90",
    "ROTATE180": "rotate180",
    "ROTATE270": "rotate270",
    "FLIPX": "flip_x",
    "FLIPY": "flip_y",
    "FLIPPLUS1": "flip_plus1",
    "FLIPMINUS1": "flip_minus1",
}
# LA.png is 256x256 pure noise. pdqhash derives the variants from the DCT of the original,
# whose 64x64 sampling grid (every 4th pixel from the 2nd) is not symmetric under six of the
# transforms: the rotated image is sampled one pixel off, which on noise changes about half
# the bits (64-92 here). Symmetric sizes give exact variants (tests/unit/test_signals.py) and
# photos stay close (test_dihedral_variants_of_the_bridge below).
SAMPLING_SHIFT = "pure noise, and this transform shifts PDQ's sampling grid by one pixel"


def rotation_variant_params() -> list[object]:
    """ORIGINAL and FLIPPLUS1 (a transpose) keep the sampling grid; the six others do not."""
    params: list[object] = []
    for rotation, expected, path in ROTATIONS:
        marks = []
        if rotation not in ("ORIGINAL", "FLIPPLUS1"):
            marks.append(pytest.mark.xfail(reason=SAMPLING_SHIFT, strict=True))
        params.append(pytest.param(rotation, expected, path, marks=marks, id=rotation))
    return params


@pytest.mark.parametrize(("rotation", "expected", "path"), rotation_variant_params())
def test_rotations_as_dihedral_variants(rotation: str, expected: str, path: str) -> None:
    """crible's dihedral variant of LA.png against pytx's hash of the rotated image."""
    variants = crible_pdq(local_file(path)).variants
    got = variants[DIHEDRAL_VARIANTS.index(VARIANT_OF[rotation])]
    print(f"pytx_rotations_LA.csv:{rotation} as variant: distance {hamming(expected, got)}")
    assert got == expected


CPP_LIST = "cpp_pdq-photo-hasher_reg-test-input.csv"
DIH_FILES = [
    "bridge-1-original.jpg",
    "bridge-2-rotate-90.jpg",
    "bridge-3-rotate-180.jpg",
    "bridge-4-rotate-270.jpg",
    "bridge-5-flipx.jpg",
    "bridge-6-flipy.jpg",
    "bridge-7-flip-plus-1.jpg",
    "bridge-8-flip-minus-1.jpg",
]


@pytest.mark.parametrize(("variant", "name"), list(zip(DIHEDRAL_VARIANTS, DIH_FILES, strict=True)))
def test_dihedral_variants_of_the_bridge(variant: str, name: str) -> None:
    """Each variant of bridge-1 is within 16 bits of the C++ hash of the transformed file."""
    expected = {case.path: case.expected for case in cases(CPP_LIST, base="reg-test-input/")}
    variants = crible_pdq(VECTORS / "reg-test-input/dih/bridge-1-original.jpg").variants
    case = Case(f"bridge-1 {variant} vs C++", name, expected[f"reg-test-input/dih/{name}"])
    assert_close(case, variants[DIHEDRAL_VARIANTS.index(variant)])


MODES = present(
    sorted(
        {path.name for path in (VECTORS / "misc-images/modes").iterdir() if path.suffix != ".md"}
        | {"RGBA.png", "LAB.tiff"}  # upstream's modes/ also names these two
    ),
    lambda name: f"misc-images/modes/{name}",
    lambda name: f"misc-images/modes:misc-images/modes/{name}",
)


@pytest.mark.parametrize("name", MODES)
def test_image_modes_hash_like_the_original(name: str) -> None:
    """Each Pillow mode of the bridge (1, L, P, CMYK, F, ...) hashes within 16 bits of it."""
    path = local_file(f"misc-images/modes/{name}")
    original = crible_pdq(VECTORS / "misc-images/modes/original.jpg").value
    assert_close(Case("misc-images/modes", name, original), crible_pdq(path).value)


PYTX_BLACK_THRESHOLD = 15
"""python-threatexchange's default ``--black-threshold`` for ``--photo-preprocess=unletterbox``."""
UNLETTERBOX = read_listing("pytx_unletterbox.csv")


def unletterbox(path: Path, threshold: int) -> bytes:
    """python-threatexchange's unletterbox step, written again from its description: drop the
    outer rows and columns whose every pixel is black (R, G and B each at most ``threshold``),
    then save the crop in the source's format (re-encoded, as pytx does)."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"))
        content = ~np.all(rgb <= threshold, axis=2)
        rows, columns = (
            np.flatnonzero(np.any(content, axis=1)),
            np.flatnonzero(np.any(content, axis=0)),
        )
        box = (int(columns[0]), int(rows[0]), int(columns[-1]) + 1, int(rows[-1]) + 1)
        buffer = io.BytesIO()
        image.crop(box).save(buffer, format=image.format)
    return buffer.getvalue()


@pytest.mark.parametrize("row", UNLETTERBOX, ids=[row["cli_args"] for row in UNLETTERBOX])
def test_unletterboxed_picture_matches_exactly(row: dict[str, str]) -> None:
    """pytx_unletterbox.csv hashes the letterboxed bridge after pytx's unletterbox step; that
    step redone here, then crible's PDQ of the result, gives pytx's hash bit for bit."""
    threshold = re.search(r"--black-threshold=(\d+)", row["cli_args"])
    path = local_file(row["path"])
    cropped = unletterbox(path, int(threshold.group(1)) if threshold else PYTX_BLACK_THRESHOLD)
    got = pdq_from_bytes(cropped, dihedral=False).value
    print(f"pytx_unletterbox.csv:{row['cli_args']}: distance {hamming(row['hash'], got)}")
    assert got == row["hash"]
    assert hamming(crible_pdq(path).value, row["hash"]) > CLOSE_ENOUGH  # the border matters


def test_grey_bridge_keeps_the_hash() -> None:
    """PDQHasherTest.java: the greyscale bridge hashes like the colour one (distance 0)."""
    with Image.open(VECTORS / "bridge-mods/aaa-orig.jpg") as image:
        grey = np.asarray(image.convert("L"))
    buffer = io.BytesIO()
    Image.fromarray(np.stack([grey] * 3, axis=-1)).save(buffer, format="PNG")
    colour = crible_pdq(VECTORS / "bridge-mods/aaa-orig.jpg").value
    got = pdq_from_bytes(buffer.getvalue()).value
    print(f"grey bridge: distance {hamming(colour, got)}")
    assert got == colour
