"""The RFC 9162 Merkle tree over the event log: hashing, stored nodes, proofs and verifiers.

The tree is stored as perfect subtrees: node (level, index) is the hash of leaves
[index * 2**level, (index + 1) * 2**level). A node, once complete, never changes, so rows are
only ever inserted. Every root, inclusion proof and consistency proof is assembled from
O(log n) such nodes; the `needed_nodes_for_*` functions name them so a caller can fetch them
in one query, and the `*_from_nodes` functions assemble the answer from what was fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]
NodeRow = tuple[int, int, bytes]
NodeMap = Mapping[NodeKey, bytes]

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Hash of one leaf: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two strictly less than `n` (n >= 2)."""
    if n < 2:
        raise ValueError(f"split needs n >= 2, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


# --- Appending -------------------------------------------------------------------------------


def append_leaf_nodes(size: int, leaf_h: bytes, get: Callable[[int, int], bytes]) -> list[NodeRow]:
    """The node rows to store when leaf number `size` is appended; `get` reads stored nodes."""
    rows: list[NodeRow] = [(0, size, leaf_h)]
    h, level, index = leaf_h, 0, size
    # An odd index is a right child: its left sibling is complete, so the parent is too.
    while index & 1:
        h = node_hash(get(level, index - 1), h)
        level += 1
        index >>= 1
        rows.append((level, index, h))
    return rows


def border_keys(size: int) -> list[NodeKey]:
    """Keys of the perfect subtrees that make up a tree of `size` leaves, largest first."""
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]


def append_leaves(size: int, leaf_hashes: Iterable[bytes], border: NodeMap) -> list[NodeRow]:
    """All new node rows for appending `leaf_hashes` to a tree of `size` leaves.

    `border` must hold the nodes named by `border_keys(size)`. A left sibling needed while
    appending is always the last entry of the running border, so the border is kept as a
    stack instead of a dictionary of every node created in the batch.
    """
    stack = [border[key] for key in border_keys(size)]
    rows: list[NodeRow] = []
    add_row = rows.append
    pop = stack.pop
    push = stack.append
    n = size
    for h in leaf_hashes:
        add_row((0, n, h))
        level, index = 0, n
        while index & 1:
            h = _sha256(b"\x01" + pop() + h).digest()
            level += 1
            index >>= 1
            add_row((level, index, h))
        push(h)
        n += 1
    return rows


# --- Which nodes an answer needs -------------------------------------------------------------


def needed_nodes_for_range(lo: int, hi: int) -> list[NodeKey]:
    """Stored nodes whose hashes give MTH(D[lo:hi]), largest first; `lo` must be aligned."""
    if not 0 <= lo < hi:
        raise ValueError(f"empty or negative range [{lo}, {hi})")
    keys: list[NodeKey] = []
    start, width = lo, hi - lo
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            if start % (1 << level):
                raise ValueError(f"range [{lo}, {hi}) is not aligned to perfect subtrees")
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def needed_nodes_for_root(size: int) -> list[NodeKey]:
    """Stored nodes whose hashes give the root of a tree of `size` leaves."""
    return border_keys(size)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PATH(index, D[0:size]), bottom-up (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = lo + split(hi - lo)
        if index < k:
            ranges.append((k, hi))
            hi = k
        else:
            ranges.append((lo, k))
            lo = k
    ranges.reverse()
    return ranges


def _consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges whose MTHs form PROOF(size1, D[0:size2]) (RFC 9162 §2.1.4.1)."""
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == 0 or size1 == size2:
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, whole_old_tree = 0, size2, True
    while hi != size1:
        k = lo + split(hi - lo)
        if size1 <= k:
            ranges.append((k, hi))
            hi = k
        else:
            ranges.append((lo, k))
            lo = k
            whole_old_tree = False
    # The verifier already holds the old root when the old tree is one perfect subtree.
    if not whole_old_tree:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _keys_of(ranges: Iterable[tuple[int, int]]) -> list[NodeKey]:
    seen: dict[NodeKey, None] = {}
    for lo, hi in ranges:
        seen.update(dict.fromkeys(needed_nodes_for_range(lo, hi)))
    return list(seen)


def needed_nodes_for_inclusion(index: int, size: int) -> list[NodeKey]:
    """Stored nodes needed for the inclusion proof of leaf `index` in a tree of `size`."""
    return _keys_of(_inclusion_ranges(index, size))


def needed_nodes_for_consistency(size1: int, size2: int) -> list[NodeKey]:
    """Stored nodes needed for the consistency proof from `size1` to `size2`."""
    return _keys_of(_consistency_ranges(size1, size2))


# --- Answers from fetched nodes --------------------------------------------------------------


def mth_from_nodes(lo: int, hi: int, nodes: NodeMap) -> bytes:
    """MTH(D[lo:hi]) from stored nodes; raises KeyError when one is missing."""
    hashes = [nodes[key] for key in needed_nodes_for_range(lo, hi)]
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def root_from_nodes(size: int, nodes: NodeMap) -> bytes:
    """Root of the tree of `size` leaves from stored nodes."""
    return mth_from_nodes(0, size, nodes) if size else EMPTY_ROOT


def inclusion_proof_from_nodes(index: int, size: int, nodes: NodeMap) -> list[bytes]:
    """RFC 9162 inclusion proof of leaf `index` in a tree of `size`, from stored nodes."""
    return [mth_from_nodes(lo, hi, nodes) for lo, hi in _inclusion_ranges(index, size)]


def consistency_proof_from_nodes(size1: int, size2: int, nodes: NodeMap) -> list[bytes]:
    """RFC 9162 consistency proof from `size1` to `size2`, from stored nodes."""
    return [mth_from_nodes(lo, hi, nodes) for lo, hi in _consistency_ranges(size1, size2)]


# --- Verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------------------


def _all_hashes(items: Sequence[bytes]) -> bool:
    return all(len(h) == HASH_SIZE for h in items)


def verify_inclusion(
    index: int, size: int, leaf_h: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when `proof` shows leaf hash `leaf_h` at `index` in the tree of `size` with `root`."""
    if not 0 <= index < size or not _all_hashes(proof):
        return False
    fn, sn, r = index, size - 1, leaf_h
    for p in proof:
        if sn == 0:
            return False  # proof too long
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # On the right border: skip the levels where this subtree has no sibling.
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> bool:
    """True when `proof` shows the tree (`size2`, `root2`) extends (`size1`, `root1`)."""
    if size1 < 0 or not _all_hashes(proof):
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        # tlog-witness: the proof from the empty tree is empty.
        return not proof and root1 == EMPTY_ROOT
    if size1 > size2 or not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


# --- In-memory streaming root ----------------------------------------------------------------


class CompactRange:
    """The right border of a growing tree: append leaf hashes, read the root in O(log n)."""

    __slots__ = ("_border", "_size")

    def __init__(self, size: int = 0, border: Sequence[bytes] = ()) -> None:
        if len(border) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} border nodes")
        self._size = size
        self._border = list(border)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def border(self) -> tuple[bytes, ...]:
        """Hashes of the perfect subtrees named by `border_keys(size)`, largest first."""
        return tuple(self._border)

    def append(self, leaf_h: bytes) -> None:
        """Append one leaf hash."""
        h, index = leaf_h, self._size
        border = self._border
        while index & 1:
            h = _sha256(b"\x01" + border.pop() + h).digest()
            index >>= 1
        border.append(h)
        self._size += 1

    def root(self) -> bytes:
        """Root of the tree of the leaves appended so far."""
        if not self._border:
            return EMPTY_ROOT
        h = self._border[-1]
        for left in reversed(self._border[:-1]):
            h = node_hash(left, h)
        return h
