"""Which process runs a scan, and whether it still does: a scan whose process is gone (killed,
crashed, machine restarted) is interrupted, not running."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from crible.model.scans import ProcessRef, ScanRun, ScanStatus


def this_process() -> ProcessRef:
    """This process, as a scan records its owner."""
    pid = os.getpid()
    return ProcessRef(socket.gethostname(), pid, _start_time(pid))


def is_running(ref: ProcessRef) -> bool | None:
    """Whether the process still runs: None when it ran on another host (cannot be told)."""
    if ref.host != socket.gethostname():
        return None
    try:
        os.kill(ref.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    fields = _stat(ref.pid)
    if fields and fields[0] in ("Z", "X"):
        return False  # it has ended; only its exit status is left
    # a different start time: the id now belongs to a later process
    return not (ref.started and fields and fields[19] != ref.started)


def _start_time(pid: int) -> str:
    """When the process started, in clock ticks since boot (Linux); empty elsewhere."""
    fields = _stat(pid)
    return fields[19] if fields else ""


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state first); empty elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields if len(fields) > 19 else []


def state(run: ScanRun) -> ScanStatus:
    """The status of a run as it is now: running only while its process runs (or may run,
    on another host); a run from before owners were recorded is interrupted."""
    return shown_status(run.status, run.owner)


def shown_status(status: str, owner: ProcessRef | str | None) -> ScanStatus:
    """``state`` from a stored status and owner (as the scan_runs table holds them)."""
    if status != ScanStatus.RUNNING:
        return ScanStatus(status)
    ref = ProcessRef.parse(owner) if isinstance(owner, str) or owner is None else owner
    if ref is None or is_running(ref) is False:
        return ScanStatus.INTERRUPTED
    return ScanStatus.RUNNING
