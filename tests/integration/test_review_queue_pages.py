"""The review queue is one SQL query with pagination: its pages, filters and order are those
of the whole queue derived file by file (``review_item``), on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from crible.model.categories import make_category
from crible.model.decisions import ReviewItem, ReviewStatus, Verdict
from crible.services.banks import import_list
from crible.services.demo_media import picture, save_jpeg
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.services.review import OPEN, decide, new_media, review_item, review_queue
from crible.services.scan import scan
from crible.signals.crypto import hash_file
from crible.store import Store

BANKS = (  # name, scheme, code, files it lists (by index)
    ("one", "VIC-US", "1", (0, 1, 2)),
    ("two", "VIC-US", "2", (3, 4)),
    ("three", "VIC-US", "3", (2, 5, 6, 7, 8)),
    ("zero", "VIC-US", "0", (9, 10)),
    ("caid-a", "CAID", "A", (11,)),
    ("demo", "DEMO", "DEMO", (12, 13, 14)),
    ("three-again", "VIC-US", "3", (5, 6)),
)
UNLISTED = (15, 16)


def _queue_store(store: Store, tmp: Path) -> list[str]:
    """Seventeen scanned pictures (fifteen matched, in ties and two matches each), a chat
    that posts new media, and decisions of every kind; the files the queue holds."""
    folder = tmp / "media"
    shas = [
        hash_file(save_jpeg(picture(200 + i), folder / f"f{i:02}.jpg")).sha256 for i in range(17)
    ]
    for name, scheme, code, listed in BANKS:
        path = tmp / f"{name}.csv"
        path.write_text(
            "signal_type,signal_value\n" + "".join(f"sha256,{shas[i]}\n" for i in listed)
        )
        import_list(store, path, bank=name, scheme=scheme, category=code)
    scan(store, [str(folder)], workers=0)
    export = TelegramExport(78, "Group Pages")
    for n, seed in enumerate((90, 90, 91, 91, 92, 92), start=1):
        sender = (500 + n, f"member {n}")
        export.post(n, at(n), sender, "", photo=picture(seed), photo_name=f"p{n}.jpg")
    export.write(tmp / "export")
    ingest(store, "telegram", tmp / "export", workers=0)
    severe, mild, caid_b = (
        make_category(*c) for c in (("VIC-US", 2), ("VIC-US", 3), ("CAID", "B"))
    )
    decide(store, shas[0], Verdict.CONFIRM, "alice", category=make_category("VIC-US", 1))
    decide(store, shas[0], Verdict.CONFIRM, "bob", category=make_category("VIC-US", 1))
    decide(store, shas[3], Verdict.CONFIRM, "alice", category=severe)
    decide(store, shas[5], Verdict.REJECT, "alice")
    decide(store, shas[6], Verdict.ESCALATE, "alice")
    decide(store, shas[7], Verdict.ESCALATE, "alice")
    decide(store, shas[7], Verdict.CONFIRM, "bob", category=mild)
    decide(store, shas[8], Verdict.CONFIRM, "alice", category=severe)  # more severe than listed
    decide(store, shas[8], Verdict.CONFIRM, "bob", category=caid_b)  # as severe, later
    decide(store, shas[12], Verdict.CONFIRM, "alice", category=mild)
    decide(store, shas[12], Verdict.REJECT, "bob")
    decide(store, shas[12], Verdict.CONFIRM, "carol", category=make_category("DEMO", "DEMO"))
    fresh = [n.sha256 for n in new_media(store)]
    assert len(fresh) >= 2, "the chat posts new media"
    decide(store, fresh[0], Verdict.CONFIRM, "alice", category=severe)
    matched = sorted({shas[i] for _n, _s, _c, listed in BANKS for i in listed})
    assert not {shas[i] for i in UNLISTED} & set(matched)
    return sorted(set(matched) | set(fresh))


def _expected(
    store: Store, files: list[str], statuses: set[ReviewStatus] | None, category: str | None
) -> list[ReviewItem]:
    """The queue as it was derived before: every file's item, filtered, sorted."""
    wanted = make_category(*category.split(":")) if category else None
    items = [review_item(store, sha) for sha in files]
    kept = [
        i
        for i in items
        if (statuses is None or i.status in statuses) and (wanted is None or wanted in i.categories)
    ]
    return sorted(kept, key=lambda i: (-i.priority, i.sha256))


@pytest.mark.parametrize(
    ("statuses", "category"),
    [
        ({ReviewStatus.PENDING}, None),
        (None, None),
        (set(OPEN), None),
        ({ReviewStatus.CONFIRMED}, None),
        (None, "VIC-US:3"),
        (None, "VIC-US:2"),
        (None, "CAID:A"),
        (set(OPEN), "DEMO:DEMO"),
        (set(OPEN), "VIC-US:3"),
    ],
)
def test_every_page_is_the_slice_of_the_whole_queue(
    store: Store, tmp_path: Path, statuses: set[ReviewStatus] | None, category: str | None
) -> None:
    files = _queue_store(store, tmp_path)
    expected = _expected(store, files, statuses, category)
    assert expected, "the filter keeps some files"

    status = None if statuses is None else statuses
    whole = review_queue(store, status=status, category=category, limit=1000)
    assert whole == expected
    for size in (1, 2, 3, 5, 8):
        pages = [
            review_queue(store, status=status, category=category, limit=size, offset=start)
            for start in range(0, len(expected) + size, size)
        ]
        assert all(len(page) <= size for page in pages)
        assert [i for page in pages for i in page] == expected
        assert pages[-1] == []
    assert review_queue(store, status=status, category=category, limit=2, offset=1) == expected[1:3]


def test_ties_of_priority_are_ordered_by_file_and_paged_without_gaps(
    store: Store, tmp_path: Path
) -> None:
    files = _queue_store(store, tmp_path)
    whole = review_queue(store, status=None, limit=1000)

    assert {i.sha256 for i in whole} == set(files)
    priorities = [i.priority for i in whole]
    assert len(set(priorities)) < len(priorities), "the queue has ties"
    assert whole == sorted(whole, key=lambda i: (-i.priority, i.sha256))
    assert whole[0].priority >= 1_000_000, "new media first"
    caid_b = make_category("CAID", "B")
    [tied] = [i for i in whole if any(d.category == caid_b for d in i.decisions)]
    assert tied.categories[0] == make_category("VIC-US", "2"), "the earlier of two as severe"
    assert tied in review_queue(store, status=None, category="VIC-US:2")
    assert review_queue(store, status=None, category="CAID:B") == []
