"""``CallGate``: one call at a time into a strategy version, from whichever thread asks.

A version is called from the engine's thread (batches, snapshots, params) and, during a swap, from
the swap's staging thread (its state exported ahead of the flip, see :mod:`liveswap.swap.staging`).
The gate serialises those calls and keeps the two figures the swap needs to stay honest:

* ``calls`` -- how many calls went through :meth:`CallGate.call`. A state exported while holding the
  gate is still the version's state as long as this number has not moved (nothing was decided,
  imported or re-parametrised since).
* ``waited_s`` -- how long callers of :meth:`CallGate.call` waited for somebody else to let go: the
  time trading was held up by whoever held the gate (a swap counts it into its pause).

:meth:`CallGate.hold` is the staging side: it neither counts as a call nor as a wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["CallGate", "GateMark"]


@dataclass(slots=True)
class GateMark:
    """What :meth:`CallGate.hold` saw: ``calls`` when it let go (the calls made inside included)."""

    calls: int = 0


class CallGate:
    """Serialises the calls into one strategy version and counts what serialising cost its callers."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._calls = 0
        self._waited_s = 0.0

    @property
    def calls(self) -> int:
        return self._calls

    @property
    def waited_s(self) -> float:
        return self._waited_s

    @contextmanager
    def call(self) -> Iterator[None]:
        """Around one hook call: waits for the gate (the wait is counted), then counts the call."""
        if not self._lock.acquire(blocking=False):
            t0 = time.perf_counter()
            self._lock.acquire()
            self._waited_s += time.perf_counter() - t0
        try:
            self._calls += 1
            yield
        finally:
            self._lock.release()

    @contextmanager
    def hold(self) -> Iterator[GateMark]:
        """Keep everybody else out for a few calls (re-entrant); the mark gets ``calls`` at the end."""
        mark = GateMark()
        with self._lock:
            try:
                yield mark
            finally:
                mark.calls = self._calls
