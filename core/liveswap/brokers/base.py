"""The ``Broker`` seam: orders out, fills and settlements back.

Every order carries a deterministic ``client_order_id``; a broker must treat a second submit of
the same id as a lookup, never as a new order (that is how "no order is ever sent twice" holds
across crashes).

Money is exact: every amount here is a ``Decimal`` (floats and strings given to the constructors
are converted through :func:`liveswap.money.dec`; never mix a float into the arithmetic). A fill
is reported as the venue made it -- whole (or the venue's fractional) contracts at a price, what
they cost, and the fee -- not as the stake that was asked for; a partial fill is just a fill of
fewer contracts.

Optional capabilities, checked with ``isinstance`` (see :mod:`liveswap.engine.reconcile`):
:class:`BalanceSource` (``balance()``) and :class:`PositionSource` (``positions()``); the engine
reconciles its ledger with whichever a broker has.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

from liveswap.api import Candle, Side
from liveswap.exceptions import BrokerError as BrokerError
from liveswap.money import ZERO, exact_fields, micro


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A risk-approved intent, ready for a venue: buy ``stake`` USD of ``side``.

    ``window_start``/``window_end`` name the market window the bet is on; ``price`` is the
    contract price the engine saw (the broker may fill worse, never above ``max_price``).
    """

    client_order_id: str
    market: str
    side: Side
    stake: Decimal
    window_start: int
    window_end: int
    price: Decimal
    max_price: Decimal | None
    ts: int

    def __post_init__(self) -> None:
        exact_fields(self, "stake", "price", "max_price")


@dataclass(frozen=True, slots=True)
class OrderResult:
    """What the broker did with an order: ``filled`` (``shares`` contracts at ``price``, costing
    ``cost`` -- default ``shares x price`` -- plus ``fee``), ``rejected``, or ``pending`` (the
    venue holds it; asked about again later)."""

    client_order_id: str
    status: Literal["filled", "rejected", "pending"]
    venue_order_id: str = ""
    price: Decimal = ZERO
    shares: Decimal = ZERO
    fee: Decimal = ZERO
    reason: str = ""
    ts: int = 0
    cost: Decimal | None = None

    def __post_init__(self) -> None:
        exact_fields(self, "price", "shares", "fee", "cost")
        if self.cost is None:
            object.__setattr__(self, "cost", micro(self.price * self.shares))


@dataclass(frozen=True, slots=True)
class SettlementReport:
    """A filled order's window ended: ``won`` pays $1 a share."""

    client_order_id: str
    won: bool
    payout: Decimal
    ts: int

    def __post_init__(self) -> None:
        exact_fields(self, "payout")


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


@runtime_checkable
class BalanceSource(Protocol):
    """A broker that can tell the account's cash balance (the ledger is reconciled with it)."""

    def balance(self) -> Decimal:
        """Cash now: deposits - cost and fees of fills + payouts (open positions excluded)."""
        ...


@runtime_checkable
class PositionSource(Protocol):
    """A broker that can list its open positions by client order id."""

    def positions(self) -> dict[str, Decimal]:
        """``client_order_id -> contracts`` of every filled, not yet settled order."""
        ...


@runtime_checkable
class OpenOrderSource(Protocol):
    """A venue broker that can list and cancel resting orders of a market (a fleet's takeover
    reconciles a market it gains with the venue before its first order there)."""

    def open_orders(self, market: str) -> list[str]:
        """Client order ids of the orders resting at the venue on ``market``'s open windows."""
        ...

    def cancel(self, client_order_id: str) -> None:
        """Cancel a resting order (:class:`BrokerError` if the venue refuses)."""
        ...
