"""The demo: a benign bank, transformed copies among unrelated pictures, one scan."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crible.analysis.text import load_keywords
from crible.model.banks import ImportReport, Provenance
from crible.model.errors import UserError
from crible.model.scans import ScanSummary
from crible.model.signals import SignalType
from crible.services.banks import import_list
from crible.services.demo_cases import CaseDemo, run_case_demo
from crible.services.demo_investigation import write_exports, write_keywords
from crible.services.demo_media import TRANSFORMS, picture, save_jpeg, transformed_copy
from crible.services.ingest import IngestReport, ingest
from crible.services.network_pictures import network_picture, timeline_picture
from crible.services.profile import account_profile
from crible.services.scan import ScanProgress, scan
from crible.services.suspects import Analysis, AnalysisSettings, analyse
from crible.signals.pdq import pdq_from_path
from crible.store import Store

MARKER = ".crible-demo"
BANK = "demo-benign"


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and how well the scan found the copies."""

    folder: Path
    bank: ImportReport
    summary: ScanSummary
    expected: dict[str, str]
    found: set[str]
    false_matches: set[str]
    ingests: tuple[IngestReport, ...] = ()
    analysis: Analysis | None = None
    cases: CaseDemo | None = None

    @property
    def missed(self) -> set[str]:
        return set(self.expected) - self.found


def prepare_folder(folder: Path) -> None:
    """Create the demo folder, or empty one that an earlier demo made."""
    if folder.exists():
        if not (folder / MARKER).exists():
            raise UserError(f"{folder} exists and was not made by crible demo: choose --dir")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by crible demo; safe to delete\n")


def run_demo(
    store: Store,
    folder: Path,
    *,
    pictures: int = 200,
    listed: int = 20,
    workers: int | None = None,
    progress: ScanProgress | None = None,
    say: Callable[[str], None] = print,
) -> DemoResult:
    """Generate pictures, list ``listed`` of them in a bank, scan edited copies among the rest."""
    if listed > pictures:
        raise UserError("the demo cannot list more pictures than it makes")
    folder = folder.resolve()
    names = list(TRANSFORMS)
    media = folder / "media"
    lines = ["signal_type,signal_value"]
    expected: dict[str, str] = {}
    say(f"generating {pictures} benign pictures in {folder} ...")
    for seed in range(pictures):
        img = picture(seed)
        if seed < listed:
            original = save_jpeg(img, folder / "originals" / f"listed-{seed:03d}.jpg")
            pdq = pdq_from_path(original, dihedral=False)
            lines.append(f"pdq,{pdq.value}")
            transform = names[seed % len(names)]
            copy = transformed_copy(img, transform, media / f"photo-{seed:03d}.jpg")
            expected[str(copy)] = transform
        else:
            save_jpeg(img, media / f"photo-{seed:03d}.jpg")
    bank_file = folder / "demo-bank.csv"
    bank_file.write_text("\n".join(lines) + "\n")
    report = import_list(
        store,
        bank_file,
        bank=BANK,
        fmt="csv",
        signal_type=SignalType.PDQ,
        scheme="DEMO",
        category="DEMO",
        description="benign demonstration list: generated pictures only",
        provenance=Provenance(
            "crible demo",
            "benign demonstration list",
            "1",
            None,
            "generated test data, no restrictions",
        ),
    )
    say(f"bank {BANK}: {report.added} PDQ hashes of generated pictures")
    summary = scan(store, [str(media)], workers=workers, progress=progress, resume=False)
    found = {loc for m in summary.matches for loc in summary.locations.get(m.media_sha256, ())}
    say("ingesting the generated investigation: 3 groups exported by 2 infiltrating accounts")
    reports = tuple(
        ingest(store, "telegram", export, workers=workers)
        for export in write_exports(folder / "investigation", listed)
    )
    say("ranking the accounts (keyword list: placeholder words) and drawing the network")
    keywords = load_keywords(write_keywords(folder / "keywords-demo.txt"))
    analysis = analyse(store, AnalysisSettings(keyword_lists=(keywords,)))
    (folder / "network.png").write_bytes(network_picture(analysis))
    if analysis.suspects:
        top = account_profile(store, analysis.suspects[0].account_id, analysis=analysis)
        (folder / "timeline-top-suspect.png").write_bytes(timeline_picture(top))
    say("from confirmed findings to routed, signed case files")
    cases = run_case_demo(store, folder, say)
    return DemoResult(
        folder,
        report,
        summary,
        expected,
        found & set(expected),
        found - set(expected),
        reports,
        analysis,
        cases,
    )
