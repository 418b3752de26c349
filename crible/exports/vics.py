"""Project VIC VICS 2.0 JSON of a case's confirmed media hashes.

One media record per confirmed file (``MediaID`` 1, 2, ... in the case file's order) with
its ``MD5``, ``SHA1`` and ``SHA256``, its PDQ under ``AlternativeHashes`` and its
``Category`` when the category is of the VIC-US scheme: VICS's ``Category`` is that scale,
so a category of another scheme (CAID, NCMEC, ...) is left out rather than translated.
The writing is crible's own VICS bank exporter, so crible's VICS importer reads it back.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TextIO

from crible.banks import vics as vics_list
from crible.model.banks import Bank, HashEntry
from crible.model.cases import CaseFile, ConfirmedMedia
from crible.model.errors import UserError
from crible.model.signals import SignalType


def media_entries(case_file: CaseFile) -> Iterator[HashEntry]:
    """The hashes of each confirmed file, sharing the file's MediaID and category."""
    for number, item in enumerate(case_file.media, start=1):
        if not item.confirmed_by:
            raise UserError(
                f"file {item.sha256} was not confirmed by a reviewer: it cannot be exported"
            )
        yield from _entries(item, str(number))


def _entries(item: ConfirmedMedia, media_id: str) -> Iterator[HashEntry]:
    category = (
        item.category if item.category and item.category.scheme == vics_list.VIC_SCHEME else None
    )
    hashes = [
        (SignalType.MD5, item.md5),
        (SignalType.SHA1, item.sha1),
        (SignalType.SHA256, item.sha256),
    ]
    if item.pdq:
        hashes.append((SignalType.PDQ, item.pdq))
    for signal_type, value in hashes:
        yield HashEntry(signal_type, value.lower(), category, media_id)


def write_vics(case_file: CaseFile, out: TextIO) -> int:
    """Write the VICS document; return how many hashes it holds."""
    bank = Bank(name=case_file.case.reference, scheme=vics_list.VIC_SCHEME)
    return vics_list.export(media_entries(case_file), out, bank)


def vics_json(case_file: CaseFile) -> bytes:
    """The VICS document as UTF-8 bytes."""
    out = io.StringIO()
    write_vics(case_file, out)
    return out.getvalue().encode("utf-8")
