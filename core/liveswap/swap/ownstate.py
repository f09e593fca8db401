"""Each version's own last state, so a version that cannot take another's state still resumes its own.

When a version stops trading (another version of the same strategy takes over), the state it
exported then is kept under its version, with the batch it was exported after and the schema it
declared (``__liveswap_state__``). A version the incoming state cannot cross to (its declaration
reads none of the layouts the source writes, or -- undeclared -- its ``import_state`` refused a
rollback's state) starts from :meth:`VersionStates.own`: its own version's kept state, or one of
another version of a schema it declares it reads, whichever is the newest; then a replay of the
journal's batches since brings it to the present.

Kept in ``state/strategies/versions/NAME/VERSION.json`` (atomic writes, like the shelf of other
strategies' states, :mod:`liveswap.swap.shelf`), so a host restart keeps them. A sandboxed
worker's state arrives as JSON bytes and is written as it is, never parsed here; a kept state is
read back only when it is needed (and then as a dict, handed to ``import_state``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.fsutil import atomic_write_bytes
from liveswap.specs import version_order
from liveswap.swap.staging import State

_SAFE = re.compile(r"[^A-Za-z0-9_.+-]")


@dataclass(frozen=True, slots=True)
class OwnState:
    """A version's state as it left it: ``batch_end`` is the batch it was exported after."""

    name: str
    version: str
    schema: int | None
    batch_end: int
    state: dict[str, Any] | None


class VersionStates:
    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir / "strategies" / "versions"

    def _path(self, name: str, version: str) -> Path:
        return self.folder / _SAFE.sub("_", name) / f"{_SAFE.sub('_', version)}.json"

    def put(self, *, name: str, version: str, schema: int | None, batch_end: int, state: State) -> None:
        """Keep ``state`` as ``name==version``'s own last state; a failed write is logged, never raised."""
        head = json.dumps({"name": name, "version": version, "schema": schema, "batch_end": batch_end})[:-1]
        if state is None:
            body = b"null"
        elif isinstance(state, bytes):
            body = state
        else:
            body = json.dumps(state, allow_nan=False, separators=(",", ":")).encode()
        try:
            atomic_write_bytes(self._path(name, version), head.encode() + b', "state": ' + body + b"}\n")
        except (OSError, ValueError) as exc:
            logger.error("own state of {}=={} not kept: {}", name, version, exc)

    def own(self, *, name: str, version: str, reads: tuple[int, ...] | None) -> OwnState | None:
        """The newest state ``name==version`` can start from: its own, or (``reads``: its declared
        layouts) another version's of a schema it reads. None when there is none."""
        found = [kept for kept in self._all(name)
                 if kept.version == version or (reads is not None and kept.schema is not None and kept.schema in reads)]
        if not found:
            return None
        return max(found, key=lambda k: (k.batch_end, k.version == version, version_order(k.version)))

    def _all(self, name: str) -> list[OwnState]:
        folder = self.folder / _SAFE.sub("_", name)
        try:
            files = sorted(folder.glob("*.json"))
        except OSError:
            return []
        return [kept for kept in (_read(path, name) for path in files) if kept is not None]


def _read(path: Path, name: str) -> OwnState | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        state, schema = raw["state"], raw.get("schema")
        if state is not None and not isinstance(state, dict):
            raise ValueError("state is not an object")
        if schema is not None and (isinstance(schema, bool) or not isinstance(schema, int)):
            raise ValueError("schema is not an integer")
        kept = OwnState(str(raw["name"]), str(raw["version"]), schema, int(raw["batch_end"]), state)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("a kept state of {} is unreadable, skipped ({}): {}", name, path.name, exc)
        return None
    return kept if kept.name == name else None
