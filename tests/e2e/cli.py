"""Run the ``crible`` console script as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CRIBLE = str(Path(sys.executable).with_name("crible"))


def crible(
    *args: str, db: str | None, cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``crible --db DB ARGS`` (no --db and no $CRIBLE_DB if None) and return the process."""
    env = {k: v for k, v in os.environ.items() if k != "CRIBLE_DB"}
    env["CRIBLE_PROGRESS"] = "0"
    return subprocess.run(
        [CRIBLE, *(["--db", db] if db else []), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def crible_json(*args: str, db: str, expect: int = 0) -> Any:
    """Run a command with --json and parse its output, checking the exit status."""
    done = crible(*args, "--json", db=db)
    assert done.returncode == expect, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)
