"""Each strategy's last state, kept per strategy NAME (contract section 2).

When a strategy stops being active (another strategy takes over), its exported state is put on
the shelf with the batch it was exported after; switching back resumes it from there (plus a
replay of the journal since). A strategy never receives another strategy's state. The shelf is
kept in memory and in ``state/strategies/NAME.json`` (atomic writes), so a restart keeps it.
A sandboxed worker's state arrives as JSON bytes, validated by its runner when it was exported;
the shelf checks it again (:func:`~liveswap.sandbox.state_json.check_state_json`: size, nesting,
JSON, an object) before it keeps it, and reads a file back the same bounded way: a state it
cannot take is logged and not kept, never raised into the host.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.fsutil import atomic_write_bytes
from liveswap.sandbox import MAX_STATE_DEPTH, check_state_json

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
MAX_SHELVED_BYTES = 16 * 1024 * 1024
"""The largest state the shelf keeps or reads back (the runner's ``max_state_bytes`` is the real cap)."""


@dataclass(frozen=True, slots=True)
class Shelved:
    name: str
    version: str
    batch_end: int
    state: dict[str, Any] | bytes | None


class StateShelf:
    def __init__(self, state_dir: Path, *, max_bytes: int = MAX_SHELVED_BYTES) -> None:
        self.folder = state_dir / "strategies"
        self.max_bytes = max_bytes
        self._mem: dict[str, Shelved] = {}

    def _path(self, name: str) -> Path:
        return self.folder / f"{_SAFE.sub('_', name)}.json"

    def put(self, item: Shelved) -> None:
        """Keep ``item`` as ``item.name``'s last state; a state that is not a bounded JSON object and
        a failed write are logged, never raised."""
        head = json.dumps({"name": item.name, "version": item.version, "batch_end": item.batch_end})[:-1]
        try:
            body = item.state if isinstance(item.state, bytes) else json.dumps(
                item.state, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError, RecursionError) as exc:
            body, why = b"", f"not JSON: {exc}"
        else:
            why = check_state_json(body, max_bytes=self.max_bytes)
        if why:
            logger.error("state of {} {} not kept: {}", item.name, item.version, why)
            return
        self._mem[item.name] = item
        try:
            atomic_write_bytes(self._path(item.name), head.encode() + b', "state": ' + body + b"}\n")
        except OSError as exc:
            logger.error("state of {} not kept on disk: {}", item.name, exc)

    def get(self, name: str) -> Shelved | None:
        """``name``'s last state (memory first, then disk), or None."""
        if name in self._mem:
            return self._mem[name]
        try:
            raw = self._read(self._path(name))
            state = raw["state"]
            if state is not None and not isinstance(state, dict):
                raise ValueError("state is not an object")
            item = Shelved(str(raw["name"]), str(raw["version"]), int(raw["batch_end"]), state)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            logger.warning("the kept state of {} is unreadable, it starts without one: {}", name, exc)
            return None
        self._mem[name] = item
        return item

    def _read(self, path: Path) -> dict[str, Any]:
        """The shelf file, bounded (size, nesting) before it is parsed; ValueError if it is not one."""
        with open(path, "rb") as f:
            data = f.read(self.max_bytes + 4097)
        why = check_state_json(data.strip(), max_bytes=self.max_bytes + 4096, max_depth=MAX_STATE_DEPTH + 1)
        if why:
            raise ValueError(why)
        raw = json.loads(data)
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        return raw
