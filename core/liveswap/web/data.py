"""What the dashboard shows, read from one home's files and never written.

* ``state/status.json`` (the observed state, through :mod:`liveswap.home.status`'s strict model)
  and ``state/control.json`` (the desired state, :mod:`liveswap.home.control_store`): reads of
  files the host and the CLI replace atomically;
* ``state/journal.sqlite``: through :mod:`liveswap.journal.figures`, opened read-only (``mode=ro``);
* ``state/logs/*.log``: the last lines of the newest log files.

A home where no host has run yet (no status, no journal) gives empty figures, not an error.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from liveswap.exceptions import ControlError, JournalError
from liveswap.home import STALE_HEARTBEATS, load_control, read_status
from liveswap.journal import figures

JOURNAL_FILE = "journal.sqlite"
MAX_POINTS = 1500
LOG_LINES = 60
LOG_TAIL_BYTES = 64 * 1024

# one running tally per journal: each refresh reads only the rows added since the last one
_FIGURES: dict[Path, figures.Figures] = {}
_FIGURES_LOCK = threading.Lock()


def overview(state_dir: Path, now: float | None = None, markets_traded: list[str] | None = None) -> dict[str, Any]:
    """Heartbeat, versions, generations, markets, candidate, sandbox, fleet, faults and the log tail.

    ``markets_traded`` (the home's settings) lists the markets while no host has reported any.
    """
    now = time.time() if now is None else now
    doc = read_status(state_dir)
    st = doc.to_json() if doc else {}
    desired, control_error = _desired(state_dir)
    beat = st.get("heartbeat_at")
    age = round(now - float(beat), 3) if isinstance(beat, int | float) else None
    alive = doc.alive(now) if doc else False
    journal = state_dir / JOURNAL_FILE
    try:
        faults = figures.recent_faults(journal) if journal.exists() else []
    except JournalError:
        faults = []
    return {
        "now": now,
        "home": str(state_dir.parent),
        "host": {
            "seen": bool(st), "alive": alive, "running": bool(st.get("running")), "pid": st.get("pid"),
            "heartbeat_at": beat, "heartbeat_age": age, "heartbeat_seconds": st.get("heartbeat_seconds"),
            "stale": bool(st.get("running")) and not alive, "stale_after": STALE_HEARTBEATS,
            "feed": st.get("feed"), "broker": st.get("broker"), "clock": st.get("clock"),
            "candles_processed": st.get("candles_processed"), "started_at": st.get("started_at"),
        },
        "active": st.get("active"),
        "generation": {
            "desired": desired.get("generation") if desired else None,
            "observed": st.get("observed_generation"),
            "control_error": control_error or st.get("control_error"),
            "last_refusal": st.get("control_refusal"),
        },
        "desired": desired,
        "paused": bool(st.get("paused")), "paused_reason": st.get("paused_reason"),
        "money": {k: st.get(k) for k in ("balance", "starting_balance", "realized_pnl", "fees_paid", "win_rate",
                                         "equity_at_cost", "open_at_cost")},
        "guards": guards(st),
        "last_swap": st.get("last_swap"),
        "probation": st.get("probation"),
        "candidate": st.get("candidate"),
        "sandbox": st.get("sandbox"),
        "fleet": st.get("fleet"),
        "worker": st.get("worker"),
        "markets": markets(st if st.get("markets") else {**st, "markets": markets_traded or []}),
        "faults": {"count": st.get("strategy_faults"), "last": st.get("last_fault"), "recent": faults},
        "log": log_tail(state_dir / "logs"),
    }


def guards(st: dict[str, Any]) -> dict[str, Any]:
    """What stops new positions besides a pause: the daily loss latch, reconciliation with the broker, the open
    positions against their limit, and the one-line ``trading_blocked`` reason (as ``liveswap status`` shows)."""
    risk = st.get("risk") or {}
    return {"trading_blocked": st.get("trading_blocked"), "daily_loss": st.get("daily_loss"),
            "reconcile": st.get("reconcile"), "open_positions": len(st.get("open_positions") or []),
            "max_open_positions": risk.get("max_open_positions"), "open_orders": len(st.get("open_orders") or [])}


def markets(st: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per market: open positions, paused (itself or all), stale feed, settled figures."""
    names = list(st.get("markets") or [])
    paused_all = bool(st.get("paused"))
    blocked = st.get("trading_blocked")
    paused = set(st.get("paused_markets") or [])
    stale = st.get("stale_markets") or {}
    by_market = st.get("by_market") or {}
    positions: dict[str, list[dict[str, Any]]] = {}
    for p in st.get("open_positions") or []:
        if isinstance(p, dict):
            positions.setdefault(str(p.get("market")), []).append(p)
    rows = []
    for name in dict.fromkeys([*names, *positions]):
        rows.append({"market": name, "open_positions": positions.get(name, []),
                     "paused": paused_all or name in paused, "paused_itself": name in paused,
                     "blocked": blocked,
                     "stale": stale.get(name) if isinstance(stale, dict) else None,
                     "figures": by_market.get(name)})
    return rows


def series(state_dir: Path) -> dict[str, Any]:
    """Equity and realized PnL over candle-clock time, per-version PnL curves, swaps and per-version figures."""
    journal = state_dir / JOURNAL_FILE
    empty: dict[str, Any] = {"deposits": None, "ts": [], "equity": [], "realized_pnl": [], "by_spec": {},
                             "swaps": [], "versions": []}
    if not journal.exists():
        return empty
    try:
        with _FIGURES_LOCK:
            running = _FIGURES.setdefault(journal, figures.Figures()).refresh(journal)
            money, versions = running.money(), running.versions()
        swaps = figures.swaps(journal)
    except JournalError:
        return empty
    status = read_status(state_dir)
    _pause_from_status(swaps, status.to_json() if status else {})
    keep = _thin(len(money.ts), MAX_POINTS)
    return {
        "deposits": money.deposits,
        "ts": [money.ts[i] for i in keep],
        "equity": [money.equity[i] for i in keep],
        "realized_pnl": [money.realized_pnl[i] for i in keep],
        "by_spec": {spec: [pts[i] for i in _thin(len(pts), MAX_POINTS)] for spec, pts in money.by_spec.items()},
        "swaps": swaps,
        "versions": sorted(versions.values(), key=lambda v: (v["first_ts"] is None, v["first_ts"] or 0, v["spec"])),
    }


def log_tail(log_dir: Path, lines: int = LOG_LINES) -> dict[str, Any]:
    """The last ``lines`` lines of the host's log (``liveswap.log``), else of the newest log file."""
    try:
        logs = sorted(log_dir.glob("*.log"), key=lambda p: (p.name != "liveswap.log", -p.stat().st_mtime))
    except OSError:
        logs = []
    if not logs:
        return {"file": None, "lines": []}
    path = logs[0]
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - LOG_TAIL_BYTES))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return {"file": path.name, "lines": []}
    return {"file": path.name, "lines": text.splitlines()[-lines:]}


def _pause_from_status(swaps: list[dict[str, Any]], st: dict[str, Any]) -> None:
    """The journal records a swap inside its pause, so only status.json's ``last_swap`` knows the pause."""
    last = st.get("last_swap")
    if not isinstance(last, dict) or last.get("pause_ms") is None:
        return
    for s in reversed(swaps):
        if s["pause_ms"] is None and s["ok"] and s["to_version"] == last.get("to") \
                and abs(float(s["ts"]) - float(last.get("at") or 0)) < 5:
            s["pause_ms"] = last["pause_ms"]
            return


def _desired(state_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        doc = load_control(state_dir)
    except ControlError as exc:
        return None, str(exc)
    return (doc.to_json() if doc else None), None


def _thin(n: int, limit: int) -> list[int]:
    """Indices of at most ``limit`` evenly spread points out of ``n``, always the last one."""
    if n <= limit:
        return list(range(n))
    step = n / (limit - 1)
    picked = sorted({min(n - 1, int(i * step)) for i in range(limit - 1)} | {n - 1})
    return picked
