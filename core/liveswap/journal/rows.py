"""The journal's row types: a decision, an order, a fill and a settlement as the engine writes them
and reads them back (``from_db``). Amounts are exact ``Decimal`` here and integer micro-units on
disk (:mod:`liveswap.money`); a float given to a row becomes the Decimal of its repr.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from liveswap.money import ZERO, exact_fields, from_micros, micro, opt_from_micros


@dataclass(frozen=True, slots=True)
class DecisionRow:
    market: str
    candle_start: int
    strategy: str
    version: str
    intents: list[dict[str, Any]]
    rejected: list[dict[str, str]]
    fault: str | None = None
    lease_revision: int | None = None  # in a fleet: the lease (fencing token) the candle was decided under


@dataclass(frozen=True, slots=True)
class OrderRow:
    client_order_id: str
    market: str
    candle_market: str
    candle_start: int
    intent_index: int
    side: str
    stake: Decimal
    max_price: Decimal | None
    price: Decimal
    window_start: int
    window_end: int
    strategy: str
    version: str
    tag: str
    status: str = "new"  # new | stale (then pending | unknown | filled | rejected)
    reason: str = ""
    lease_revision: int | None = None  # in a fleet: the lease (fencing token) the order was sent under

    def __post_init__(self) -> None:
        exact_fields(self, "stake", "max_price", "price")

    @classmethod
    def from_db(cls, r: sqlite3.Row) -> OrderRow:
        return cls(r["client_order_id"], r["market"], r["candle_market"], r["candle_start"], r["intent_index"],
                   r["side"], from_micros(r["stake_micros"]), opt_from_micros(r["max_price_micros"]),
                   from_micros(r["price_micros"]), r["window_start"], r["window_end"], r["strategy"], r["version"],
                   r["tag"], r["status"], r["reason"], r["lease_revision"])


@dataclass(frozen=True, slots=True)
class FillRow:
    """A fill as the venue made it: ``shares`` contracts at ``price`` for ``cost`` (default
    ``shares x price``), plus ``fee``; ``stake`` is only what the order asked for."""

    client_order_id: str
    ts: int
    market: str
    side: str
    stake: Decimal
    price: Decimal
    shares: Decimal
    fee: Decimal
    window_start: int
    window_end: int
    version: str
    cost: Decimal | None = None

    def __post_init__(self) -> None:
        exact_fields(self, "stake", "price", "shares", "fee", "cost")
        if self.cost is None:
            object.__setattr__(self, "cost", micro(self.price * self.shares))

    @property
    def outlay(self) -> Decimal:
        """What the fill took from the balance: cost plus fee."""
        return (self.cost or ZERO) + self.fee

    @classmethod
    def from_db(cls, r: sqlite3.Row) -> FillRow:
        return cls(r["client_order_id"], r["ts"], r["market"], r["side"], from_micros(r["stake_micros"]),
                   from_micros(r["price_micros"]), from_micros(r["contracts_micros"]), from_micros(r["fee_micros"]),
                   r["window_start"], r["window_end"], r["version"], from_micros(r["cost_micros"]))


@dataclass(frozen=True, slots=True)
class SettlementRow:
    client_order_id: str
    ts: int
    market: str
    side: str
    won: bool
    payout: Decimal
    pnl: Decimal
    version: str

    def __post_init__(self) -> None:
        exact_fields(self, "payout", "pnl")

    @classmethod
    def from_db(cls, r: sqlite3.Row) -> SettlementRow:
        return cls(r["client_order_id"], r["ts"], r["market"], r["side"], bool(r["won"]),
                   from_micros(r["payout_micros"]), from_micros(r["pnl_micros"]), r["version"])
