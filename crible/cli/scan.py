"""``crible scan``, ``crible results`` and ``crible hash``."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from crible.cli.context import App, CompletedWithErrors, pass_app
from crible.cli.render import dumps, make_console, print_summary, progress_wanted, summary_dict
from crible.model.scans import ScanOptions, ScanSummary
from crible.model.signals import PDQ_DEFAULT_THRESHOLD
from crible.services.scan import scan as run_scan
from crible.services.scan import summarise
from crible.signals.media import hash_media

console = make_console()


class _Bar:
    """A rich progress bar with files/s and ETA, fed by the scan service."""

    def __init__(self) -> None:
        self.progress = _progress()
        self.task: TaskID | None = None

    def start(self, total: int | None, already_done: int) -> None:
        # Drawn from here on: its refresh thread starts after the hashing processes.
        self.progress.start()
        self.task = self.progress.add_task("scanning", total=total, completed=already_done)

    def stop(self) -> None:
        self.progress.stop()

    def advance(self, count: int, matched: int, rejected: int) -> None:
        assert self.task is not None
        self.progress.update(self.task, advance=count)


class _FilesPerSecond(ProgressColumn):
    """Files hashed per second, over rich's recent window."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:.1f} files/s", style="cyan")


def scan_progress(quiet: bool) -> _Bar | None:
    """A progress bar for a scan, on a terminal (or with CRIBLE_PROGRESS=1) unless quiet."""
    return _Bar() if progress_wanted() and not quiet else None


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _FilesPerSecond(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--fast",
    is_flag=True,
    help="Decode JPEGs at reduced scale: several times faster, PDQ moves a few bits. "
    "Exact (the default) is for evidence.",
)
@click.option(
    "--threshold",
    type=click.IntRange(0, 255),
    default=PDQ_DEFAULT_THRESHOLD,
    show_default=True,
    help="Largest PDQ distance (of 256 bits) that matches.",
)
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(0, 256),
    default=None,
    help="Hashing processes (default: one per core; 0 hashes in this process).",
)
@click.option(
    "--max-pixels",
    type=click.IntRange(1),
    default=ScanOptions.max_pixels,
    show_default=True,
    help="Refuse images claiming more pixels (decompression bombs).",
)
@click.option(
    "--max-file-bytes",
    type=click.IntRange(1),
    default=ScanOptions.max_file_bytes,
    show_default=True,
    help="Refuse files (and zip entries) larger than this.",
)
@click.option(
    "--new-run",
    is_flag=True,
    help="Start a new run instead of resuming an interrupted one over the same paths.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar.")
@pass_app
def scan(
    app: App,
    paths: tuple[Path, ...],
    fast: bool,
    threshold: int,
    workers: int | None,
    max_pixels: int,
    max_file_bytes: int,
    new_run: bool,
    as_json: bool,
    no_progress: bool,
) -> None:
    """Hash files, folders and zip archives under PATHS and match them against the banks.

    Media is stored by SHA-256, with every place it was seen. A scan that was interrupted
    (Ctrl-C: exit 130, or even killed) resumes when run again over the same paths: finished
    files are not hashed again. Unreadable or corrupt inputs are listed with their reason
    and the exit status is 3. `crible scan delete ID` undoes a run.
    """
    options = ScanOptions(
        fast=fast, threshold=threshold, max_pixels=max_pixels, max_file_bytes=max_file_bytes
    )
    store = app.store()
    roots = [os.fsencode(p) for p in paths]
    bar = scan_progress(no_progress or as_json)
    try:
        summary = run_scan(store, roots, options, workers=workers, resume=not new_run, progress=bar)
    finally:
        if bar is not None:
            bar.stop()
    _show(summary, as_json)


@click.command()
@click.option("--scan", "scan_id", type=int, default=None, help="Scan run (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def results(app: App, scan_id: int | None, as_json: bool) -> None:
    """Show what a scan run found: counts, matches and rejected inputs."""
    store = app.reader()
    run = store.scans.get(scan_id) if scan_id is not None else store.scans.latest()
    _show(summarise(store, run.id), as_json)


@click.command("hash")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False)
)
@click.option("--fast", is_flag=True, help="Reduced-scale JPEG decoding (see crible scan --fast).")
def hash_command(files: tuple[Path, ...], fast: bool) -> None:
    """Print the SHA-256, SHA-1, MD5 and PDQ (with quality) of FILES, as JSON lines.

    A file that cannot be read is named on stderr with the reason, the others are still
    hashed, and the exit status is 3.
    """
    unreadable = 0
    for path in files:
        try:
            with path.open("rb") as stream:
                hashes = hash_media(stream, fast=fast, source=str(path))
        except OSError as exc:
            unreadable += 1
            click.echo(f"{path}: cannot read it: {exc.strerror or exc}", err=True)
            continue
        record = {"path": str(path), **asdict(hashes.crypto)}
        record.update(
            pdq=hashes.pdq.value if hashes.pdq else None,
            pdq_quality=hashes.pdq.quality if hashes.pdq else None,
            pdq_status=str(hashes.pdq_status),
            pdq_reason=hashes.pdq_reason,
        )
        click.echo(dumps(record).replace("\n", "").replace("  ", " "))
    if unreadable:
        raise CompletedWithErrors()


def _show(summary: ScanSummary, as_json: bool) -> None:
    if as_json:
        click.echo(dumps(summary_dict(summary)))
    else:
        print_summary(console, summary)
    if summary.rejected:
        raise CompletedWithErrors()
