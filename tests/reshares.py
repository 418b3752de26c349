"""A generated investigation whose re-shares were recompressed, as Telegram and WhatsApp do on
upload: a source posts six new pictures first; three accounts re-post them later as recompressed
(JPEG at a lower quality) or resized copies, in the same group and in another one; four
accounts post only files listed in a bank. All pictures are generated and benign."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from crible.services.banks import import_list
from crible.services.demo_media import TRANSFORMS, picture, recompressed
from crible.services.demo_telegram import TelegramExport, at
from crible.services.ingest import ingest
from crible.signals.crypto import hash_file
from crible.store import Store

SOURCE = (8001, "Source")
RESHARERS = ((8002, "Ash"), (8003, "Birch"), (8004, "Cedar"))
POSTERS = tuple((8010 + i, f"Poster {i}") for i in range(4))
NEW = 6
COPIES: dict[int, tuple[tuple[int, str], ...]] = {
    0: ((0, "recompressed"), (1, "recompressed"), (2, "recompressed")),
    1: ((2, "resized"), (3, "resized"), (4, "resized")),
    2: ((4, "both"), (5, "both")),
}
"""Re-sharer → (new picture, how it was copied): recompressed, resized, or both."""


def new_picture(k: int) -> Image.Image:
    """The k-th picture the source brings (in no bank)."""
    return picture(6000 + k)


def copy_of(k: int, how: str) -> Image.Image:
    """A re-shared copy of the k-th new picture, with other bytes than the original."""
    original = new_picture(k)
    if how == "recompressed":
        return recompressed(original, 40)
    resized = TRANSFORMS["resized"](original)
    return recompressed(resized, 45) if how == "both" else resized


def write_investigation(folder: Path) -> tuple[list[Path], Path]:
    """Write the two group exports and the bank list (SHA-256 of the banked files)."""
    west, ridge = TelegramExport(9400, "Group West"), TelegramExport(9401, "Group Ridge")
    west.post(1, at(1, 8), SOURCE, "morning all")
    for k in range(NEW):
        west.post(10 + k, at(2, 9 + k), SOURCE, "", photo=new_picture(k), photo_name=f"new-{k}.jpg")
    banked = [picture(6100 + j) for j in range(8)]
    names: list[str] = []
    for i, poster in enumerate(POSTERS):
        for j in range(4):
            b = (2 * i + j) % len(banked)
            when = at(3 + 2 * j, 12, i)
            west.post(100 + 10 * i + j, when, poster, "", photo=banked[b], photo_name=f"b-{b}.jpg")
            names.append(f"b-{b}.jpg")
        ridge.post(500 + i, at(4, 8, i), poster, "hello")
    for n, (who, copies) in enumerate(zip(RESHARERS, COPIES.values(), strict=True)):
        chat = west if n == 0 else ridge
        for m, (k, how) in enumerate(copies):
            copy, name = copy_of(k, how), f"copy-{n}-{k}.jpg"
            chat.post(200 + 10 * n + m, at(4 + n, 18, m), who, "", photo=copy, photo_name=name)
    exports = [west.write(folder / "west"), ridge.write(folder / "ridge")]
    bank = folder / "bank.csv"
    listed = sorted({hash_file(folder / "west" / "photos" / name).sha256 for name in names})
    bank.write_text("signal_type,signal_value\n" + "".join(f"sha256,{s}\n" for s in listed))
    return exports, bank


def load_investigation(store: Store, folder: Path) -> None:
    """Import the bank and ingest both exports into ``store``."""
    exports, bank = write_investigation(folder)
    import_list(store, bank, bank="listed", scheme="DEMO", category="DEMO")
    for export in exports:
        ingest(store, "telegram", export, workers=0)
