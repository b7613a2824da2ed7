"""Codec micro-benchmark: the projection benchmark's 1,000-event promise stream, in memory.

Run `python -m ops.bench.codec --reference FILE`, where FILE is an earlier `events/codec.py`
(for example `git show <commit>:events/codec.py > /tmp/codec_before.py`): the same stream is
decoded, folded, encoded and its folded state written and read back with this tree's codec
(ours) and with the earlier one loaded from FILE (peer), alternately, in one process. No
database: what is timed is the codec and the fold.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from events import codec
from events.catalogue import event_registry
from ops.bench.harness import Row, median, render
from ops.bench.projection import LONG_STREAM_EVENTS, Generator
from projections.documents import DocumentProjection
from service.bootstrap import build_domain


def load_reference(path: Path) -> ModuleType:
    """The earlier codec module, under a name of its own (its dataclasses need it registered)."""
    spec = importlib.util.spec_from_file_location("codec_reference", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed(work: Callable[[], object], reps: int) -> list[float]:
    """Milliseconds of each of `reps` calls (after one untimed call)."""
    work()
    times = []
    for _ in range(reps):
        begin = time.perf_counter()
        work()
        times.append((time.perf_counter() - begin) * 1000)
    return times


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bench.codec", description=__doc__)
    parser.add_argument("--reference", type=Path, help="an earlier events/codec.py (the peer)")
    parser.add_argument("--reps", type=int, default=21, help="timed calls per figure")
    args = parser.parse_args(argv)

    domain = build_domain()
    registry = event_registry()
    projection: DocumentProjection[Any] = domain.promises
    gen, _ = Generator.build(registry)
    opening, follow = gen.opening(1), gen.follow_up(1)
    middle = gen.activities(1, 0, LONG_STREAM_EVENTS - len(opening) - len(follow))
    stream = opening + middle + follow
    evolve, initial = projection.decider.evolve, projection.decider.initial_state

    def suite(mod: Any) -> dict[str, Callable[[], object]]:
        reg = mod.build_registry(registry.types.values(), registry.upcasters)
        events = [reg.decode(k, v, d) for k, v, d in stream]
        state = initial
        for event in events:
            state = evolve(state, event)
        plain = mod.to_plain(state)

        def fold() -> object:
            s = initial
            for k, v, d in stream:
                s = evolve(s, reg.decode(k, v, d))
            return s

        return {
            "decode 1,000 events": lambda: [reg.decode(k, v, d) for k, v, d in stream],
            "fold of the 1,000-event stream (decode + evolve)": fold,
            "encode 1,000 events": lambda: [reg.encode(e) for e in events],
            "folded state → builtins (to_plain)": lambda: mod.to_plain(state),
            "builtins → folded state (from_plain, state_of)": lambda: mod.from_plain(
                type(state), plain
            ),
        }

    ours = suite(codec)
    peer = suite(load_reference(args.reference)) if args.reference else {}
    rows = []
    for name, work in ours.items():
        ours_runs, peer_runs = [], []
        for _ in range(3):  # alternate, so drift on a shared machine hits both alike
            ours_runs += timed(work, args.reps // 3 or 1)
            if name in peer:
                peer_runs += timed(peer[name], args.reps // 3 or 1)
        rows.append(
            Row(
                scenario=f"{name} (median)",
                unit="ms",
                ours=median(ours_runs),
                peer=median(peer_runs) if peer_runs else None,
                peer_name="earlier codec",
                target="–",
                met=None,
                ours_runs=ours_runs,
                peer_runs=peer_runs,
            )
        )
    print(f"\ncodec bench, {len(stream):,} events, {args.reps} timed calls per figure\n")
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(run())
