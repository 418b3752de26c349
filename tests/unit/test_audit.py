"""The canonical form of audit entries, without I/O."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crible.model.audit import GENESIS
from crible.services.audit import canonical, entry_hash, local_actor

AT = datetime(2026, 11, 29, 6, 0, 0, 123456, tzinfo=UTC)


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    paris = AT.astimezone(timezone(timedelta(hours=1)))
    naive = AT.replace(tzinfo=None)  # SQLite returns UTC without its zone
    first = entry_hash(AT, "a", "login", "", "{}", GENESIS)
    assert entry_hash(paris, "a", "login", "", "{}", GENESIS) == first
    assert entry_hash(naive, "a", "login", "", "{}", GENESIS) == first


def test_every_field_and_the_link_change_the_hash() -> None:
    base = ("a", "login", "t", "{}", GENESIS)
    first = entry_hash(AT, *base)
    for pos in range(len(base)):
        changed = list(base)
        changed[pos] = changed[pos] + "x"
        assert entry_hash(AT, *changed) != first
    assert entry_hash(AT + timedelta(microseconds=1), *base) != first


def test_canonical_form_is_sorted_compact_json() -> None:
    text = canonical(AT, "a", "login", "t", "{}", GENESIS).decode()
    assert text.startswith('{"action":"login","actor":"a","at":"2026-11-29T06:00:00.123456+00:00"')


def test_the_local_actor_is_the_env_override_else_the_os_user(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CRIBLE_ACTOR", "unit-7")
    assert local_actor() == "unit-7"
    monkeypatch.delenv("CRIBLE_ACTOR")
    monkeypatch.setattr(getpass, "getuser", lambda: "operator")
    assert local_actor() == "cli:operator"

    def nameless() -> str:
        raise OSError("no user name for this uid")

    monkeypatch.setattr(getpass, "getuser", nameless)
    assert local_actor() == "cli"
