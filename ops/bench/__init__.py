"""Benchmarks that run their peer in the same run (`python -m ops.bench.<name>`)."""
