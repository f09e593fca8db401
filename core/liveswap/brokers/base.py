"""The ``Broker`` seam: orders out, fills and settlements back.

Every order carries a deterministic ``client_order_id``; a broker must treat a second submit of
the same id as a lookup, never as a new order (that is how "no order is ever sent twice" holds
across crashes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from liveswap.api.types import Candle, Side
from liveswap.exceptions import BrokerError as BrokerError


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A risk-approved intent, ready for a venue: buy ``stake`` USD of ``side``.

    ``window_start``/``window_end`` name the market window the bet is on; ``price`` is the
    contract price the engine saw (the broker may fill worse, never above ``max_price``).
    """

    client_order_id: str
    market: str
    side: Side
    stake: float
    window_start: int
    window_end: int
    price: float
    max_price: float | None
    ts: int


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What the broker did with an order: ``filled`` (with fill details) or ``rejected``."""

    client_order_id: str
    status: Literal["filled", "rejected", "pending"]
    venue_order_id: str = ""
    price: float = 0.0
    shares: float = 0.0
    fee: float = 0.0
    reason: str = ""
    ts: int = 0


@dataclass(frozen=True, slots=True)
class SettlementReport:
    """A filled order's window ended: ``won`` pays $1 a share."""

    client_order_id: str
    won: bool
    payout: float
    ts: int


@runtime_checkable
class Broker(Protocol):
    name: str

    def submit(self, order: OrderRequest) -> OrderResult:
        """Place ``order`` (idempotent by ``client_order_id``)."""
        ...

    def lookup(self, client_order_id: str) -> OrderResult | None:
        """What the broker knows of an order, or None if it never saw it (for reconciliation)."""
        ...

    def settlements(self, now: int, closed: list[Candle], open_orders: list[str]) -> list[SettlementReport]:
        """Settlements of those ``open_orders`` (client ids) whose windows have resolved by ``now``.

        ``closed`` is the batch of candles that just closed (the paper broker settles from them;
        a venue broker asks the venue). Idempotent: an order is reported again until the engine
        stops listing it as open, so a crash between the broker and the journal loses nothing.
        """
        ...

    def close(self) -> None: ...
