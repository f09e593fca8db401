"""Restart intensity: a crash-looping worker is given up on, an occasional crash is not."""

from __future__ import annotations

import pytest
from liveswap.sandbox.supervisor import Supervisor


def test_fourth_failure_within_the_window_is_refused() -> None:
    budget = Supervisor(max_restarts=3, window=60.0)
    assert [budget.record_failure(t) for t in (0.0, 10.0, 20.0)] == [True, True, True]
    assert budget.record_failure(30.0) is False
    assert "3 worker failures within 60s" in budget.reason()


def test_failures_slide_out_of_the_window() -> None:
    budget = Supervisor(max_restarts=2, window=10.0)
    assert budget.record_failure(0.0) and budget.record_failure(5.0)
    assert budget.record_failure(10.5)  # the failure at 0.0 has left the window
    assert budget.failures_in_window(10.5) == 2
    assert budget.record_failure(11.0) is False


def test_reset_forgets_and_bad_settings_are_refused() -> None:
    budget = Supervisor(max_restarts=0, window=1.0)
    assert budget.record_failure(0.0) is False
    budget.reset()
    assert budget.failures_in_window(0.0) == 0
    with pytest.raises(ValueError, match="window"):
        Supervisor(window=0)
