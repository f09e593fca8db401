"""A bounded, JSON-safe summary of a strategy's exported state, for status.json.

status.json is rewritten at every heartbeat; a strategy's state is untrusted and may be huge or
hold values JSON cannot carry (NaN, Infinity, integers past any float). :func:`summarize_state`
returns the state itself when it is small and plain JSON, else a short description of it; it
never raises.
"""

from __future__ import annotations

import json
from typing import Any

MAX_STATUS_STATE_BYTES = 16 * 1024
"""The largest ``strategy_state`` copied whole into status.json."""


def summarize_state(state: Any, max_bytes: int = MAX_STATUS_STATE_BYTES) -> dict[str, Any] | None:
    """``state`` if it is a JSON object of at most ``max_bytes`` bytes, else ``{"summary": ...}``."""
    if state is None:
        return None
    try:
        if not isinstance(state, dict):
            return {"summary": f"not an object: a {type(state).__name__}"}
        text = json.dumps(state, allow_nan=False, separators=(",", ":"))
        if len(text) <= max_bytes:
            return json.loads(text)  # type: ignore[no-any-return]
        keys = [str(k)[:40] for k in list(state)[:20]]
        return {"summary": f"{len(text)} bytes, larger than the {max_bytes}-byte status limit",
                "bytes": len(text), "keys": keys}
    except (TypeError, ValueError, RecursionError, OverflowError) as exc:
        return {"summary": f"not plain JSON: {type(exc).__name__}: {str(exc)[:120]}"}
    except Exception as exc:  # noqa: BLE001 - a strategy's state never stops the status writer
        return {"summary": f"cannot be summarized: {type(exc).__name__}"}
