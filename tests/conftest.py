"""Shared fixtures: the store on both backends, generated media, the shared test vectors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crible.store import Store
from tests.postgres import ThrowawayPostgres

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout: the reference vectors and samples."""
    assert SHARED.is_dir(), f"{SHARED} is missing: the tests need the shared reference data"
    return SHARED


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    """One throwaway PostgreSQL server for the whole session, removed afterwards."""
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crible.db'}"
    server: ThrowawayPostgres = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An opened, migrated store on each backend."""
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the PDQ distances the conformance tests measured, even without ``-s``."""
    lines = [
        line
        for report in terminalreporter.stats.get("passed", [])
        if "test_pdq_conformance" in report.nodeid and report.when == "call"
        for line in report.capstdout.splitlines()
        if "distance" in line
    ]
    if lines:
        terminalreporter.section("PDQ conformance: distance to each reference hash")
        for line in lines:
            terminalreporter.write_line(line)
