"""Roles and credentials, without I/O."""

from __future__ import annotations

import hashlib

import pytest

from crible.model.errors import BadInput
from crible.model.users import Capability, Role, roles_with
from crible.services.auth import hash_password, token_digest


def test_only_reviewers_may_see_media() -> None:
    assert roles_with(Capability.REVIEW) == {Role.REVIEWER}


def test_platforms_may_only_look_up() -> None:
    assert {c for c in Capability if Role.PLATFORM in roles_with(c)} == {
        Capability.LOOKUP,
        Capability.SIGNED_IN,
    }


def test_every_role_may_use_its_own_session() -> None:
    assert roles_with(Capability.SIGNED_IN) == set(Role)


def test_short_passwords_are_refused_and_hashes_are_argon2() -> None:
    with pytest.raises(BadInput, match="password"):
        hash_password("short")
    digest = hash_password("a long enough password")
    assert digest.startswith("$argon2id$")
    assert "a long enough password" not in digest


def test_token_digest_is_sha256_hex() -> None:
    """The store keeps the SHA-256 of a token's UTF-8 bytes, in hex, computed here by hashlib."""
    for token in ("crible_x", "crible_y", "crible_é€", ""):
        assert token_digest(token) == hashlib.sha256(token.encode("utf-8")).hexdigest()
    assert token_digest("crible_x") != token_digest("crible_y")
