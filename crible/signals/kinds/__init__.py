"""The registry of hash kinds: one line a kind. Matching, the store, the API's enums and
HMA's ``/c/signal_type`` read ``KINDS``; ``register`` adds a kind (a plug-in, or a test)."""

from __future__ import annotations

from crible.model.errors import MediaError
from crible.model.signals import SignalType
from crible.signals.kinds.base import ExactIndex, HammingIndex, HashKind, KindIndex
from crible.signals.kinds.crypto import Md5, Sha1, Sha256
from crible.signals.kinds.opaque import PhotoDna, Vpdq
from crible.signals.kinds.pdq import PdqKind

KINDS: dict[SignalType, HashKind] = {}


def register(kind: HashKind) -> HashKind:
    """Add ``kind`` to the registry under its name (replacing one of the same name)."""
    KINDS[kind.name] = kind
    return kind


for _kind in (Sha256(), Sha1(), Md5(), PdqKind(), PhotoDna(), Vpdq()):
    register(_kind)


def computed_from_picture(data: bytes) -> dict[str, str]:
    """The hashes of a picture's bytes of every registered kind crible's own hashers do not
    compute (kinds added to the registry); a kind that cannot read the picture is left out."""
    found: dict[str, str] = {}
    for name, kind in KINDS.items():
        if kind.streamed:
            continue
        try:
            value = kind.compute(data)
        except MediaError:
            continue
        if value is not None:
            found[str(name)] = value
    return found


def matchable_kinds() -> tuple[SignalType, ...]:
    """Kinds a hash can be looked up by, in registry order."""
    return tuple(name for name, kind in KINDS.items() if kind.matchable)


__all__ = [
    "KINDS",
    "ExactIndex",
    "HammingIndex",
    "HashKind",
    "KindIndex",
    "computed_from_picture",
    "matchable_kinds",
    "register",
]
