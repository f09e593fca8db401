"""Restart intensity, like an OTP supervisor's ``intensity``/``period``: at most ``max_restarts``
worker restarts within ``window`` seconds; past that the version is given up on."""

from __future__ import annotations

from collections import deque


class RestartBudget:
    def __init__(self, max_restarts: int = 3, window: float = 60.0) -> None:
        self.max_restarts = max_restarts
        self.window = window
        self._failures: deque[float] = deque()

    def record_failure(self, now: float) -> bool:
        """Count a failure at ``now`` (monotonic seconds); True if a restart is still allowed."""
        while self._failures and self._failures[0] <= now - self.window:
            self._failures.popleft()
        self._failures.append(now)
        return len(self._failures) <= self.max_restarts

    def describe(self) -> str:
        return f"more than {self.max_restarts} failures within {self.window:g}s"

    def reset(self) -> None:
        self._failures.clear()
