"""Read-only figures over time for the web dashboard: money series, per-version figures, swaps, faults.

Every query opens the journal with ``mode=ro`` (:func:`~liveswap.journal.reader.open_readonly`),
so a reader never writes, never takes the writer's lock and never blocks the host (WAL). A version
is always named ``NAME==VERSION``: fills and settlements carry only the version, so the strategy
name comes from the order row. Amounts are read as stored; money columns may change type later
(exact decimals): only this module knows the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liveswap.journal.reader import open_readonly

# settlement -> its order, for the strategy name and the fee paid at the fill
_SETTLED = """
SELECT s.ts AS ts, s.won AS won, s.pnl AS pnl, f.fee AS fee, o.strategy || '==' || o.version AS spec
FROM settlements s JOIN fills f USING (client_order_id) JOIN orders o USING (client_order_id)
ORDER BY s.ts, s.client_order_id
"""
_FILLED = """
SELECT o.strategy || '==' || o.version AS spec, COUNT(*) AS fills, COALESCE(SUM(f.fee), 0) AS fees,
       COALESCE(SUM(f.stake), 0) AS staked, MIN(f.ts) AS first_ts, MAX(f.ts) AS last_ts
FROM fills f JOIN orders o USING (client_order_id) GROUP BY spec
"""
_SWAPS = ("SELECT id, ts, kind, from_version, to_version, ok, reason, pause_ms, batch_end FROM swaps "
          "ORDER BY id DESC LIMIT ?")
_FAULTS = ("SELECT market, candle_start, batch_end, strategy || '==' || version AS spec, fault, decided_at "
           "FROM decisions WHERE fault IS NOT NULL ORDER BY batch_end DESC, market LIMIT ?")


@dataclass(frozen=True, slots=True)
class MoneySeries:
    """Realized money over (candle-clock) time: one point per settlement, in order."""

    deposits: float
    ts: list[int]
    equity: list[float]        # deposits + realized PnL so far
    realized_pnl: list[float]  # realized PnL so far, all versions
    by_spec: dict[str, list[tuple[int, float]]]  # NAME==VERSION -> [(ts, its realized PnL so far)]


def deposits(path: Path) -> float:
    with open_readonly(path) as db:
        return float(db.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind='deposit'").fetchone()[0])


def money_series(path: Path) -> MoneySeries:
    with open_readonly(path) as db:
        dep = float(db.execute("SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE kind='deposit'").fetchone()[0])
        rows = db.execute(_SETTLED).fetchall()
    ts: list[int] = []
    equity: list[float] = []
    realized: list[float] = []
    by_spec: dict[str, list[tuple[int, float]]] = {}
    total = 0.0
    per: dict[str, float] = {}
    for r in rows:
        total += float(r["pnl"])
        per[r["spec"]] = per.get(r["spec"], 0.0) + float(r["pnl"])
        ts.append(int(r["ts"]))
        realized.append(round(total, 6))
        equity.append(round(dep + total, 6))
        by_spec.setdefault(r["spec"], []).append((int(r["ts"]), round(per[r["spec"]], 6)))
    return MoneySeries(dep, ts, equity, realized, by_spec)


def version_figures(path: Path) -> dict[str, dict[str, Any]]:
    """``NAME==VERSION`` -> bets (settled), wins, win_rate, pnl, max_drawdown, fees, fills, staked."""
    with open_readonly(path) as db:
        settled = db.execute(_SETTLED).fetchall()
        filled = db.execute(_FILLED).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for r in filled:
        out[r["spec"]] = {"spec": r["spec"], "bets": 0, "wins": 0, "win_rate": None, "pnl": 0.0,
                          "max_drawdown": 0.0, "fees": round(float(r["fees"]), 6), "fills": int(r["fills"]),
                          "staked": round(float(r["staked"]), 6), "first_ts": r["first_ts"], "last_ts": r["last_ts"]}
    peaks: dict[str, float] = {}
    for r in settled:
        fig = out.setdefault(r["spec"], {"spec": r["spec"], "bets": 0, "wins": 0, "win_rate": None, "pnl": 0.0,
                                         "max_drawdown": 0.0, "fees": 0.0, "fills": 0, "staked": 0.0,
                                         "first_ts": None, "last_ts": None})
        fig["bets"] += 1
        fig["wins"] += int(r["won"])
        fig["pnl"] += float(r["pnl"])
        peak = peaks[r["spec"]] = max(peaks.get(r["spec"], 0.0), fig["pnl"])
        fig["max_drawdown"] = max(fig["max_drawdown"], peak - fig["pnl"])
    for fig in out.values():
        fig["pnl"] = round(fig["pnl"], 6)
        fig["max_drawdown"] = round(fig["max_drawdown"], 6)
        fig["win_rate"] = round(fig["wins"] / fig["bets"], 4) if fig["bets"] else None
    return out


def swaps(path: Path, limit: int = 200) -> list[dict[str, Any]]:
    """The latest swaps, rollbacks, starts and refusals, oldest first (``batch_end`` is candle-clock time)."""
    with open_readonly(path) as db:
        rows = [dict(r) for r in db.execute(_SWAPS, (limit,))]
    for r in rows:
        r["ok"] = bool(r["ok"])
    return rows[::-1]


def recent_faults(path: Path, limit: int = 20) -> list[dict[str, Any]]:
    """The latest strategy faults recorded with decisions, newest first."""
    with open_readonly(path) as db:
        return [dict(r) for r in db.execute(_FAULTS, (limit,))]
