"""A shadow's order filled as the Kalshi broker would fill it, on the book the feed saw.

:class:`KalshiSeen` is the order book (a bounded number of levels) and the market (its price
grid) read with the quote at decision time. :func:`simulate` plans the buy exactly as
:class:`~liveswap.venues.kalshi.broker.KalshiBroker` does (:func:`~liveswap.venues.kalshi.plan.plan_buy`:
the limit on the grid, ``floor(stake / limit)`` whole contracts, ``max_contracts``), then takes what
an immediate-or-cancel buy at that limit takes from the book (level by level, partial when the
book is thin: :func:`~liveswap.brokers.fills.sweep`), with Kalshi's published taker fee
``round_up(0.07 x C x P x (1 - P))`` to the cent over the contracts taken at each price. A book
that was cut at the depth read gives fewer contracts, never more: the shadow is never better
off than it would be if it sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from liveswap.brokers import Level, OrderRequest, SimFill, rejected, sweep
from liveswap.money import CENT, ZERO, ceil_to, dec, micro
from liveswap.venues.kalshi.parse import KalshiMarket, OrderBook
from liveswap.venues.kalshi.plan import plan_buy

FEE_RATE = Decimal("0.07")
DEPTH = 20  # levels read per side with a quote


@dataclass(frozen=True, slots=True)
class KalshiSeen:
    """The window's market and order book as the feed read them."""

    market: KalshiMarket
    book: OrderBook

    def asks(self, side: str) -> tuple[Level, ...]:
        """The asks of ``side`` ("yes"/"no"): the other side's bids at ``1 - price``, cheapest first."""
        bids = self.book.no_bids if side == "yes" else self.book.yes_bids
        return tuple(sorted((Level(1 - dec(p), dec(s)) for p, s in bids if s > 0), key=lambda lv: lv.price))


    def up_asks(self) -> tuple[tuple[float, float], ...]:
        """The YES asks as a :class:`~liveswap.venues.quotes.Quote` carries them: ``(price, size)``."""
        return tuple((float(lv.price), float(lv.size or 0)) for lv in self.asks("yes"))


def kalshi_fee(taken: list[tuple[Decimal, Decimal]]) -> Decimal:
    """Kalshi's taker fee on ``(contracts, price)`` taken: ``round_up(0.07 x sum C x P x (1 - P))`` to the cent."""
    raw = sum((FEE_RATE * n * p * (1 - p) for n, p in taken), ZERO)
    return ceil_to(raw, CENT) if raw > 0 else ZERO


def simulate(seen: KalshiSeen, order: OrderRequest, *, max_contracts: int) -> SimFill:
    """What the Kalshi broker would get for ``order`` on ``seen``'s book."""
    side = "yes" if order.side == "up" else "no"
    plan = plan_buy(seen.market, seen.book, side=side, stake=float(order.stake),
                    max_price=None if order.max_price is None else float(order.max_price), max_contracts=max_contracts)
    if isinstance(plan, str):
        return rejected(plan)
    taken = sweep(seen.asks(side), count=Decimal(plan.count), limit=plan.limit)
    contracts, cost = sum((n for n, _ in taken), ZERO), sum((n * p for n, p in taken), ZERO)
    if contracts <= 0:
        return rejected(f"kalshi: immediate-or-cancel {side.upper()} buy of {plan.count} at {plan.limit}: "
                        "nothing filled")
    return SimFill("filled", "", micro(cost / contracts), contracts, micro(cost), kalshi_fee(taken))
