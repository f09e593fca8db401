"""The engine's heartbeat: status.json (and the simulated clock's position) written when due.

A heartbeat never raises: a status that cannot be built or written is counted
(``status_errors`` in the next status that is written) and logged, and trading goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from loguru import logger

from liveswap.clock import Clock
from liveswap.home import StatusDoc, release_room, write_status


class Heartbeat:
    """When the next status is due, and how many could not be written."""

    def __init__(self, state_dir: Path, clock_file: Path) -> None:
        self._state_dir = state_dir
        self._clock_file = clock_file
        self._next = 0.0
        self._errors = 0

    @property
    def due(self) -> bool:
        return time.monotonic() >= self._next

    @property
    def errors(self) -> int:
        """Heartbeats whose status.json could not be built or written."""
        return self._errors

    def beat(self, report: Callable[[], StatusDoc], clock: Clock, *, every: float) -> None:
        """Write ``report()`` to status.json and save ``clock``; the next is due ``every`` seconds from now."""
        self._next = time.monotonic() + every
        try:
            write_status(self._state_dir, report())
        except Exception as exc:  # noqa: BLE001 - a status write never stops trading
            self._errors += 1
            logger.opt(exception=exc).error("status.json not written ({} so far): {}: {}", self._errors,
                                            type(exc).__name__, str(exc)[:300])
        try:
            clock.save(self._clock_file)
        except Exception as exc:  # noqa: BLE001
            logger.error("clock position not saved: {}: {}", type(exc).__name__, exc)

    def last(self, report: Callable[[], StatusDoc]) -> None:
        """The home is no longer this host's: no clock, a last status only where the folder still
        stands (it says why the host stopped); a full disk's reserve makes room for it."""
        if not self._state_dir.is_dir():
            return
        release_room(self._state_dir)
        try:
            write_status(self._state_dir, report())
        except OSError as exc:
            logger.error("last status not written: {}", exc)
