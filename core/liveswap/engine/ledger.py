"""Money state in memory, derived from the journal: balance, open positions, open orders, PnL.

Rebuilt from ``journal.sqlite`` at every start (the journal is the truth); afterwards updated
by the same rows the engine journals, so the two cannot drift. Every amount is an exact
``Decimal`` (:mod:`liveswap.money`); a fill takes what the venue charged (``cost + fee``) from
the balance, not the stake that was asked for.

Exposure: filled, unsettled positions **and** orders whose outcome is not known yet (``new``,
``pending``, ``unknown``: see :mod:`liveswap.journal.schema`). Both count against
``max_open_positions``, and an open order's stake (plus a fee allowance) is reserved from the
balance, so an order the venue may still fill is never spent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from liveswap.api import Fill, Settlement
from liveswap.journal import FillRow, Journal, OrderRow, SettlementRow
from liveswap.money import ZERO, dec, fl, micro

DAY = 86_400
FEE_ALLOWANCE = Decimal("1.1")
"""An open order reserves its stake times this (the stake plus room for its fee)."""


def position_dict(fill: FillRow) -> dict[str, Any]:
    """An open position as strategies (``Context.open_positions``) and ``status.json`` see it."""
    return {"order_id": fill.client_order_id, "market": fill.market, "side": fill.side, "stake": fl(fill.stake),
            "cost": fl(fill.cost), "price": fl(fill.price), "shares": fl(fill.shares), "fee": fl(fill.fee),
            "window_start": fill.window_start, "window_end": fill.window_end, "version": fill.version}


def to_fill(f: FillRow) -> Fill:
    """The strategy API's float view of a fill: ``stake`` is what the fill cost (fee excluded)."""
    return Fill(order_id=f.client_order_id, market=f.market, side=f.side, stake=fl(f.cost),  # type: ignore[arg-type]
                price=fl(f.price), shares=fl(f.shares), ts=f.ts)  # type: ignore[arg-type]


def to_settlement(s: SettlementRow) -> Settlement:
    """The strategy API's float view of a settlement."""
    return Settlement(order_id=s.client_order_id, market=s.market, side=s.side, won=s.won,  # type: ignore[arg-type]
                      payout=fl(s.payout), pnl=fl(s.pnl), ts=s.ts)  # type: ignore[arg-type]


def order_dict(order: OrderRow) -> dict[str, Any]:
    """An open order (exposure whose outcome is not known yet), for ``status.json``."""
    return {"order_id": order.client_order_id, "market": order.market, "side": order.side,
            "stake": fl(order.stake), "status": order.status, "reason": order.reason,
            "window_end": order.window_end, "version": order.version}


@dataclass(slots=True)
class Tally:
    bets: int = 0
    wins: int = 0
    pnl: Decimal = ZERO

    def to_dict(self) -> dict[str, Any]:
        return {"bets": self.bets, "wins": self.wins, "pnl": fl(self.pnl),
                "win_rate": round(self.wins / self.bets, 4) if self.bets else None}


@dataclass(slots=True)
class Ledger:
    deposits: Decimal = ZERO
    balance: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    positions: dict[str, FillRow] = field(default_factory=dict)  # open: filled, not settled
    open_orders: dict[str, OrderRow] = field(default_factory=dict)  # sent or sending, outcome unknown
    by_market: dict[str, Tally] = field(default_factory=dict)
    by_version: dict[str, Tally] = field(default_factory=dict)
    daily_pnl: dict[int, Decimal] = field(default_factory=dict)
    strategies: dict[str, str] = field(default_factory=dict)
    """order id -> strategy NAME: ``by_version`` is keyed by ``NAME==VERSION`` (two strategies may
    share a version number)."""

    def __post_init__(self) -> None:  # a float given here (e.g. a hypothetical book's balance) becomes exact
        self.deposits, self.balance = dec(self.deposits), dec(self.balance)
        self.realized_pnl, self.fees = dec(self.realized_pnl), dec(self.fees)

    @classmethod
    def from_journal(cls, journal: Journal) -> Ledger:
        ledger = cls(deposits=journal.deposits())
        ledger.strategies = journal.order_strategies()
        ledger.balance = ledger.deposits
        for r in journal.fills():
            ledger.apply_fill(FillRow.from_db(r))
        for r in journal.settlements():
            ledger.apply_settlement(SettlementRow.from_db(r))
        for order in journal.open_orders():
            ledger.open_orders[order.client_order_id] = order
        return ledger

    def attribute(self, client_order_id: str, strategy: str) -> None:
        """Order ``client_order_id`` was placed by strategy NAME ``strategy`` (for ``by_version``)."""
        self.strategies[client_order_id] = strategy

    def order_opened(self, order: OrderRow) -> None:
        self.open_orders[order.client_order_id] = order

    def order_closed(self, client_order_id: str) -> None:
        self.open_orders.pop(client_order_id, None)

    def apply_fill(self, f: FillRow) -> None:
        self.open_orders.pop(f.client_order_id, None)
        self.balance -= f.outlay
        self.fees += f.fee
        self.positions[f.client_order_id] = f

    def apply_settlement(self, s: SettlementRow) -> None:
        self.positions.pop(s.client_order_id, None)
        self.balance += s.payout
        self.realized_pnl += s.pnl
        day = s.ts // DAY
        self.daily_pnl[day] = self.daily_pnl.get(day, ZERO) + s.pnl
        name = self.strategies.pop(s.client_order_id, None)
        key = f"{name}=={s.version}" if name else s.version
        for tally in (self.by_market.setdefault(s.market, Tally()), self.by_version.setdefault(key, Tally())):
            tally.bets += 1
            tally.wins += int(s.won)
            tally.pnl += s.pnl

    def settlement_for(self, order_id: str, won: bool, payout: Decimal, ts: int) -> SettlementRow | None:
        pos = self.positions.get(order_id)
        if pos is None:
            return None
        payout = micro(payout)
        return SettlementRow(order_id, ts, pos.market, pos.side, won, payout, payout - pos.outlay, pos.version)

    def open_in(self, market: str) -> list[dict[str, Any]]:
        return [position_dict(p) for p in self.positions.values() if p.market == market]

    def exposure_count(self) -> int:
        """Open positions plus orders whose outcome is not known yet."""
        return len(self.positions) + len(self.open_orders)

    def reserved(self) -> Decimal:
        """Balance held back for open orders (stake plus fee allowance each)."""
        return sum((o.stake * FEE_ALLOWANCE for o in self.open_orders.values()), ZERO)

    def day_loss(self, ts: int) -> Decimal:
        """Realized loss (positive number) of the UTC day containing ``ts``."""
        return max(ZERO, -self.daily_pnl.get(ts // DAY, ZERO))

    def win_rate(self) -> float | None:
        bets = sum(t.bets for t in self.by_market.values())
        return round(sum(t.wins for t in self.by_market.values()) / bets, 4) if bets else None
