"""Signal types and the hashes computed for a media file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SignalType(StrEnum):
    """A kind of hash that identifies media."""

    SHA256 = "sha256"
    SHA1 = "sha1"
    MD5 = "md5"
    PDQ = "pdq"
    PHOTODNA = "photodna"
    VPDQ = "vpdq"


CRYPTO_TYPES: tuple[SignalType, ...] = (SignalType.SHA256, SignalType.SHA1, SignalType.MD5)
"""Cryptographic hashes: matched exactly."""

HEX_LENGTHS: dict[SignalType, int] = {
    SignalType.MD5: 32,
    SignalType.SHA1: 40,
    SignalType.SHA256: 64,
    SignalType.PDQ: 64,
}
"""Length in hex digits of each hex-encoded signal type."""

MATCHABLE_TYPES: tuple[SignalType, ...] = (*CRYPTO_TYPES, SignalType.PDQ)
"""Types crible computes from media and can match; others (PhotoDNA) are kept opaque."""

DIHEDRAL_VARIANTS: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
"""Names of the 8 dihedral PDQ variants, in the order pdqhash.compute_dihedral returns them."""

PDQ_MIN_QUALITY = 50
"""Below this quality a PDQ hash is recorded but never matched."""

PDQ_DEFAULT_THRESHOLD = 31
"""Default maximum Hamming distance (of 256 bits) for a PDQ match."""


class PdqStatus(StrEnum):
    """Why a file has, or has not, a usable PDQ hash."""

    OK = "ok"
    LOW_QUALITY = "low_quality"
    NOT_IMAGE = "not_image"
    CORRUPT = "corrupt"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class PdqHash:
    """A PDQ hash (64 hex digits) with its quality and, for lookups, its 8 dihedral variants."""

    value: str
    quality: int
    variants: tuple[str, ...] = ()

    @property
    def matchable(self) -> bool:
        return self.quality >= PDQ_MIN_QUALITY


@dataclass(frozen=True)
class CryptoHashes:
    """The cryptographic hashes of a byte stream, computed in one read."""

    sha256: str
    sha1: str
    md5: str
    size: int


@dataclass(frozen=True)
class VideoFrame:
    """One sampled frame: its decode index, time in seconds, PDQ hash and quality."""

    number: int
    timestamp: float
    pdq: str
    quality: int

    @property
    def matchable(self) -> bool:
        return self.quality >= PDQ_MIN_QUALITY


@dataclass(frozen=True)
class VideoHash:
    """The vPDQ hash of a video: its sampled frames and what the container says about it."""

    frames: tuple[VideoFrame, ...]
    duration: float | None
    width: int
    height: int
    fps: float


@dataclass(frozen=True)
class MediaHashes:
    """Every signal computed for one file."""

    crypto: CryptoHashes
    pdq: PdqHash | None
    pdq_status: PdqStatus
    pdq_reason: str | None = None
    mode: str = "exact"
    extra: dict[str, str] = field(default_factory=dict)
    video: VideoHash | None = None

    @property
    def sha256(self) -> str:
        return self.crypto.sha256
