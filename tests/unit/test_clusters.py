"""Perceptual clusters: the batched index search gives exactly the clusters of a plain
sequential leader clustering written here (every pair compared), on hashes with planted
copies, chains of edits and a picture copied thousands of times across batches."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from crible.analysis import clusters as module
from crible.analysis import indicators
from crible.analysis.clusters import Clusters, first_files
from crible.analysis.facts import NO_TIME, Facts, Post
from crible.analysis.new_media import find_new_media

THRESHOLD = 31


def _flip(rng: np.random.Generator, row: npt.NDArray[np.uint8], bits: int) -> npt.NDArray[np.uint8]:
    copy = row.copy()
    for bit in rng.choice(256, bits, replace=False):
        copy[bit // 8] ^= np.uint8(1 << (bit % 8))
    return copy


def _distances(hashes: npt.NDArray[np.uint8], row: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    return np.unpackbits(np.bitwise_xor(hashes, row), axis=1).sum(axis=1).astype(np.int64)


def _oracle(hashes: npt.NDArray[np.uint8]) -> tuple[list[int], list[int]]:
    """Each hash joins the earliest earlier first hash within the threshold, else starts one."""
    leaders: list[int] = []
    leader, distance = [], []
    for i in range(len(hashes)):
        if leaders:
            d = _distances(hashes[leaders], hashes[i])
            close = np.flatnonzero(d <= THRESHOLD)
            if len(close):
                leader.append(leaders[int(close[0])])
                distance.append(int(d[close[0]]))
                continue
        leaders.append(i)
        leader.append(i)
        distance.append(0)
    return leader, distance


def _investigation(seed: int = 3) -> npt.NDArray[np.uint8]:
    """Random pictures, some copied (a few bits apart), chains of edits (each 20 bits from the
    one before), one picture copied 1500 times (each copy at most 15 bits from it); shuffled."""
    rng = np.random.default_rng(seed)
    rows = list(rng.integers(0, 256, (2500, 32), dtype=np.uint8))
    for _ in range(300):
        rows.append(_flip(rng, rows[int(rng.integers(0, len(rows)))], int(rng.integers(1, 30))))
    for _ in range(40):
        link = rng.integers(0, 256, 32, dtype=np.uint8)
        for _step in range(4):
            rows.append(link)
            link = _flip(rng, link, 20)
    viral = rng.integers(0, 256, 32, dtype=np.uint8)
    rows += [_flip(rng, viral, int(rng.integers(0, 16))) for _ in range(1500)]
    order = rng.permutation(len(rows))
    return np.ascontiguousarray(np.array(rows, dtype=np.uint8)[order])


def test_batched_clusters_are_the_sequential_leader_clusters() -> None:
    hashes = _investigation()
    assert len(hashes) > 2 * module.BATCH  # several batches, a cluster spanning all of them

    leader, distance = first_files(hashes, THRESHOLD)

    expected_leader, expected_distance = _oracle(hashes)
    assert leader.tolist() == expected_leader
    assert distance.tolist() == expected_distance
    sizes = np.bincount(leader)
    assert sizes.max() >= 1500  # the copied picture is one cluster
    joined = np.flatnonzero(leader != np.arange(len(hashes)))
    for i in joined.tolist():  # every member is a match of its cluster's first hash
        d = _distances(hashes[[leader[i]]], hashes[i])[0]
        assert d == distance[i] <= THRESHOLD and leader[leader[i]] == leader[i]


def test_a_chain_of_edits_does_not_drift_into_one_cluster() -> None:
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, 32, dtype=np.uint8)
    b = _flip(rng, a, 20)
    c = b.copy()
    moved = [bit for bit in range(256) if not (a[bit // 8] ^ b[bit // 8]) & (1 << (bit % 8))]
    for bit in moved[:20]:  # 20 bits from b, 40 from a
        c[bit // 8] ^= np.uint8(1 << (bit % 8))
    leader, distance = first_files(np.array([a, b, c]), THRESHOLD)
    assert leader.tolist() == [0, 0, 2] and distance.tolist() == [0, 20, 0]


def test_groups_name_each_cluster_by_its_first_file() -> None:
    found = Clusters(first={"b": "a", "c": "a", "e": "d"}, distance={"b": 3, "c": 9, "e": 1})
    assert found.groups() == {"a": ["a", "b", "c"], "d": ["d", "e"]}
    assert (found.key("c"), found.key("z")) == ("a", "z")


def _facts(posts: list[Post], first: dict[str, str], known: tuple[str, ...] = ()) -> Facts:
    facts = Facts()
    facts.chat_names = {1: "one", 2: "two"}
    facts.account_keys = {a: ("telegram", f"user{a}") for a in (1, 2, 3)}
    facts.known = {sha: (None,) for sha in known}
    facts.posts = posts
    facts.membership = {(p.account_id, p.chat_id): [0.0, NO_TIME] for p in posts}
    facts.membership[(2, 1)] = [0.0, NO_TIME]
    facts.clusters = Clusters(first=first, distance=dict.fromkeys(first, 12))
    return facts


def test_a_recompressed_copy_carried_into_another_chat_is_a_bridge() -> None:
    a, b = "a" * 64, "b" * 64  # b: a recompressed copy of a
    facts = _facts([Post(1, 1, 1, 10.0, a, False), Post(2, 2, 2, 20.0, b, False)], {b: a})
    bridge = indicators.bridge(facts)
    assert set(bridge) == {2} and bridge[2].messages == (2,)
    assert not indicators.bridge(_facts(facts.posts, {}))  # bytes alone: no bridge


def test_a_copy_of_a_known_picture_is_not_new_media() -> None:
    k, c, n = "k" * 64, "c" * 64, "n" * 64  # c: a copy of the known k; n: alone
    posts = [
        Post(1, 1, 1, 10.0, k, False),
        Post(2, 2, 1, 20.0, c, False),
        Post(3, 3, 1, 30.0, c, False),
        Post(4, 1, 1, 40.0, n, False),
        Post(5, 3, 2, 50.0, n, False),
    ]
    found = find_new_media(_facts(posts, {c: k}, known=(k,)))
    assert [(m.sha256, m.reshared_by) for m in found] == [(n, (3,))]
    (member,) = found[0].cluster
    assert (member.sha256, member.distance, member.posted_by) == (n, 0, (1, 3))
