"""The engine's strategy snapshots: when the next one is due, the last one taken, and writing it.

A snapshot is the active version's exported state at the engine's cursor; a restart (or a
restarted worker) imports it and replays only the batches journaled since. The file itself and
its background writer are :mod:`liveswap.home.snapshots`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.engine.active import ActiveStrategy
from liveswap.home import Snapshot, SnapshotWriter, read_snapshot
from liveswap.runners import StrategyFault


class SnapshotKeeper:
    """Takes and remembers the snapshots of one home's ``state/`` (the engine thread owns it)."""

    def __init__(self, state_dir: Path, *, every: float) -> None:
        self._state_dir = state_dir
        self._writer = SnapshotWriter(state_dir)
        self._next = time.monotonic() + every
        self._last: Snapshot | None = None
        self._strategy_state: dict[str, Any] | None = None

    @property
    def due(self) -> bool:
        return time.monotonic() >= self._next

    @property
    def last(self) -> Snapshot | None:
        """The last snapshot taken (or found at start-up) by this host, if any."""
        return self._last

    @property
    def strategy_state(self) -> dict[str, Any] | None:
        """What the active version last exported."""
        return self._strategy_state

    @property
    def last_written_at(self) -> float | None:
        return self._writer.last_at

    def latest(self) -> Snapshot | None:
        """The last snapshot taken, else the one on disk (from an earlier run)."""
        return self._last or read_snapshot(self._state_dir)

    def adopt(self, snap: Snapshot) -> None:
        """Recovery resumed from ``snap``: it is the last snapshot until a new one is taken."""
        self._last = snap

    def take(self, active: ActiveStrategy, cursor: int | None, *, every: float, wait: bool = False) -> None:
        """Export ``active``'s state at ``cursor`` and write it in the background (``wait``: until on
        disk); the next is due ``every`` seconds from now. Never raises: a strategy that cannot
        export, or a write that fails, is logged and trading goes on."""
        self._next = time.monotonic() + every
        if cursor is None:
            return
        try:
            state = active.runner.export_state()
        except StrategyFault as exc:
            logger.error("snapshot skipped: {} could not export its state: {}", active.spec, exc)
            return
        self._strategy_state = state
        self._last = Snapshot(cursor, active.name, active.version, state, time.time())
        try:
            self._writer.write(self._last, wait=wait)
        except Exception as exc:  # noqa: BLE001 - a snapshot write never stops trading
            logger.error("snapshot not written: {}: {}", type(exc).__name__, exc)

    def flush(self) -> None:
        """Wait until a snapshot being written on the background thread is on disk."""
        self._writer.flush()
