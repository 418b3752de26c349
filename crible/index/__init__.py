"""The matching index: exact lookups (in the store) and PDQ Hamming range search."""

from crible.index.base import Neighbour, PdqIndex, hashes_from_hex
from crible.index.flat import FlatPdqIndex
from crible.index.mih import MihPdqIndex


def default_pdq_index() -> PdqIndex:
    """The PDQ index crible uses unless told otherwise: multi-index hashing, exact."""
    return MihPdqIndex()


__all__ = [
    "FlatPdqIndex",
    "MihPdqIndex",
    "Neighbour",
    "PdqIndex",
    "default_pdq_index",
    "hashes_from_hex",
]
