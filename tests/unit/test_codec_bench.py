"""The codec micro-benchmark runs and reports every figure beside its peer."""

from __future__ import annotations

from pathlib import Path

import pytest

from events import codec
from ops.bench.codec import run


def test_the_codec_benchmark_prints_every_figure_beside_the_earlier_codec(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The tree's own codec stands in for the earlier one: what is checked is that the
    # benchmark loads a codec file as its peer and measures both sides of every row.
    assert run(["--reference", str(Path(codec.__file__)), "--reps", "3"]) == 0
    out = capsys.readouterr().out
    for scenario in (
        "decode 1,000 events",
        "fold of the 1,000-event stream",
        "encode 1,000 events",
        "folded state → builtins",
        "builtins → folded state",
    ):
        line = next(row for row in out.splitlines() if scenario in row)
        assert "(earlier codec)" in line, line
