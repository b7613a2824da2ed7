"""Read models built from the log; the runner that keeps them current; rebuilds."""
