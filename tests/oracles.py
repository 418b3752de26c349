"""Independent oracles: what crible computes, computed again here with the libraries alone.

A test that reads crible's output back with crible proves little; these helpers call hashlib,
pdqhash + Pillow, bagit and cryptography directly, written the way each library documents.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import bagit
import numpy as np
import pdqhash
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from PIL import Image


def digests(path: Path) -> dict[str, str]:
    """The file's SHA-256, SHA-1 and MD5 by hashlib."""
    data = path.read_bytes()
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
    }


def pdq(path: Path, *, mirrored: bool = False) -> tuple[str, int]:
    """(hex, quality) of a picture (or of its mirror image) by pdqhash on Pillow's RGB pixels,
    as python-threatexchange does it: the first of the 256 bits is the most significant."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if mirrored:
            rgb = rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return pdq_of_pixels(np.asarray(rgb))


def pdq_of_pixels(pixels: Any) -> tuple[str, int]:
    """(hex, quality) of an RGB pixel array (height x width x 3, uint8) by pdqhash."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(pixels, dtype=np.uint8))
    return f"{int(''.join(str(int(bit)) for bit in vector), 2):064x}", int(quality)


def distance(a: str, b: str) -> int:
    """Hamming distance of two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def bundle_problems(bundle: Path, public_key: Path) -> list[str]:
    """What is wrong with an evidence bundle for bagit (the bag) and for cryptography (the
    Ed25519 signature of tagmanifest-sha256.txt by the given public key); [] when it holds."""
    problems = []
    try:
        bagit.Bag(str(bundle)).validate()
    except bagit.BagError as exc:  # BagValidationError is one
        problems.append(f"bagit: {exc}")
    key = load_pem_public_key(public_key.read_bytes())
    assert isinstance(key, Ed25519PublicKey), f"{public_key} is not an Ed25519 key"
    try:
        text = (bundle / "signature.ed25519").read_text(encoding="ascii").strip()
        signature = base64.b64decode(text, validate=True)
        key.verify(signature, (bundle / "tagmanifest-sha256.txt").read_bytes())
    except Exception as exc:  # InvalidSignature, a missing file, bad base64
        problems.append(f"signature: {type(exc).__name__} {exc}")
    return problems
