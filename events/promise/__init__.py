"""The promise aggregate (medborgarlöfte): commands, events, content, state and its decider."""
