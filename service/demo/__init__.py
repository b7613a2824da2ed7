"""Demo data: the seed texts turned into commands, and the loader that dispatches them."""
