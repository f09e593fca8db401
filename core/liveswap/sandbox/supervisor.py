"""Restart intensity, OTP style: at most ``max_restarts`` worker restarts within ``window`` seconds.

A pure class: the engine tells it when a worker failed, it answers whether a restart is still
allowed. Past the budget the engine should stop restarting that version (and e.g. roll back or
pause) instead of crash-looping.

    budget = Supervisor(max_restarts=3, window=60.0)
    if budget.record_failure(time.monotonic()):
        restart()
    else:
        give_up(budget.reason())
"""

from __future__ import annotations

from collections import deque


class Supervisor:
    """A sliding-window restart budget (Erlang's ``intensity``/``period``)."""

    def __init__(self, max_restarts: int = 3, window: float = 60.0) -> None:
        if max_restarts < 0:
            raise ValueError(f"max_restarts must be >= 0, not {max_restarts}")
        if window <= 0:
            raise ValueError(f"window must be > 0 seconds, not {window}")
        self.max_restarts = max_restarts
        self.window = window
        self._failures: deque[float] = deque()

    def _forget_before(self, now: float) -> None:
        while self._failures and self._failures[0] <= now - self.window:
            self._failures.popleft()

    def record_failure(self, now: float) -> bool:
        """Count a failure at ``now`` (monotonic seconds); True if a restart is still allowed."""
        self._forget_before(now)
        self._failures.append(now)
        return len(self._failures) <= self.max_restarts

    def failures_in_window(self, now: float) -> int:
        self._forget_before(now)
        return len(self._failures)

    def reason(self) -> str:
        """The one-line reason to show when :meth:`record_failure` said no."""
        return f"more than {self.max_restarts} worker failures within {self.window:g}s; not restarting"

    def reset(self) -> None:
        """Forget all failures (e.g. after a new version is committed)."""
        self._failures.clear()
