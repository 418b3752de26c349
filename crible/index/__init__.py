"""The matching index: exact lookups (in the store) and PDQ Hamming range search."""

from crible.index.base import HashArray, IdArray, Neighbour, PdqIndex, hashes_from_hex
from crible.index.flat import FlatPdqIndex
from crible.index.mih import MihPdqIndex


def default_pdq_index() -> PdqIndex:
    """The PDQ index crible uses unless told otherwise: multi-index hashing, exact."""
    return MihPdqIndex()


def build_pdq_index(ids: IdArray, hashes: HashArray) -> PdqIndex:
    """The default index built at once over a whole list (much faster than adding)."""
    return MihPdqIndex.from_arrays(ids, hashes)


__all__ = [
    "FlatPdqIndex",
    "MihPdqIndex",
    "Neighbour",
    "PdqIndex",
    "build_pdq_index",
    "default_pdq_index",
    "hashes_from_hex",
]
