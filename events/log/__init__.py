"""The log in PostgreSQL: the event store, the sequencer, wake-ups and the transparency tree.

The only asyncpg code in `events/`; everything else in the package is pure.
"""
