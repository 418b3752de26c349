"""Shared fixtures: the store on both backends, generated media, the data in tests/data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crible.store import Store
from tests.postgres import ThrowawayPostgres

DATA = Path(__file__).resolve().parent / "data"
"""The reference data the tests need (tests/data/README.md says where each file comes from)."""


@pytest.fixture(scope="session")
def shared() -> Path:
    """tests/data: the reference vectors, samples and schemas, inside the repository."""
    assert DATA.is_dir(), f"{DATA} is missing: the tests need their reference data"
    return DATA


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
