"""A local multi-process Samverkan cluster: PostgreSQL primary and hot standby, API nodes,
workers and witnesses, all on 127.0.0.1 under one root directory (`python -m ops.cluster`)."""
