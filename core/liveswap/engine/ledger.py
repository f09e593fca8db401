"""Money state in memory, derived from the journal: balance, open positions, PnL, win rates.

Rebuilt from ``journal.sqlite`` at every start (the journal is the truth); afterwards updated
by the same rows the engine journals, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liveswap.journal.store import FillRow, Journal, SettlementRow

DAY = 86_400


def position_dict(fill: FillRow) -> dict[str, Any]:
    """An open position as strategies (``Context.open_positions``) and ``status.json`` see it."""
    return {"order_id": fill.client_order_id, "market": fill.market, "side": fill.side, "stake": fill.stake,
            "price": fill.price, "shares": fill.shares, "fee": fill.fee, "window_start": fill.window_start,
            "window_end": fill.window_end, "version": fill.version}


@dataclass(slots=True)
class Tally:
    bets: int = 0
    wins: int = 0
    pnl: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"bets": self.bets, "wins": self.wins, "pnl": round(self.pnl, 6),
                "win_rate": round(self.wins / self.bets, 4) if self.bets else None}


@dataclass(slots=True)
class Ledger:
    deposits: float = 0.0
    balance: float = 0.0
    realized_pnl: float = 0.0
    fees: float = 0.0
    positions: dict[str, FillRow] = field(default_factory=dict)  # open: filled, not settled
    by_market: dict[str, Tally] = field(default_factory=dict)
    by_version: dict[str, Tally] = field(default_factory=dict)
    daily_pnl: dict[int, float] = field(default_factory=dict)
    strategies: dict[str, str] = field(default_factory=dict)
    """order id -> strategy NAME: ``by_version`` is keyed by ``NAME==VERSION`` (two strategies may
    share a version number)."""

    @classmethod
    def from_journal(cls, journal: Journal) -> Ledger:
        ledger = cls(deposits=journal.deposits())
        ledger.strategies = journal.order_strategies()
        ledger.balance = ledger.deposits
        for r in journal.fills():
            ledger.apply_fill(FillRow(r["client_order_id"], r["ts"], r["market"], r["side"], r["stake"], r["price"],
                                      r["shares"], r["fee"], r["window_start"], r["window_end"], r["version"]))
        for r in journal.settlements():
            ledger.apply_settlement(SettlementRow(r["client_order_id"], r["ts"], r["market"], r["side"],
                                                  bool(r["won"]), r["payout"], r["pnl"], r["version"]))
        return ledger

    def apply_fill(self, f: FillRow) -> None:
        self.balance -= f.stake + f.fee
        self.fees += f.fee
        self.positions[f.client_order_id] = f

    def apply_settlement(self, s: SettlementRow) -> None:
        self.positions.pop(s.client_order_id, None)
        self.balance += s.payout
        self.realized_pnl += s.pnl
        self.daily_pnl[s.ts // DAY] = self.daily_pnl.get(s.ts // DAY, 0.0) + s.pnl
        name = self.strategies.pop(s.client_order_id, None)
        key = f"{name}=={s.version}" if name else s.version
        for tally in (self.by_market.setdefault(s.market, Tally()), self.by_version.setdefault(key, Tally())):
            tally.bets += 1
            tally.wins += int(s.won)
            tally.pnl += s.pnl

    def settlement_for(self, order_id: str, won: bool, payout: float, ts: int) -> SettlementRow | None:
        pos = self.positions.get(order_id)
        if pos is None:
            return None
        pnl = round(payout - pos.stake - pos.fee, 6)
        return SettlementRow(order_id, ts, pos.market, pos.side, won, payout, pnl, pos.version)

    def open_in(self, market: str) -> list[dict[str, Any]]:
        return [position_dict(p) for p in self.positions.values() if p.market == market]

    def day_loss(self, ts: int) -> float:
        """Realized loss (positive number) of the UTC day containing ``ts``."""
        return max(0.0, -self.daily_pnl.get(ts // DAY, 0.0))

    def win_rate(self) -> float | None:
        bets = sum(t.bets for t in self.by_market.values())
        return round(sum(t.wins for t in self.by_market.values()) / bets, 4) if bets else None
