"""Transparency-log primitives: RFC 9162 Merkle trees, RFC 8785 leaves, C2SP signed notes."""
