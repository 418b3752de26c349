"""Signal types and the hashes computed for a media file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar


class _Kinds(type):
    """Iterating ``SignalType`` gives every kind defined so far, built-in ones first."""

    def __iter__(cls) -> Iterator[SignalType]:
        return iter(list(_DEFINED.values()))


_DEFINED: dict[str, SignalType] = {}


class SignalType(str, metaclass=_Kinds):
    """A kind of hash that identifies media: a name, one object per name.

    Open, unlike an enum: a hash kind module defines its name (``SignalType.define``) and
    registers its class in ``crible.signals.kinds``; ``SignalType("pdq")`` returns the kind
    defined under that name or raises ValueError."""

    SHA256: ClassVar[SignalType]
    SHA1: ClassVar[SignalType]
    MD5: ClassVar[SignalType]
    PDQ: ClassVar[SignalType]
    PHOTODNA: ClassVar[SignalType]
    VPDQ: ClassVar[SignalType]

    def __new__(cls, name: str) -> SignalType:
        known = _DEFINED.get(str(name))
        if known is None:
            raise ValueError(f"{name!r} is not a known signal type")
        return known

    @classmethod
    def define(cls, name: str) -> SignalType:
        """The kind named ``name``, defined now if it is new."""
        known = _DEFINED.get(name)
        if known is None:
            known = _DEFINED[name] = str.__new__(cls, name)
        return known

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"SignalType({str.__str__(self)!r})"

    def __reduce__(self) -> tuple[type[SignalType], tuple[str]]:
        return SignalType, (str.__str__(self),)


SignalType.SHA256 = SignalType.define("sha256")
SignalType.SHA1 = SignalType.define("sha1")
SignalType.MD5 = SignalType.define("md5")
SignalType.PDQ = SignalType.define("pdq")
SignalType.PHOTODNA = SignalType.define("photodna")
SignalType.VPDQ = SignalType.define("vpdq")


CRYPTO_TYPES: tuple[SignalType, ...] = (SignalType.SHA256, SignalType.SHA1, SignalType.MD5)
"""Cryptographic hashes: matched exactly."""

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
