"""Composition root: settings, embedded PostgreSQL, pool, auth, the app and the CLI."""
