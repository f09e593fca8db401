"""Read-only access to a journal, for the CLI while a host may be writing it (WAL readers never
block the writer).

Cheap to import (``liveswap history`` does): sqlite3 and nothing of pathlib, typing or decimal
(the money conversion of :func:`rows` is imported when it is used). Paths may be ``str`` or ``Path``.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager

from liveswap.exceptions import JournalError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI starts in a blink)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    Path = str | os.PathLike[str]

EXPORTS: dict[str, str] = {
    "fills": "SELECT f.*, o.strategy, o.tag, o.candle_market, o.candle_start FROM fills f"
             " JOIN orders o USING (client_order_id) ORDER BY f.ts, f.client_order_id",
    "settlements": "SELECT * FROM settlements ORDER BY ts, client_order_id",
    "orders": "SELECT * FROM orders ORDER BY batch_end, client_order_id",
    "decisions": "SELECT * FROM decisions ORDER BY batch_end, market",
    "swaps": "SELECT * FROM swaps ORDER BY id",
    "controls": "SELECT * FROM controls ORDER BY ts",
    "ledger": "SELECT * FROM ledger ORDER BY id",
    "missed": "SELECT * FROM missed_candles ORDER BY candle_start, market",
    "risk": "SELECT * FROM risk_events ORDER BY id",
}


@contextmanager
def open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    if not os.path.exists(path):
        raise JournalError(f"no journal at {path} (has a host run on this home?)")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        db.execute("SELECT 1 FROM meta LIMIT 1")
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: not a readable liveswap journal ({exc})") from exc
    try:
        yield db
    finally:
        db.close()


def rows(path: Path, table: str) -> list[dict[str, Any]]:
    """A table's rows; money columns (``*_micros`` on disk) as dollars/contracts, exact to the
    micro-unit (``cost_micros`` 4480000 -> ``cost`` 4.48)."""
    with open_readonly(path) as db:
        return [_dollars(dict(r)) for r in db.execute(EXPORTS[table])]


def _dollars(row: dict[str, Any]) -> dict[str, Any]:
    from liveswap.money import fl, from_micros

    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_micros"):
            out[key.removesuffix("_micros")] = None if value is None else fl(from_micros(value))
        else:
            out[key] = value
    return out


def history(path: Path) -> list[dict[str, Any]]:
    """Every activation, rollback, restart and refusal (swaps and control generations), and every shadow or
    canary start and end (promoted, rejected, replaced...), newest first."""
    with open_readonly(path) as db:
        crossed = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='swap_states'").fetchone()
        query = ("SELECT swaps.*, swap_states.mode AS state_mode, swap_states.state AS state FROM swaps "
                 "LEFT JOIN swap_states ON swap_states.swap_id = swaps.id" if crossed  # schema 4 on
                 else "SELECT *, NULL AS state_mode, NULL AS state FROM swaps")
        swaps = [dict(r) | {"what": "swap"} for r in db.execute(query)]
        controls = [dict(r) | {"what": "control"} for r in db.execute("SELECT * FROM controls WHERE ok=0")]
        candidates = _candidate_events(db)
    # a refused swap is also a refused control generation: show it once, as the swap
    refused_swaps = [(s["ts"], s["reason"]) for s in swaps if not s["ok"]]
    controls = [c for c in controls
                if not any(abs(c["ts"] - ts) < 5 and c["reason"].endswith(reason) for ts, reason in refused_swaps)]
    return sorted(swaps + controls + candidates, key=lambda r: r["ts"], reverse=True)


def _names(markets: str | None) -> list[str]:
    """A JSON list of market names (``["BTC-5m"]``: validated names, no quotes or commas inside) without json."""
    return [m.strip().strip('"') for m in (markets or "").strip().strip("[]").split(",") if m.strip()]


def _candidate_events(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """A shadow's or canary's start and end as history entries (a journal before candidates has none)."""
    try:
        found = db.execute("SELECT spec, mode, markets, active, started_at, ended_at, outcome, verdict, reason "
                           "FROM candidates ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    events = []
    for spec, mode, markets, active, started, ended, outcome, verdict, reason in found:
        on = ", ".join(_names(markets))
        events.append({"what": "candidate", "ts": started, "kind": f"{mode} start", "from_version": active,
                       "to_version": spec, "ok": 1, "pause_ms": None,
                       "reason": f"on {on}" if on else "beside the active version, every market"})
        if ended is not None:
            events.append({"what": "candidate", "ts": ended, "kind": f"{mode} {outcome or 'ended'}",
                           "from_version": active, "to_version": spec, "ok": 1, "pause_ms": None,
                           "reason": f"verdict {verdict or 'running'}: {reason or ''}".rstrip(": ")})
    return events


def active_versions(path: Path) -> list[tuple[str, str]]:
    """``(NAME==VERSION, wheel sha256)`` of every version that was active, newest first, each once
    (the first is the active one, the second the one a rollback goes to)."""
    with open_readonly(path) as db:
        found = db.execute("SELECT to_version, sha256 FROM swaps WHERE ok=1 ORDER BY id DESC").fetchall()
    seen: dict[str, str] = {}
    for spec, sha in found:
        seen.setdefault(spec, sha or "")
    return list(seen.items())
