"""RFC 9162 Merkle tree: Go vectors, every corruption, and a sweep against the RFC recursion."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import pytest

from events.proof.merkle import (
    EMPTY_ROOT,
    CompactRange,
    NodeKey,
    append_leaf_nodes,
    append_leaves,
    border_keys,
    consistency_proof_from_nodes,
    inclusion_proof_from_nodes,
    leaf_hash,
    mth_from_nodes,
    needed_nodes_for_consistency,
    needed_nodes_for_inclusion,
    needed_nodes_for_range,
    needed_nodes_for_root,
    node_hash,
    root_from_nodes,
    split,
    verify_consistency,
    verify_inclusion,
)

# transparency-dev/merkle proof/verify_test.go
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = {
    size: bytes.fromhex(h)
    for size, h in {
        1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    }.items()
}


def _hashes(text: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in text.split()]


INCLUSION = [
    (
        0,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
            " 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
            " 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        ),
    ),
    (
        5,
        8,
        _hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
            " ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
            " d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ),
    ),
    (2, 3, _hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        _hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
            " 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
            " bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
        ),
    ),
]
CONSISTENCY = [
    (
        1,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
            " 5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
            " 6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
        ),
    ),
    (
        6,
        8,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
            " ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
            " d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ),
    ),
    (
        2,
        5,
        _hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
            " bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
        ),
    ),
    (
        6,
        7,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
            " b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
            " d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
        ),
    ),
]


# --- A recursive reference straight from the RFC text ----------------------------------------


def ref_mth(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = split(len(leaves))
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = split(len(leaves))
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    return [] if m in (0, len(leaves)) else ref_subproof(m, leaves, True)


def stored_nodes(leaves: Sequence[bytes]) -> dict[NodeKey, bytes]:
    nodes: dict[NodeKey, bytes] = {}
    for size, leaf in enumerate(leaves):
        for level, index, h in append_leaf_nodes(size, leaf_hash(leaf), lambda lv, i: nodes[lv, i]):
            nodes[level, index] = h
    return nodes


class RecordingNodes(dict[NodeKey, bytes]):
    """A node map that remembers which keys were read."""

    def __init__(self, nodes: dict[NodeKey, bytes]) -> None:
        super().__init__(nodes)
        self.read: set[NodeKey] = set()

    def __getitem__(self, key: NodeKey) -> bytes:
        self.read.add(key)
        return super().__getitem__(key)


# --- Hashing vectors -------------------------------------------------------------------------


def test_the_empty_tree_hash_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_leaf_hashes_match_the_rfc6962_vectors() -> None:
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )


def test_node_hash_matches_the_rfc6962_vector() -> None:
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_a_leaf_cannot_pass_for_an_interior_node() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(left + right) != node_hash(left, right)


def test_split_is_the_largest_power_of_two_below_n() -> None:
    assert [split(n) for n in range(2, 11)] == [1, 2, 2, 4, 4, 4, 4, 8, 8]
    with pytest.raises(ValueError):
        split(1)


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_eight_leaf_tree_match_the_vectors(size: int) -> None:
    nodes = stored_nodes(LEAVES[:size])
    assert root_from_nodes(size, nodes) == ROOTS[size]
    assert ref_mth(LEAVES[:size]) == ROOTS[size]


# --- Proof vectors and their corruptions -----------------------------------------------------


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_from_stored_nodes_match_the_vectors(
    index: int, size: int, proof: list[bytes]
) -> None:
    nodes = stored_nodes(LEAVES)
    assert inclusion_proof_from_nodes(index, size, nodes) == proof
    assert verify_inclusion(index, size, leaf_hash(LEAVES[index]), proof, ROOTS[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_proofs_from_stored_nodes_match_the_vectors(
    size1: int, size2: int, proof: list[bytes]
) -> None:
    nodes = stored_nodes(LEAVES)
    assert consistency_proof_from_nodes(size1, size2, nodes) == proof
    assert verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


def _flipped(proof: list[bytes], i: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ 8]) + out[i][1:]
    return out


def _proof_corruptions(proof: list[bytes], extra: Sequence[bytes]) -> list[list[bytes]]:
    """Go's corrupt*Proof proof edits: garbage before/after, flipped bits, truncation, swaps."""
    out: list[list[bytes]] = []
    for garbage in (b"", b"\x00", *extra):
        out += [[*proof, garbage], [garbage, *proof]]
    out += [_flipped(proof, i) for i in range(len(proof))]
    if proof:
        out += [proof[:-1], []]
    if len(proof) > 1:
        out.append([proof[1], proof[0], *proof[2:]])
    return out


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_every_corruption_of_an_inclusion_proof_is_rejected(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaf, root = leaf_hash(LEAVES[index]), ROOTS[size]
    cases: list[tuple[int, int, list[bytes], bytes, bytes]] = [
        (index - 1, size, proof, leaf, root),
        (index + 1, size, proof, leaf, root),
        (index ^ 2, size, proof, leaf, root),
        (index, size * 2, proof, leaf, root),
        (index, size // 2, proof, leaf, root),
        (index, size, proof, leaf, b"WrongLeaf"),
        (index, size, proof, leaf, EMPTY_ROOT),
        (index, size, proof, EMPTY_ROOT, root),
        (index, size, proof, root, leaf),
        (index, size, proof, leaf, b""),
    ]
    cases += [(index, size, p, leaf, root) for p in _proof_corruptions(proof, [root])]
    for i, s, p, lh, r in cases:
        assert not verify_inclusion(i, s, lh, p, r), (i, s, [h.hex() for h in p])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_every_corruption_of_a_consistency_proof_is_rejected(
    size1: int, size2: int, proof: list[bytes]
) -> None:
    root1, root2 = ROOTS[size1], ROOTS[size2]
    cases: list[tuple[int, int, list[bytes], bytes, bytes]] = [
        (size1 - 1, size2, proof, root1, root2),
        (size1 + 1, size2, proof, root1, root2),
        (size1 ^ 2, size2, proof, root1, root2),
        (size1, size2 * 2, proof, root1, root2),
        (size1, size2 // 2, proof, root1, root2),
        (size1, size2, proof, b"WrongRoot", root2),
        (size1, size2, proof, root1, b"WrongRoot"),
        (size1, size2, proof, root2, root2),
        (size1, size2, proof, root1, root1),
        (size1, size2, proof, root2, root1),
        (size1, size2, proof, b"", root2),
        (size1, size2, proof, root1, b""),
    ]
    cases += [(size1, size2, p, root1, root2) for p in _proof_corruptions(proof, [root1, root2])]
    for s1, s2, p, r1, r2 in cases:
        assert not verify_consistency(s1, s2, p, r1, r2), (s1, s2, [h.hex() for h in p])


def test_consistency_from_the_empty_tree_needs_an_empty_proof() -> None:
    assert verify_consistency(0, 8, [], EMPTY_ROOT, ROOTS[8])
    assert not verify_consistency(0, 8, [ROOTS[8]], EMPTY_ROOT, ROOTS[8])
    assert not verify_consistency(0, 8, [], ROOTS[1], ROOTS[8])


def test_consistency_with_itself_needs_equal_roots_and_no_proof() -> None:
    assert verify_consistency(5, 5, [], ROOTS[5], ROOTS[5])
    assert not verify_consistency(5, 5, [], ROOTS[5], ROOTS[6])
    assert not verify_consistency(5, 5, [ROOTS[5]], ROOTS[5], ROOTS[5])


# --- Stored nodes against the reference, every size up to 70 ---------------------------------

SWEEP = [hashlib.sha256(i.to_bytes(4, "big")).digest()[: i % 40] for i in range(70)]


@pytest.fixture(scope="module")
def sweep_nodes() -> dict[NodeKey, bytes]:
    return stored_nodes(SWEEP)


def test_appending_stores_one_node_per_complete_perfect_subtree(
    sweep_nodes: dict[NodeKey, bytes],
) -> None:
    n = len(SWEEP)
    assert len(sweep_nodes) == 2 * n - n.bit_count()
    for (level, index), h in sweep_nodes.items():
        lo = index << level
        assert h == ref_mth(SWEEP[lo : lo + (1 << level)])


def test_batched_appends_produce_the_same_rows_as_single_appends(
    sweep_nodes: dict[NodeKey, bytes],
) -> None:
    rng = random.Random(9162)
    nodes: dict[NodeKey, bytes] = {}
    size = 0
    while size < len(SWEEP):
        batch = SWEEP[size : size + rng.randint(1, 9)]
        border = {key: nodes[key] for key in border_keys(size)}
        rows = append_leaves(size, [leaf_hash(leaf) for leaf in batch], border)
        for level, index, h in rows:
            assert (level, index) not in nodes
            nodes[level, index] = h
        size += len(batch)
    assert nodes == sweep_nodes


@pytest.mark.parametrize("size", range(1, len(SWEEP) + 1))
def test_roots_and_proofs_from_stored_nodes_equal_the_rfc_and_verify(
    size: int, sweep_nodes: dict[NodeKey, bytes]
) -> None:
    leaves = SWEEP[:size]
    root = ref_mth(leaves)
    fetched = RecordingNodes({k: sweep_nodes[k] for k in needed_nodes_for_root(size)})
    assert root_from_nodes(size, fetched) == root
    assert fetched.read == set(fetched)
    for index in range(size):
        fetched = RecordingNodes(
            {k: sweep_nodes[k] for k in needed_nodes_for_inclusion(index, size)}
        )
        proof = inclusion_proof_from_nodes(index, size, fetched)
        assert fetched.read == set(fetched)
        assert proof == ref_path(index, leaves)
        assert verify_inclusion(index, size, leaf_hash(leaves[index]), proof, root)
    for size1 in range(size + 1):
        fetched = RecordingNodes(
            {k: sweep_nodes[k] for k in needed_nodes_for_consistency(size1, size)}
        )
        proof = consistency_proof_from_nodes(size1, size, fetched)
        assert fetched.read == set(fetched)
        assert proof == ref_proof(size1, leaves)
        assert verify_consistency(size1, size, proof, ref_mth(leaves[:size1]), root)


def test_a_range_must_be_aligned_to_stored_subtrees(sweep_nodes: dict[NodeKey, bytes]) -> None:
    assert mth_from_nodes(8, 13, sweep_nodes) == ref_mth(SWEEP[8:13])
    assert needed_nodes_for_range(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(ValueError):
        needed_nodes_for_range(1, 3)


def test_a_missing_node_is_an_error_not_a_wrong_answer(sweep_nodes: dict[NodeKey, bytes]) -> None:
    partial = dict(sweep_nodes)
    del partial[needed_nodes_for_root(70)[-1]]
    with pytest.raises(KeyError):
        root_from_nodes(70, partial)


def test_proofs_outside_the_tree_are_refused(sweep_nodes: dict[NodeKey, bytes]) -> None:
    with pytest.raises(ValueError):
        inclusion_proof_from_nodes(5, 5, sweep_nodes)
    with pytest.raises(ValueError):
        consistency_proof_from_nodes(6, 5, sweep_nodes)


# --- Compact range ---------------------------------------------------------------------------


def test_a_compact_range_gives_the_root_at_every_size(
    sweep_nodes: dict[NodeKey, bytes],
) -> None:
    cr = CompactRange()
    assert cr.root() == EMPTY_ROOT
    for size, leaf in enumerate(SWEEP, start=1):
        cr.append(leaf_hash(leaf))
        assert cr.size == size
        assert cr.root() == ref_mth(SWEEP[:size])
        assert cr.border == tuple(sweep_nodes[k] for k in border_keys(size))


def test_a_compact_range_resumes_from_a_stored_border(sweep_nodes: dict[NodeKey, bytes]) -> None:
    cr = CompactRange(37, [sweep_nodes[k] for k in border_keys(37)])
    for leaf in SWEEP[37:]:
        cr.append(leaf_hash(leaf))
    assert cr.root() == ref_mth(SWEEP)
    with pytest.raises(ValueError):
        CompactRange(37, [])
