"""What a missing ``control.json`` is rebuilt from: the desired state the host last applied.

Deleting ``state/control.json`` must not change what the bot does. A CLI command that finds no
file (a fresh home, or an operator's ``rm``) starts from what ``status.json`` says the host was
applying — the active version, the operator's pause, paused markets, params and risk limits —
never from defaults, which would silently unpause a paused bot or raise a lowered limit. Only
when no host ever wrote a status do the defaults apply.

Standard library only: the CLI's fast paths call it too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from liveswap.home.paths import HomePaths

__all__ = ["desired_from_status"]


def desired_from_status(state_dir: Path) -> dict[str, Any] | None:
    """control.json's fields as the host last applied them (from status.json), or None if no
    host wrote a readable status. ``generation`` is the one it had reached."""
    try:
        status = json.loads(HomePaths(state_dir).status.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict):
        return None
    doc: dict[str, Any] = {}
    active = status.get("active")
    if isinstance(active, dict) and isinstance(active.get("name"), str) and isinstance(active.get("version"), str):
        doc["active"] = f"{active['name']}=={active['version']}"
    paused = status.get("paused_by_operator", status.get("paused"))
    if isinstance(paused, bool):
        doc["paused"] = paused
    for key, kind in (("paused_markets", list), ("params", dict), ("risk", dict)):
        value = status.get(key)
        if isinstance(value, kind):
            doc[key] = value
    generation = status.get("observed_generation")
    if isinstance(generation, int) and not isinstance(generation, bool):
        doc["generation"] = generation
    return doc
