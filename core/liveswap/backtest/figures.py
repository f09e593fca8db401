"""A version's backtest figures: what it bet, won and paid, its drawdown and equity curve.

Everything is taken from the engine's own :class:`~liveswap.engine.ledger.Ledger` (exact
``Decimal`` amounts) as the settlements come in; the equity curve (realized PnL after each batch
that settled something) is kept to at most :data:`MAX_POINTS` points by halving, so a run of a
million candles stays small, while the maximum drawdown is computed on every point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from liveswap.engine import Ledger
from liveswap.journal import FillRow, SettlementRow
from liveswap.money import ZERO, fl

MAX_POINTS = 2000


@dataclass(slots=True)
class SettledBet:
    """One settled bet, for the paired comparison of two versions (per market and window)."""

    market: str
    window_start: int
    staked: Decimal
    pnl: Decimal


@dataclass(slots=True)
class Figures:
    spec: str
    candles: int = 0
    batches: int = 0
    bets: int = 0
    refused: int = 0
    fault: str | None = None
    first_end: int | None = None
    last_end: int | None = None
    peak: Decimal = ZERO
    max_drawdown: Decimal = ZERO
    curve: list[tuple[int, float]] = field(default_factory=list)
    settled: list[SettledBet] = field(default_factory=list)
    _open: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    _step: int = 1
    _seen: int = 0

    def decided(self, end: int, candles: int) -> None:
        """A batch of ``candles`` closing at ``end`` was decided."""
        self.batches += 1
        self.candles += candles
        if self.first_end is None:
            self.first_end = end
        self.last_end = end

    def filled(self, fills: list[FillRow]) -> None:
        self.bets += len(fills)
        for f in fills:
            self._open[f.client_order_id] = (f.window_start, f.outlay)

    def settled_now(self, rows: list[SettlementRow], ledger: Ledger, end: int) -> None:
        """Settlements booked at batch ``end``: the bets kept for pairing, a point on the curve."""
        if not rows:
            return
        for r in rows:
            window_start, outlay = self._open.pop(r.client_order_id, (end, ZERO))
            self.settled.append(SettledBet(r.market, window_start, outlay, r.pnl))
        pnl = ledger.realized_pnl
        self.peak = max(self.peak, pnl)
        self.max_drawdown = max(self.max_drawdown, self.peak - pnl)
        self._seen += 1
        if self._seen % self._step == 0:
            self.curve.append((end, fl(pnl)))
            if len(self.curve) > MAX_POINTS:
                self.curve = self.curve[::2]
                self._step *= 2

    def report(self, ledger: Ledger) -> dict[str, Any]:
        wins = sum(t.wins for t in ledger.by_version.values())
        settled = sum(t.bets for t in ledger.by_version.values())
        return {
            "spec": self.spec, "candles": self.candles, "batches": self.batches,
            "from": self.first_end, "to": self.last_end,
            "bets": self.bets, "settled": settled, "wins": wins,
            "win_rate": round(wins / settled, 4) if settled else None,
            "pnl": fl(ledger.realized_pnl), "fees": fl(ledger.fees), "max_drawdown": fl(self.max_drawdown),
            "balance": fl(ledger.balance), "open_positions": len(ledger.positions), "refused": self.refused,
            "fault": self.fault, "equity": [[t, v] for t, v in self.curve],
        }
