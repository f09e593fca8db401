"""Clocks: the wall clock for live venues, a simulated one (``--speed X``) for synthetic and replay.

The simulated clock carries on across restarts of the same home: its position is saved in
``state/clock.json`` at every heartbeat, and a restart resumes from there plus the real time
that passed while the host was down, times the speed (capped at one simulated day).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Protocol

from liveswap.fsutil import atomic_write_json, read_json

MAX_DOWNTIME_CATCHUP = 86_400


class Clock(Protocol):
    """The host's time. :meth:`save` persists it in the home (a no-op for the wall clock)."""

    speed: float

    def now(self) -> float: ...

    def wait_until(self, t: float, stop: threading.Event, max_real: float) -> None:
        """Sleep until clock time ``t``, at most ``max_real`` real seconds, or until ``stop`` is set
        (the engine passes its wake event: set on stop and when a swap is ready to commit)."""
        ...

    def save(self, path: Path) -> None: ...


class WallClock:
    speed = 1.0

    def now(self) -> float:
        return time.time()

    def wait_until(self, t: float, stop: threading.Event, max_real: float) -> None:
        stop.wait(max(0.0, min(max_real, t - time.time())))

    def save(self, path: Path) -> None:
        """The wall clock needs no saving."""


class SimClock:
    """Simulated time: ``sim = sim0 + (monotonic - mono0) * speed``."""

    def __init__(self, start: float, speed: float) -> None:
        self.speed = speed
        self._sim0 = start
        self._mono0 = time.monotonic()

    def now(self) -> float:
        return self._sim0 + (time.monotonic() - self._mono0) * self.speed

    def wait_until(self, t: float, stop: threading.Event, max_real: float) -> None:
        stop.wait(max(0.0, min(max_real, (t - self.now()) / self.speed)))

    # ---- persistence ----------------------------------------------------------------------

    @classmethod
    def resume(cls, path: Path, speed: float, fresh_start: float) -> SimClock:
        """The clock of this home: resumed from ``path`` if saved, else starting at ``fresh_start``."""
        try:
            saved = read_json(path)
            sim, wall = float(saved["sim"]), float(saved["wall"])
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return cls(fresh_start, speed)
        down = max(0.0, time.time() - wall) * speed
        return cls(sim + min(down, MAX_DOWNTIME_CATCHUP), speed)

    def save(self, path: Path) -> None:
        atomic_write_json(path, {"sim": self.now(), "wall": time.time(), "speed": self.speed}, durable=False,
                          make_parents=False)


class SharedClock(SimClock):
    """A fleet's simulated clock: every host computes ``origin_sim + (time.time() - origin_wall) * speed``
    from the same origin (kept in the fleet's bucket), so all of them see the same candles at the
    same time. Wall time, not monotonic: hosts on different machines agree as far as their NTP does."""

    def __init__(self, origin_sim: float, origin_wall: float, speed: float) -> None:
        super().__init__(origin_sim, speed)
        self._origin_wall = origin_wall

    def now(self) -> float:
        return self._sim0 + (time.time() - self._origin_wall) * self.speed
