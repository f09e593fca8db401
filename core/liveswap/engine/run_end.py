"""How an engine run ends: a stop asked for (finish the batch, then stop), a wake that cuts the
idle wait short, and why the run ended when nobody asked (its home lost, a crash)."""

from __future__ import annotations

import threading


class RunEnd:
    """Set from any thread; read by the trading loop between batches."""

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()  # cuts the idle wait short (stop, or a swap ready to commit)
        self.home_lost: str | None = None
        self.exit_reason: str | None = None

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake_event.set()

    def wake(self) -> None:
        self.wake_event.set()

    def lose_home(self, reason: str, *, cause: str) -> None:
        """The home is not this run's any more: stop, saying why."""
        self.home_lost = reason
        self.exit_reason = f"stopped: {cause} ({reason})"
        self.stop()

    def crashed(self, reason: str) -> None:
        self.exit_reason = reason
