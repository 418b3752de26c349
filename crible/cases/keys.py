"""The exporting unit's Ed25519 key pair: made once, the private half readable by its owner only."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crible.model.errors import BadInput, Conflict, UserError

PRIVATE = "unit.key"
PUBLIC = "unit.pub"
ENV_VAR = "CRIBLE_KEY_DIR"


def default_dir() -> Path:
    """$CRIBLE_KEY_DIR, else ~/.crible/keys."""
    return Path(os.environ.get(ENV_VAR) or Path.home() / ".crible" / "keys")


def init_keys(directory: Path) -> tuple[Path, Path]:
    """Generate a key pair in ``directory`` (private key mode 0600); never overwrites one."""
    private, public = directory / PRIVATE, directory / PUBLIC
    for path in (private, public):
        if path.exists():
            raise Conflict(f"{path} already exists: crible never overwrites a unit's key")
    directory.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public.write_bytes(public_pem(key.public_key()))
    return private, public


def load_private(path: Path) -> Ed25519PrivateKey:
    """The unit's private key; refused if others can read it or it is not Ed25519."""
    if not path.is_file():
        raise UserError(f"no private key at {path} (make one with `crible keys init`)")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise UserError(f"{path} can be read by others: chmod 600 it first")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"not a readable PEM private key ({exc})", source=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput("not an Ed25519 key", source=str(path))
    return key


def load_public(data: bytes, source: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM bytes."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise BadInput(f"not a readable PEM public key ({exc})", source=source) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise BadInput("not an Ed25519 public key", source=source)
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    """PEM (SubjectPublicKeyInfo) of a public key."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: how a unit's key is named."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def signature_holds(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is ``key``'s signature of ``data``."""
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
