"""The log and the rules that write it: pure deciders plus the PostgreSQL event store."""
