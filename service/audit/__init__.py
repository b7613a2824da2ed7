"""Audit tooling: verify and replay the log, the checkpointer, witnesses and their key files."""
