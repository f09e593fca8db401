"""``state/status.json``: the observed state, rewritten atomically at every heartbeat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveswap.fsutil import atomic_write_json, read_json

STATUS_FILE = "status.json"


def write_status(state_dir: Path, status: dict[str, Any]) -> None:
    # not fsync'd: a status lost to a power cut is rewritten one heartbeat later
    atomic_write_json(state_dir / STATUS_FILE, status, durable=False)


def read_status(state_dir: Path) -> dict[str, Any] | None:
    try:
        raw = read_json(state_dir / STATUS_FILE)
    except (FileNotFoundError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None
