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

# settlements (with the order's strategy name) and fills, each read from a rowid on
_SETTLED = """
SELECT s.rowid AS rid, s.ts AS ts, s.won AS won, s.pnl_micros / 1000000.0 AS pnl,
       o.strategy || '==' || o.version AS spec
FROM settlements s JOIN orders o USING (client_order_id)
WHERE s.rowid > ? ORDER BY {order}
"""
_FILLED = """
SELECT f.rowid AS rid, o.strategy || '==' || o.version AS spec, f.fee_micros / 1000000.0 AS fee,
       f.cost_micros / 1000000.0 AS stake, f.ts AS ts
FROM fills f JOIN orders o USING (client_order_id) WHERE f.rowid > ? ORDER BY f.rowid
"""
_IDENTITY = "SELECT value FROM meta WHERE key='created_at'"
_DEPOSITS = "SELECT COALESCE(SUM(amount_micros) / 1000000.0, 0) FROM ledger WHERE kind='deposit'"
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


def _new_figures(spec: str) -> dict[str, Any]:
    return {"spec": spec, "bets": 0, "wins": 0, "win_rate": None, "pnl": 0.0, "max_drawdown": 0.0, "fees": 0.0,
            "fills": 0, "staked": 0.0, "first_ts": None, "last_ts": None}


class Figures:
    """Money over time and per-version figures, kept up to date by reading only the rows added since.

    :meth:`refresh` reads settlements and fills after the last rowid it saw (cheap on a large
    journal); a settlement older than the last one shown, or another journal at the same path,
    makes it start over from the whole journal in time order. Not thread-safe: one per reader.
    """

    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, identity: str | None) -> None:
        self._identity = identity
        self._settled_rowid = 0
        self._filled_rowid = 0
        self.deposits = 0.0
        self.ts: list[int] = []
        self.equity: list[float] = []
        self.realized_pnl: list[float] = []
        self.by_spec: dict[str, list[tuple[int, float]]] = {}
        self._total = 0.0
        self._figures: dict[str, dict[str, Any]] = {}
        self._peaks: dict[str, float] = {}

    def refresh(self, path: Path) -> Figures:
        with open_readonly(path) as db:
            row = db.execute(_IDENTITY).fetchone()
            identity = str(row[0]) if row else ""
            if identity != self._identity:
                self._reset(identity)
            self.deposits = float(db.execute(_DEPOSITS).fetchone()[0])
            order = "s.rowid" if self._settled_rowid else "s.ts, s.rowid"  # a first read: in time order
            fresh = db.execute(_SETTLED.format(order=order), (self._settled_rowid,)).fetchall()
            if fresh and self.ts and min(int(r["ts"]) for r in fresh) < self.ts[-1]:
                self._reset(identity)  # settled out of time order: redo in time order
                self.deposits = float(db.execute(_DEPOSITS).fetchone()[0])
                fresh = db.execute(_SETTLED.format(order="s.ts, s.rowid"), (0,)).fetchall()
            filled = db.execute(_FILLED, (self._filled_rowid,)).fetchall()
        for r in fresh:
            self._settle(r)
        for r in filled:
            self._fill(r)
        return self

    def _settle(self, r: Any) -> None:
        spec, pnl, ts = r["spec"], float(r["pnl"]), int(r["ts"])
        self._settled_rowid = max(self._settled_rowid, int(r["rid"]))
        self._total += pnl
        self.ts.append(ts)
        self.realized_pnl.append(round(self._total, 6))
        self.equity.append(round(self.deposits + self._total, 6))
        fig = self._figures.get(spec) or self._figures.setdefault(spec, _new_figures(spec))
        fig["bets"] += 1
        fig["wins"] += int(r["won"])
        fig["pnl"] += pnl
        peak = self._peaks[spec] = max(self._peaks.get(spec, 0.0), fig["pnl"])
        fig["max_drawdown"] = max(fig["max_drawdown"], peak - fig["pnl"])
        self.by_spec.setdefault(spec, []).append((ts, round(fig["pnl"], 6)))

    def _fill(self, r: Any) -> None:
        self._filled_rowid = max(self._filled_rowid, int(r["rid"]))
        fig = self._figures.get(r["spec"]) or self._figures.setdefault(r["spec"], _new_figures(r["spec"]))
        fig["fills"] += 1
        fig["fees"] += float(r["fee"])
        fig["staked"] += float(r["stake"])
        ts = int(r["ts"])
        fig["first_ts"] = ts if fig["first_ts"] is None else min(fig["first_ts"], ts)
        fig["last_ts"] = ts if fig["last_ts"] is None else max(fig["last_ts"], ts)

    def money(self) -> MoneySeries:
        return MoneySeries(self.deposits, list(self.ts), list(self.equity), list(self.realized_pnl),
                           {k: list(v) for k, v in self.by_spec.items()})

    def versions(self) -> dict[str, dict[str, Any]]:
        """``NAME==VERSION`` -> bets (settled), wins, win_rate, pnl, max_drawdown, fees, fills, staked."""
        out = {}
        for spec, fig in self._figures.items():
            out[spec] = {**fig, "pnl": round(fig["pnl"], 6), "max_drawdown": round(fig["max_drawdown"], 6),
                         "fees": round(fig["fees"], 6), "staked": round(fig["staked"], 6),
                         "win_rate": round(fig["wins"] / fig["bets"], 4) if fig["bets"] else None}
        return out


def deposits(path: Path) -> float:
    with open_readonly(path) as db:
        return float(db.execute(_DEPOSITS).fetchone()[0])


def money_series(path: Path) -> MoneySeries:
    return Figures().refresh(path).money()


def version_figures(path: Path) -> dict[str, dict[str, Any]]:
    """``NAME==VERSION`` -> bets (settled), wins, win_rate, pnl, max_drawdown, fees, fills, staked."""
    return Figures().refresh(path).versions()


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
