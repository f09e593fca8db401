"""The last backtests of a home (``state/backtests/*.json``, written by ``liveswap backtest``), for
the dashboard: a summary of each, newest first, and the newest one's equity curves.

The files are read, never written; one that is unreadable, too large or not laid out as a
backtest is left out (a backtest being written appears once its atomic rename is done).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 4 * 1024 * 1024
SHOWN = 10
FIGURES = ("spec", "candles", "bets", "settled", "win_rate", "pnl", "fees", "max_drawdown", "fault")


def _load(path: Path) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("versions"), list) or not doc["versions"]:
        return None
    if not all(isinstance(v, dict) and isinstance(v.get("spec"), str) for v in doc["versions"]):
        return None
    return doc


def _curve(points: Any) -> list[list[float]]:
    if not isinstance(points, list):
        return []
    return [[p[0], p[1]] for p in points
            if isinstance(p, list) and len(p) == 2 and all(isinstance(x, int | float) for x in p)]


def last_backtests(state_dir: Path, shown: int = SHOWN) -> dict[str, Any]:
    """``{"runs": [summary...], "latest": {"versions": [{spec, equity}], ...} | None}``, newest first."""
    root = state_dir / "backtests"
    runs: list[dict[str, Any]] = []
    latest: dict[str, Any] | None = None
    for path in sorted(root.glob("*.json"), reverse=True) if root.is_dir() else []:
        doc = _load(path)
        if doc is None:
            continue
        comparison = doc.get("comparison") if isinstance(doc.get("comparison"), dict) else None
        runs.append({"file": path.name, "created_at": doc.get("created_at"), "source": doc.get("candles_source"),
                     "versions": [{k: v.get(k) for k in FIGURES} for v in doc["versions"]],
                     "comparison": None if comparison is None else
                     {k: comparison.get(k) for k in ("candidate", "active", "verdict", "reason")}})
        if latest is None:
            latest = {"file": path.name, "versions": [{"spec": v["spec"], "equity": _curve(v.get("equity"))}
                                                      for v in doc["versions"]]}
        if len(runs) >= shown:
            break
    return {"runs": runs, "latest": latest}
