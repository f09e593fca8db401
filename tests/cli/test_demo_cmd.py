"""``liveswap demo`` as a new user runs it: anywhere, even outside a home, it tours and ends by itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN


def test_demo_outside_a_home_tours_the_scaffold_strategy_and_leaves_nothing(tmp_path: Path,
                                                                            cli_env: dict[str, str]) -> None:
    """Issue 24, point 12: no registry, no state, no LIVESWAP_HOME: the tour builds its own wheels (the strategy
    ``liveswap new`` writes, at two versions), trades, hot-swaps, and writes nothing where it was run."""
    env = {k: v for k, v in cli_env.items() if k != "LIVESWAP_HOME"}
    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    done = subprocess.run([str(BIN / "liveswap"), "demo", "--seconds", "3"], cwd=anywhere, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    said = " ".join(done.stdout.split())  # rich wraps at the terminal's width
    assert "it tours the strategy `liveswap new` writes" in said
    assert "hot swap while trading: momentum==1.0.0 -> momentum==1.1.0" in said
    assert "committed between two candle batches" in said
    assert "momentum==1.1.0" in done.stdout.split("per strategy version")[-1]
    assert list(anywhere.iterdir()) == []


def test_a_tour_of_no_time_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from liveswap.cli.main import main

    for bad in ("0", "-3", "nan"):
        assert main(["demo", "--home", str(tmp_path), "--seconds", bad]) == 2
        assert f"argument --seconds: {bad} must be more than 0" in capsys.readouterr().err
