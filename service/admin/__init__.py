"""Operator tasks: backup, restore and erasure."""
