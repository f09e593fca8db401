"""Strategy-state snapshots (``state/snapshot.json``): what a restart resumes the strategy from.

A snapshot is taken at a batch boundary: the active version's exported state after the batch
``batch_end`` was decided. Serialising and the fsync happen on a background thread so the candle
path only pays for ``export_state``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liveswap.fsutil import atomic_write_json, read_json
from liveswap.home.paths import SNAPSHOT_FILE, HomePaths


@dataclass(frozen=True, slots=True)
class Snapshot:
    batch_end: int
    name: str
    version: str
    state: dict[str, Any] | None
    taken_at: float

    def to_dict(self) -> dict[str, Any]:
        return {"batch_end": self.batch_end, "strategy": {"name": self.name, "version": self.version},
                "state": self.state, "taken_at": self.taken_at}


def read_snapshot(state_dir: Path) -> Snapshot | None:
    """The last snapshot, or None if there is none or it cannot be read (a reason is logged)."""
    try:
        raw = read_json(HomePaths(state_dir).snapshot)
        return Snapshot(int(raw["batch_end"]), str(raw["strategy"]["name"]), str(raw["strategy"]["version"]),
                        raw["state"], float(raw["taken_at"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        from loguru import logger

        logger.warning("snapshot unreadable, resuming from the journal alone: {}", exc)
        return None


class SnapshotWriter:
    """Writes snapshots atomically on a background thread; the newest one wins.

    A write killed half-way (``kill -9``, power cut) leaves ``snapshot.json`` as it was plus a
    temp file; the next host's writer deletes such leftovers (one host per home: the host lock).
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = HomePaths(state_dir).snapshot
        for leftover in state_dir.glob(f".{SNAPSHOT_FILE}.*.tmp"):
            leftover.unlink(missing_ok=True)
        self.last_at: float | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def write(self, snap: Snapshot, *, wait: bool = False) -> None:
        self.flush()
        self._thread = threading.Thread(target=self._write, args=(snap,), name="snapshot", daemon=True)
        self._thread.start()
        if wait:
            self.flush()

    def _write(self, snap: Snapshot) -> None:
        with self._lock:
            atomic_write_json(self.path, snap.to_dict(), make_parents=False)
            self.last_at = time.time()

    def flush(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
