"""``crible user`` and ``crible serve`` through the console script, as an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.cli import CRIBLE, crible
from tests.e2e.server import free_port


def user_add(db: str, name: str, role: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CRIBLE_DB"}
    return subprocess.run(
        [CRIBLE, "--db", db, "user", "add", name, "--role", role, "--password-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_accounts_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    missing = crible("user", "list", "--json", db=db)  # only shows: never creates the store
    assert (missing.returncode, missing.stdout) == (2, "")
    assert "no store" in missing.stderr and not Path(db).exists()
    assert crible("db", "upgrade", db=db).returncode == 0
    assert crible("user", "list", "--json", db=db).stdout.strip() == "[]"  # no default account
    done = user_add(db, "chief", "admin", "a long enough password")
    assert done.returncode == 0, done.stderr
    short = user_add(db, "other", "reviewer", "short")
    assert short.returncode == 3
    assert "password" in short.stderr
    again = user_add(db, "chief", "admin", "a long enough password")
    assert again.returncode == 2
    assert "already exists" in again.stderr
    token = crible("user", "token", "chief", db=db).stdout.strip()
    assert token.startswith("crible_")
    assert token not in Path(db).read_bytes().decode("latin-1")  # only its hash is kept
    assert crible("user", "disable", "chief", db=db).returncode == 0
    listed = json.loads(crible("user", "list", "--json", db=db).stdout)
    assert listed == [{"name": "chief", "role": "admin", "disabled": True, "password": True}]
    audit = crible("audit", "verify", db=db)
    assert audit.returncode == 0
    assert "intact: 3 entries" in audit.stdout  # add, token, disable


def test_crible_serve_answers_lookups_with_a_token(tmp_path: Path) -> None:
    db = str(tmp_path / "crible.db")
    assert (
        crible("user", "add", "platform", "--role", "platform", "--no-password", db=db).returncode
        == 0
    )
    token = crible("user", "token", "platform", db=db).stdout.strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CRIBLE_DB"}
    server = subprocess.Popen(
        [CRIBLE, "--db", db, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"{url}/status", headers=headers, timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "crible serve did not start"
                time.sleep(0.2)
        assert answer.text == "I-AM-ALIVE"
        assert httpx.get(f"{url}/status", timeout=5).status_code == 401
        found = httpx.get(
            f"{url}/api/v1/lookup",
            params={"signal_type": "sha256", "value": "0" * 64},
            headers=headers,
            timeout=5,
        )
        assert found.json()["matches"] == []
        assert "server" not in found.headers  # no server banner
    finally:
        server.terminate()
        server.wait(timeout=30)
