"""Hash-list formats: plain, CSV and VICS parsers and exporters, on benign generated hashes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crible.banks import FORMATS, ListFormat, ParseOptions, detect_format
from crible.banks.formats import MAX_LINE_BYTES
from crible.jsonguard import BOM, MAX_DIGITS, DigitGuard, UnreadableJson
from crible.model.banks import Bank, HashEntry, Provenance, RejectedLine
from crible.model.categories import SCHEMES, Category
from crible.model.errors import BadInput, InvalidList
from crible.model.signals import SignalType

MD5 = SignalType.MD5
SHA1 = SignalType.SHA1
SHA256 = SignalType.SHA256
PDQ = SignalType.PDQ
PHOTODNA = SignalType.PHOTODNA

M1 = hashlib.md5(b"crible sample 1").hexdigest()
M2 = hashlib.md5(b"crible sample 2").hexdigest()
S1 = hashlib.sha1(b"crible sample 1").hexdigest()
S2 = hashlib.sha1(b"crible sample 2").hexdigest()
H1 = hashlib.sha256(b"crible sample 1").hexdigest()
P1 = hashlib.sha256(b"crible pdq 1").hexdigest()
DNA = base64.b64encode(hashlib.sha512(b"crible photodna").digest() * 2 + bytes(16)).decode()
BANK = Bank("demo", Provenance(provider="Test unit", list_name="sample", version="3"))

Item = HashEntry | RejectedLine


def read(fmt: str, data: bytes, **options: Any) -> list[Item]:
    """Parse bytes in a format into a list."""
    return list(FORMATS[fmt].parse(io.BytesIO(data), "list.src", ParseOptions(**options)))


def vic(code: str) -> Category:
    return Category("VIC-US", code)


def entries_of(items: list[Item]) -> list[HashEntry]:
    return [i for i in items if isinstance(i, HashEntry)]


def rejections_of(items: list[Item]) -> list[RejectedLine]:
    return [i for i in items if isinstance(i, RejectedLine)]


def export(fmt: str, entries: list[HashEntry]) -> tuple[str, int]:
    out = io.StringIO()
    count = FORMATS[fmt].export(iter(entries), out, BANK)
    return out.getvalue(), count


def without_lines(items: list[HashEntry]) -> Counter[HashEntry]:
    return Counter(replace(e, line=None) for e in items)


# --- registry, options, detection -------------------------------------------------------


def test_registry_names_the_four_formats() -> None:
    assert sorted(FORMATS) == ["csv", "plain", "vics", "vpdq"]
    assert all(isinstance(f, ListFormat) and FORMATS[f.name] is f for f in FORMATS.values())


def test_options_canonicalise_the_scheme_and_check_the_category() -> None:
    options = ParseOptions(scheme="vic-us", category="2")
    assert options.scheme == "VIC-US"
    assert options.default_category() == vic("2")
    with pytest.raises(BadInput, match="needs its scheme"):
        ParseOptions(category="1")
    with pytest.raises(BadInput, match="not in scheme VIC-US"):
        ParseOptions(scheme="VIC-US", category="9")
    with pytest.raises(BadInput, match="unknown category scheme"):
        ParseOptions(scheme="NOPE")


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("list.json", b"", "vics"),
        ("list.bin", b'\xef\xbb\xbf  {"value": []}', "vics"),
        ("list.csv", M1.encode(), "csv"),
        ("list.tsv", b"", "csv"),
        ("list.txt", b"signal_type,signal_value\n", "csv"),
        ("list.txt", b"# made by a tool, version 2\nmd5;hash\n", "csv"),
        ("list.txt", b"hash\tcategory\n", "csv"),
        ("list.txt", f"# a, b\n\n{M1}  # note, with comma\n".encode(), "plain"),
        ("list", b"", "plain"),
        ("list.txt", b"\xff\xfe\x00", "plain"),
    ],
)
def test_detect_format(name: str, head: bytes, expected: str) -> None:
    assert detect_format(Path(name), head) == expected


# --- plain --------------------------------------------------------------------------------


def test_plain_reads_one_hash_a_line_and_skips_blanks_and_comments() -> None:
    data = f"\ufeff# header\n\n  {M1.upper()}  \r\n{S1}\t# trailing note\n   # indented\n{M2}"
    assert read("plain", data.encode()) == [
        HashEntry(MD5, M1, line=3),
        HashEntry(SHA1, S1, line=4),
        HashEntry(MD5, M2, line=6),
    ]


def test_plain_rejects_bad_lines_with_their_numbers_and_keeps_the_rest() -> None:
    data = b"".join(
        [
            f"{M1}\n".encode(),
            b"not-a-hash\n",
            f"{H1}\n".encode(),
            b"abc\xff\xfedef\n",
            f"{M1}#glued\n".encode(),
            f"{S1[:-1]}\n".encode(),
            f"{S1}\n".encode(),
        ]
    )
    items = read("plain", data)
    assert entries_of(items) == [HashEntry(MD5, M1, line=1), HashEntry(SHA1, S1, line=7)]
    assert [(r.line, r.reason) for r in rejections_of(items)] == [
        (2, "not a hex hash: 'not-a-hash'"),
        (3, "64 hex digits may be SHA-256 or PDQ: give the signal type"),
        (4, "not UTF-8 text: byte 0xff at column 4"),
        (5, f"not a hex hash: '{M1}#glued'"),
        (6, "no signal type has 39 hex digits"),
    ]


def test_plain_uses_the_given_type_and_default_category() -> None:
    items = read("plain", f"{P1}\n{M1}\n".encode(), signal_type=PDQ, scheme="CAID", category="b")
    assert items[0] == HashEntry(PDQ, P1, Category("CAID", "B"), line=1)
    assert isinstance(items[1], RejectedLine) and items[1].line == 2
    assert items[1].reason.startswith("not a pdq hash (64 hex digits)")


def test_plain_line_length_limit_is_exact() -> None:
    at_limit = "0" * MAX_LINE_BYTES
    over = "0" * (MAX_LINE_BYTES + 1)
    items = read("plain", f"{at_limit}\r\n{over}\r\n{M1}\n".encode())
    first, second = rejections_of(items)
    assert (first.line, first.reason) == (1, f"no signal type has {MAX_LINE_BYTES} hex digits")
    assert (second.line, second.reason) == (2, f"line longer than {MAX_LINE_BYTES} bytes")
    assert second.text == "0" * 117 + "..."
    assert entries_of(items) == [HashEntry(MD5, M1, line=3)]


class CountingStream(io.BytesIO):
    """A byte stream that remembers the largest piece handed out in one call."""

    largest = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.largest = max(self.largest, len(line))
        return line

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.largest = max(self.largest, len(chunk))
        return chunk


@pytest.mark.parametrize("fmt", ["plain", "csv"])
def test_a_huge_line_is_rejected_without_being_held(fmt: str) -> None:
    header = b"hash\n" if fmt == "csv" else b""
    stream = CountingStream(header + b"f" * 5_000_000 + f"\n{M1}\n".encode())
    items = list(FORMATS[fmt].parse(stream, "big", ParseOptions()))
    first = 2 if fmt == "csv" else 1
    assert [i.line for i in items] == [first, first + 1]
    assert isinstance(items[0], RejectedLine) and items[0].reason.startswith("line longer")
    assert items[1] == HashEntry(MD5, M1, line=first + 1)
    assert stream.largest <= 65536


def test_plain_export_writes_provenance_comments_then_values() -> None:
    text, count = export("plain", [HashEntry(MD5, M1), HashEntry(SHA1, S1, vic("1"))])
    lines = text.splitlines()
    assert count == 2
    assert lines[0] == "# crible hash list, bank demo"
    assert "# provider: Test unit" in lines and "# version: 3" in lines
    assert lines[-2:] == [M1, S1]
    assert all(line.startswith("#") for line in lines[:-2])
    assert entries_of(read("plain", text.encode())) == [
        HashEntry(MD5, M1, line=len(lines) - 1),
        HashEntry(SHA1, S1, line=len(lines)),
    ]


# --- CSV ----------------------------------------------------------------------------------


def test_csv_hma_shape() -> None:
    data = f"signal_type,signal_value\npdq,{P1}\nvideo_md5,{M1}\nMD5,{M2.upper()}\n".encode()
    assert read("csv", data) == [
        HashEntry(PDQ, P1, line=2),
        HashEntry(MD5, M1, line=3),
        HashEntry(MD5, M2, line=4),
    ]


def test_csv_semicolons_with_category_scheme_and_id() -> None:
    data = (
        "# list from a test unit\n"
        "Hash;Type;Category;Scheme;ID\n"
        f"{M1};md5;2;VIC-US;a-1\n"
        "\n"
        f"{S1};;A;caid;\n"
        f"{H1};sha256;;;\n"
    ).encode()
    assert read("csv", data, scheme="VIC-US", category="0") == [
        HashEntry(MD5, M1, vic("2"), "a-1", line=3),
        HashEntry(SHA1, S1, Category("CAID", "A"), line=5),
        HashEntry(SHA256, H1, vic("0"), line=6),
    ]


def test_csv_tabs_and_columns_named_after_types() -> None:
    data = f'MD5\tSHA1\tcategory\n{M1}\t"{S1}"\t3\n\t{S2}\t\n\t\t4\n'.encode()
    items = read("csv", data, scheme="VIC-US")
    assert items == [
        HashEntry(MD5, M1, vic("3"), line=2),
        HashEntry(SHA1, S1, vic("3"), line=2),
        HashEntry(SHA1, S2, line=3),
        RejectedLine(4, "no hash value in this row", "\t\t4"),
    ]


def test_csv_rejects_bad_rows_with_line_numbers_and_reasons() -> None:
    data = b"".join(
        [
            b"signal_type,signal_value,category\n",
            f"md5,{M1},1\n".encode(),
            f"md5,{M1}\n".encode(),
            f"url,{M1},1\n".encode(),
            b"sha1,xyz,1\n",
            f"md5,{M2},7\n".encode(),
            f',{H1},"1\n'.encode(),
            f",{H1},\n".encode(),
            b"md5,\xe9t\xe9,1\n",
            b"md5,,1\n",
            f"sha1,{S1},\n".encode(),
        ]
    )
    items = read("csv", data, scheme="VIC-US")
    assert entries_of(items) == [
        HashEntry(MD5, M1, vic("1"), line=2),
        HashEntry(SHA1, S1, line=11),
    ]
    reasons = [(r.line, r.reason) for r in rejections_of(items)]
    assert reasons[:3] == [
        (3, "expected 3 fields, found 2"),
        (
            4,
            "unknown signal type 'url' (known: md5, pdq, photo_dna, photodna, sha-1, sha-256, "
            "sha1, sha256, video_md5)",
        ),
        (5, "not a sha1 hash (40 hex digits): 'xyz'"),
    ]
    assert reasons[3] == (6, "category '7' is not in scheme VIC-US (1, 2, 3, 4, 0)")
    assert reasons[4][0] == 7 and reasons[4][1].startswith("bad CSV quoting")
    assert reasons[5] == (8, "64 hex digits may be SHA-256 or PDQ: give the signal type")
    assert reasons[6] == (9, "not UTF-8 text: byte 0xe9 at column 5")
    assert reasons[7] == (10, "no hash value in this row")


def test_csv_category_needs_a_scheme() -> None:
    items = read("csv", f"hash,category\n{M1},1\n".encode())
    assert items == [
        RejectedLine(2, "category '1' has no scheme: add a scheme column or give one", f"{M1},1")
    ]


def test_csv_type_of_the_row_wins_over_the_given_type() -> None:
    data = f"type,hash\nsha256,{H1}\n,{P1}\n".encode()
    assert read("csv", data, signal_type=PDQ) == [
        HashEntry(SHA256, H1, line=2),
        HashEntry(PDQ, P1, line=3),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"alpha,beta\n1,2\n", "list.src:1: no hash column in the header ('alpha', 'beta')"),
        (b"\n# note\nsignal_type\nmd5\n", "list.src:3: no hash column"),
        (b"ha\xffsh\nx\n", "list.src:1: header unreadable: not UTF-8 text"),
        (b'"hash\n', "list.src:1: bad CSV quoting in the header"),
    ],
)
def test_csv_header_without_a_hash_column_makes_the_list_invalid(data: bytes, message: str) -> None:
    with pytest.raises(InvalidList) as caught:
        read("csv", data)
    assert str(caught.value).startswith(message)


def test_csv_without_a_header_is_empty() -> None:
    assert read("csv", b"\n  \n# only a comment\n") == []


def test_csv_export_is_hma_shaped() -> None:
    entries = [
        HashEntry(MD5, M1, vic("1"), "77"),
        HashEntry(PHOTODNA, DNA),
        HashEntry(PDQ, P1, Category("CAID", "A"), 'id, "quoted"'),
    ]
    text, count = export("csv", entries)
    assert count == 3
    assert text.splitlines() == [
        "signal_type,signal_value,category_scheme,category,external_id",
        f"md5,{M1},VIC-US,1,77",
        f"photodna,{DNA},,,",
        f'pdq,{P1},CAID,A,"id, ""quoted"""',
    ]
    assert read("csv", text.encode()) == [replace(e, line=n) for n, e in enumerate(entries, 2)]


# --- VICS ---------------------------------------------------------------------------------

VICS_1 = {
    "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
    "value": [
        {
            "odata.id": "",
            "CaseID": "11",
            "Media": [
                {
                    "MediaID": 1,
                    "Category": "2",
                    "MD5": M1.upper(),
                    "SHA1": None,
                    "MediaSize": 2835,
                    "AlternativeHashes": [
                        {"HashName": "SHA1", "HashValue": S1.upper(), "MD5": M1},
                        {"HashName": "SomeOtherHash", "HashValue": "0011"},
                    ],
                    "MediaFiles": [{"MD5": M1, "FileName": "a.jpg"}],
                },
                {"MediaID": 2, "Category": None, "MD5": M2, "SHA1": "", "Tags": ""},
            ],
        },
        {"CaseID": "12", "Media": []},
    ],
}

VICS_2 = {
    "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
    "value": [
        {"MediaID": 10, "Category": 0, "MD5": M1, "SHA1": S1, "IsPrecategorized": "false"},
        {"MediaID": "x-11", "Category": 4, "SHA256": H1.upper(), "PhotoDNA": DNA},
        {"MediaID": 12, "MD5": M2, "Hashes": [{"hashname": "PDQ", "hashvalue": P1}]},
    ],
}


def dumps(doc: object) -> bytes:
    return json.dumps(doc, indent=1).encode()


def test_vics_1_media_records_in_cases() -> None:
    assert read("vics", dumps(VICS_1), scheme="VIC-US", category="3") == [
        HashEntry(MD5, M1, vic("2"), "1", line=1),
        HashEntry(SHA1, S1, vic("2"), "1", line=1),
        HashEntry(MD5, M2, vic("3"), "2", line=2),
    ]


def test_vics_2_bare_media_records() -> None:
    assert read("vics", b"\xef\xbb\xbf" + dumps(VICS_2)) == [
        HashEntry(MD5, M1, vic("0"), "10", line=1),
        HashEntry(SHA1, S1, vic("0"), "10", line=1),
        HashEntry(SHA256, H1, vic("4"), "x-11", line=2),
        HashEntry(PHOTODNA, DNA, vic("4"), "x-11", line=2),
        HashEntry(MD5, M2, None, "12", line=3),
        HashEntry(PDQ, P1, None, "12", line=3),
    ]


def test_vics_rejects_malformed_records_and_keeps_the_others() -> None:
    records: list[object] = [
        {"MD5": M1, "Category": 1},
        {"MD5": "ZZ" * 16},
        {"MD5": M1, "Category": {}},
        {"MD5": M1, "Category": 7},
        {"MD5": M1, "Category": True},
        {"MD5": M1, "Category": 10**300},
        {"MD5": M1, "MediaID": 1.5},
        {"MD5": M1, "MediaID": 10**40},
        {"MD5": 5},
        {"Category": 1},
        ["not", "an", "object"],
        {"MD5": M1, "AlternativeHashes": {"HashName": "MD5"}},
        {"MD5": M1, "AlternativeHashes": [{"HashName": "SHA1", "HashValue": 5}]},
        {"SHA1": S1, "MD5": M2, "Category": "1"},
    ]
    items = read("vics", dumps({"value": records}))
    assert entries_of(items) == [
        HashEntry(MD5, M1, vic("1"), line=1),
        HashEntry(MD5, M2, vic("1"), line=14),
        HashEntry(SHA1, S1, vic("1"), line=14),
    ]
    assert [(r.line, r.reason) for r in rejections_of(items)] == [
        (2, f"record 2: not a md5 hash (32 hex digits): '{'ZZ' * 16}'"),
        (3, "record 3: Category must be an integer or a string, not an object"),
        (4, "record 4: category '7' is not in scheme VIC-US (1, 2, 3, 4, 0)"),
        (5, "record 5: Category must be an integer or a string, not true/false"),
        (6, "record 6: Category is out of range for scheme VIC-US (0-4)"),
        (7, "record 7: MediaID must be an integer or a string, not a number"),
        (8, "record 8: MediaID is too large (more than 64 bits)"),
        (9, "record 9: MD5 must be a string, not a number"),
        (10, "record 10: no hash (MD5, SHA1, SHA256, PhotoDNA) in this record"),
        (11, "record 11: a media record must be a JSON object, not an array"),
        (12, "record 12: AlternativeHashes must be an array, not an object"),
        (13, "record 13: HashValue must be a string, not a number"),
    ]
    assert rejections_of(items)[0].text == '{"MD5": "' + "ZZ" * 16 + '"}'


def test_truncated_vics_keeps_the_complete_records_and_says_where_it_stopped() -> None:
    data = dumps(VICS_2)
    cut = data[: data.index(b'"MediaID": 12')]
    items = read("vics", cut)
    assert entries_of(items) == entries_of(read("vics", data))[:4]
    assert items[-1] == RejectedLine(
        3, "JSON unreadable after record 2: parse error: premature EOF; nothing after it was read"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"value": [{"MD5": "%s"}]}  {"value": []}' % M1.encode(), "trailing garbage"),
        (b'{"value": [{"MD5": "%s"}, 1e99999999999999999999]}' % M1.encode(), "InvalidOperation"),
        (b'{"value": [{"MD5": "%s"}, %s]}' % (M1.encode(), b"9" * 5000), "more than 600 digits"),
        (b'{"value": [{"MD5": "%s"}, {"MD5": "\xff"}]}' % M1.encode(), "invalid bytes in UTF8"),
    ],
)
def test_vics_broken_after_a_record(data: bytes, reason: str) -> None:
    items = read("vics", data)
    assert entries_of(items) == [HashEntry(MD5, M1, line=1)]
    [stop] = rejections_of(items)
    assert items[-1] is stop and stop.line == 2 and stop.text == ""
    assert reason in stop.reason and stop.reason.startswith("JSON unreadable after record 1: ")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the JSON ends too early"),
        (b"   ", "the JSON ends too early"),
        (b"[1, 2]", "the top level is not a JSON object"),
        (b'{"odata.metadata": "x"}', "no value array"),
        (b'{"value": {"MD5": "x"}}', "value is not an array"),
        (b'{"value": ', "the JSON ends too early"),
        (b"\x00\x01binary", "invalid char in json text"),
    ],
)
def test_a_file_that_is_not_vics_is_an_invalid_list(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidList) as caught:
        read("vics", data)
    assert str(caught.value).startswith("list.src: not a VICS JSON list:")
    assert reason in str(caught.value) or (reason == "the JSON ends too early")


def test_deep_nesting_is_skipped_not_built() -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    data = b'{"value": [{"MD5": "%s", "Exifs": %s}, %s, {"SHA1": "%s"}]}' % (
        M1.encode(),
        deep,
        deep,
        S1.encode(),
    )
    started = time.monotonic()
    items = read("vics", data)
    assert time.monotonic() - started < 5
    assert entries_of(items) == [HashEntry(MD5, M1, line=1), HashEntry(SHA1, S1, line=3)]
    [deep_record] = rejections_of(items)
    assert deep_record.line == 2
    assert deep_record.reason == "record 2: a media record must be a JSON object, not an array"
    assert deep_record.text.endswith('"(nested deeper than 32 levels)"' + "]" * 32)


def test_vics_export_is_a_vics_2_document_grouped_by_media_id() -> None:
    entries = [
        HashEntry(MD5, M1, vic("1"), "5"),
        HashEntry(SHA1, S1, vic("1"), "5"),
        HashEntry(PDQ, P1, vic("1"), "5"),
        HashEntry(MD5, M2, vic("1"), "5"),
        HashEntry(SHA256, H1, Category("CAID", "A"), "x7"),
        HashEntry(PHOTODNA, DNA),
        HashEntry(SHA1, S2),
    ]
    text, count = export("vics", entries)
    assert count == 7
    doc = json.loads(text)
    assert doc["@odata.context"].endswith("2.0.xml/US/$metadata#Media")
    assert doc["value"] == [
        {
            "MediaID": 5,
            "Category": 1,
            "MD5": M1,
            "SHA1": S1,
            "AlternativeHashes": [{"HashName": "PDQ", "HashValue": P1}],
        },
        {"MediaID": 5, "Category": 1, "MD5": M2},
        {"MediaID": "x7", "SHA256": H1},
        {"PhotoDNA": DNA},
        {"SHA1": S2},
    ]
    back = entries_of(read("vics", text.encode()))
    expected = [*entries[:4], replace(entries[4], category=None), *entries[5:]]
    assert without_lines(back) == without_lines(expected)
    assert [e.line for e in back] == [1, 1, 1, 2, 3, 4, 5]


def test_vics_export_of_nothing_is_an_empty_document() -> None:
    text, count = export("vics", [])
    assert count == 0
    assert json.loads(text)["value"] == []
    assert read("vics", text.encode()) == []


# --- streaming ----------------------------------------------------------------------------


class FiniteStream(io.RawIOBase):
    """A readable stream of a head then endless repeats, counting the bytes read."""

    def __init__(self, head: bytes, repeat: bytes) -> None:
        self.head, self.repeat, self.taken = head, repeat, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        data = (self.head + self.repeat * (wanted // len(self.repeat) + 2))[:wanted]
        self.head = self.head[len(data) :] if len(self.head) > len(data) else b""
        buffer[: len(data)] = data
        self.taken += len(data)
        return len(data)


@pytest.mark.parametrize(
    ("fmt", "head", "repeat"),
    [
        ("plain", b"", f"{M1}\n".encode()),
        ("csv", b"signal_type,signal_value\n", f"md5,{M1}\n".encode()),
        ("vics", b'{"value": [', b'{"MD5": "%s"},\n' % M1.encode()),
    ],
)
def test_parsers_stream(fmt: str, head: bytes, repeat: bytes) -> None:
    raw = FiniteStream(head, repeat)
    parsed = FORMATS[fmt].parse(io.BufferedReader(raw), "endless", ParseOptions())
    first = [next(parsed) for _ in range(1000)]
    assert first[-1] == HashEntry(MD5, M1, line=1000 + (fmt == "csv"))
    assert raw.taken < 1_000_000


# --- properties ---------------------------------------------------------------------------


def meaningful(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def physical_lines(data: bytes) -> list[bytes]:
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    return [line.removesuffix(b"\r") for line in lines]


def expected_plain_lines(data: bytes) -> set[int]:
    """The line numbers a plain parse must account for: all but blanks and comments."""
    wanted = set()
    for number, raw in enumerate(physical_lines(data), 1):
        try:
            if meaningful(raw.decode("utf-8")):
                wanted.add(number)
        except UnicodeDecodeError:
            wanted.add(number)
    return wanted


LINE_PIECES = st.one_of(
    st.sampled_from([M1, M2.upper(), S1, H1, P1, "", "  ", "# note", f"{M1}  # note", DNA]),
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)
LIST_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(LINE_PIECES.map(str.encode), st.binary(max_size=20)), max_size=15).map(
        lambda parts: b"\n".join(parts)
    ),
)


def only_invalid_list(fmt: str, data: bytes, **options: Any) -> list[Item] | None:
    """Parse, allowing InvalidList (returned as None) and nothing else."""
    try:
        items = read(fmt, data, **options)
    except InvalidList:
        return None
    assert all(isinstance(i, HashEntry | RejectedLine) for i in items)
    return items


@given(LIST_BYTES, st.sampled_from([None, MD5, PDQ, PHOTODNA]))
def test_plain_accounts_for_every_line(data: bytes, signal_type: SignalType | None) -> None:
    items = only_invalid_list("plain", data, signal_type=signal_type)
    assert items is not None
    assert {i.line for i in items} == expected_plain_lines(data)
    rejected = [i.line for i in items if isinstance(i, RejectedLine)]
    assert len(rejected) == len(set(rejected))


@given(LIST_BYTES, st.sampled_from([b"hash\n", b"signal_type;signal_value\n", b"md5\tsha1\n"]))
def test_csv_accounts_for_every_row(data: bytes, header: bytes) -> None:
    items = only_invalid_list("csv", header + data, scheme="VIC-US")
    assert items is not None
    lines = physical_lines(header + data)
    wanted = set()
    for number, raw in enumerate(lines[1:], 2):
        try:
            if raw.decode("utf-8").strip():
                wanted.add(number)
        except UnicodeDecodeError:
            wanted.add(number)
    assert {i.line for i in items} == wanted


@given(st.binary(max_size=400))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_bytes_never_raise_anything_but_invalid_list(data: bytes) -> None:
    for fmt in FORMATS:
        only_invalid_list(fmt, data)
        only_invalid_list(fmt, b"signal_type,signal_value\n" + data)
        only_invalid_list(fmt, b'{"value": [' + data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "1", "4", M1, S1.upper(), H1, DNA, "VIC", " 2 "])
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
RECORDS = (
    st.dictionaries(
        st.sampled_from(["MD5", "SHA1", "sha256", "PhotoDNA", "Category", "MediaID", "Tags"]),
        JSON_VALUES,
    )
    | JSON_VALUES
)


@given(st.lists(RECORDS, max_size=8), st.booleans())
def test_vics_accounts_for_every_record(records: list[object], nested: bool) -> None:
    doc = {"value": [{"Media": records}]} if nested else {"value": records}
    data = json.dumps(doc).encode()
    items = only_invalid_list("vics", data)
    assert items is not None
    assert {i.line for i in items} == set(range(1, len(records) + 1))
    cut = data[: len(data) * 2 // 3]
    partial = only_invalid_list("vics", cut)
    if partial is not None:
        kept = entries_of(partial)
        assert kept == entries_of(items)[: len(kept)]
        assert isinstance(partial[-1], RejectedLine)


def hex_values(signal_type: SignalType, size: int) -> st.SearchStrategy[HashEntry]:
    return st.binary(min_size=size, max_size=size).map(lambda b: HashEntry(signal_type, b.hex()))


ANY_ENTRY = st.one_of(
    hex_values(MD5, 16),
    hex_values(SHA1, 20),
    hex_values(SHA256, 32),
    hex_values(PDQ, 32),
    st.binary(min_size=144, max_size=144).map(
        lambda b: HashEntry(PHOTODNA, base64.b64encode(b).decode())
    ),
)
CATEGORIES = st.sampled_from(
    [Category(scheme, code) for scheme, s in SCHEMES.items() for code in s.ranks]
)
IDS = st.text(alphabet="abcXYZ0123456789-_ ;,\"'", min_size=1, max_size=12).filter(
    lambda s: s == s.strip()
)


@st.composite
def full_entries(draw: st.DrawFn, categories: st.SearchStrategy[Category]) -> HashEntry:
    entry = draw(ANY_ENTRY)
    return replace(
        entry,
        category=draw(st.none() | categories),
        external_id=draw(st.none() | IDS | st.integers(0, 10**12).map(str)),
    )


@given(st.lists(full_entries(CATEGORIES), max_size=12))
def test_csv_round_trip(entries: list[HashEntry]) -> None:
    text, count = export("csv", entries)
    assert count == len(entries)
    assert read("csv", text.encode()) == [replace(e, line=n) for n, e in enumerate(entries, 2)]


@given(st.lists(full_entries(st.sampled_from([vic(c) for c in "01234"])), max_size=12))
def test_vics_round_trip(entries: list[HashEntry]) -> None:
    text, count = export("vics", entries)
    assert count == len(entries)
    back = read("vics", text.encode())
    assert all(isinstance(e, HashEntry) for e in back)
    assert without_lines(entries_of(back)) == without_lines(entries)


@given(st.sampled_from([MD5, SHA1, SHA256, PDQ, PHOTODNA]), st.data())
def test_plain_round_trip(signal_type: SignalType, data: st.DataObject) -> None:
    entries = [
        e for e in data.draw(st.lists(ANY_ENTRY, max_size=12)) if e.signal_type is signal_type
    ]
    text, count = export("plain", entries)
    assert count == len(entries)
    back = read("plain", text.encode(), signal_type=signal_type)
    assert [replace(e, line=None) for e in entries_of(back)] == entries
    assert not rejections_of(back)


def _guarded(data: bytes, size: int) -> bytes:
    guard, out = DigitGuard(io.BytesIO(data)), b""
    while chunk := guard.read(size):
        out += chunk
    return out


@pytest.mark.parametrize("size", [1, 2, 3, 4, 600, 601, 65536, -1])
def test_digit_guard_drops_the_bom_and_stops_long_numbers_at_any_read_size(size: int) -> None:
    for body in (b"[1, 2]", b"[" + b"9" * MAX_DIGITS + b"]", b""):
        assert _guarded(BOM + body, size) == body
        assert _guarded(body, size) == body
    for long in (b"[" + b"9" * (MAX_DIGITS + 1) + b"]", BOM + b"9" * (MAX_DIGITS + 1)):
        with pytest.raises(UnreadableJson, match=f"more than {MAX_DIGITS} digits"):
            _guarded(long, size)
