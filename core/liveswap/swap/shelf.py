"""Each strategy's last state, kept per strategy NAME (contract section 2).

When a strategy stops being active (another strategy takes over), its exported state is put on
the shelf with the batch it was exported after; switching back resumes it from there (plus a
replay of the journal since). A strategy never receives another strategy's state. The shelf is
kept in memory and in ``state/strategies/NAME.json`` (atomic writes), so a restart keeps it.
A sandboxed worker's state arrives as JSON bytes and is written as it is, never parsed here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.fsutil import atomic_write_bytes

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class Shelved:
    name: str
    version: str
    batch_end: int
    state: dict[str, Any] | bytes | None


class StateShelf:
    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir / "strategies"
        self._mem: dict[str, Shelved] = {}

    def _path(self, name: str) -> Path:
        return self.folder / f"{_SAFE.sub('_', name)}.json"

    def put(self, item: Shelved) -> None:
        """Keep ``item`` as ``item.name``'s last state; a failed write is logged, never raised."""
        self._mem[item.name] = item
        head = json.dumps({"name": item.name, "version": item.version, "batch_end": item.batch_end})[:-1]
        if item.state is None:
            body = b"null"
        elif isinstance(item.state, bytes):
            body = item.state
        else:
            body = json.dumps(item.state, allow_nan=False, separators=(",", ":")).encode()
        try:
            atomic_write_bytes(self._path(item.name), head.encode() + b', "state": ' + body + b"}\n")
        except OSError as exc:
            logger.error("state of {} not kept on disk: {}", item.name, exc)

    def get(self, name: str) -> Shelved | None:
        """``name``'s last state (memory first, then disk), or None."""
        if name in self._mem:
            return self._mem[name]
        try:
            raw = json.loads(self._path(name).read_text(encoding="utf-8"))
            state = raw["state"]
            if state is not None and not isinstance(state, dict):
                raise ValueError("state is not an object")
            item = Shelved(str(raw["name"]), str(raw["version"]), int(raw["batch_end"]), state)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("the kept state of {} is unreadable, it starts without one: {}", name, exc)
            return None
        self._mem[name] = item
        return item
