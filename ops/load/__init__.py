"""A bounded load generator for a Samverkan cluster: seed, mixed load, report, log check."""
