"""The money judge: anytime-valid bounds, its verdicts, and a simulation that could refute them."""

from __future__ import annotations

import random

import pytest
from liveswap.judge import Judge, JudgeDesign, judge

DESIGN = JudgeDesign(alpha=0.05, beta=0.05, min_edge=0.0, margin=-0.25, horizon=600, bound=10.0)


def test_a_twin_shows_exactly_zero_and_never_decides() -> None:
    result = judge([0.0] * 600, DESIGN)
    assert result.estimate == 0.0
    assert result.lower < 0.0 < result.upper
    assert (result.verdict, result.batches) == ("inconclusive", 600)
    assert "horizon 600" in result.reason


def test_a_clear_edge_succeeds_and_a_clear_loss_fails_with_the_numbers_in_the_reason() -> None:
    rng = random.Random(7)
    better = judge([rng.gauss(1.0, 2.0) for _ in range(600)], DESIGN)
    assert better.verdict == "successful" and better.lower > 0.0 and better.batches < 600
    assert "lower bound clears min_edge" in better.reason
    worse = judge([rng.gauss(-1.0, 2.0) for _ in range(600)], DESIGN)
    assert worse.verdict == "failed" and worse.upper < -0.25
    assert "below the margin -0.25" in worse.reason


def test_no_observation_is_running_with_the_widest_bounds() -> None:
    result = judge([], DESIGN)
    assert (result.verdict, result.estimate, result.lower, result.upper) == ("running", None, -10.0, 10.0)


def test_a_value_beyond_the_bound_is_clipped_and_counted() -> None:
    result = judge([25.0, -3.0], DESIGN)
    assert result.clipped == 1 and result.estimate == pytest.approx(3.5)


def test_the_verdict_is_final_and_the_streaming_judge_resumes_from_its_state() -> None:
    run = Judge(DESIGN)
    rng = random.Random(3)
    while run.add(rng.gauss(1.0, 1.0)) == "running":
        pass
    decided = run.judgment()
    assert run.add(-10.0) == "successful" and run.judgment() == decided
    again = Judge.from_state(DESIGN, run.state())
    assert again.judgment() == decided


def test_declared_error_rates_hold_under_continuous_monitoring_in_a_simulation() -> None:
    """Equal means, skewed bounded data (a $1 binary bet at 0.3 against one at 0.7), looked at after
    every batch: the lower bound may clear 0 in at most alpha of the runs (with sampling slack)."""
    rng = random.Random(11)
    runs, promoted = 300, 0

    def batch() -> float:
        longshot = (0.7 / 0.3) if rng.random() < 0.3 else -1.0
        favourite = (0.3 / 0.7) if rng.random() < 0.7 else -1.0
        return longshot - favourite

    design = JudgeDesign(alpha=0.05, beta=0.05, min_edge=0.0, margin=-0.25, horizon=300, bound=4.0)
    for _ in range(runs):
        run = Judge(design)
        while run.add(batch()) == "running":
            pass
        promoted += run.verdict == "successful"
    assert promoted / runs <= 0.05 + 0.03  # 0.05 declared; 3 standard errors of 300 runs is 0.038


def test_a_design_that_cannot_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="margin must be <= 0"):
        JudgeDesign(margin=0.1)
    with pytest.raises(ValueError, match="alpha and beta"):
        JudgeDesign(alpha=0.7)
    with pytest.raises(ValueError, match="margin <= min_edge < bound"):
        JudgeDesign(min_edge=50.0, bound=45.0)
