"""What a Polymarket buy sends, and a shadow's order filled as the CLOB would fill it.

:func:`plan_buy` is the broker's plan (:class:`~liveswap.venues.polymarket.broker.PolymarketBroker`):
a fill-and-kill BUY at ``limit`` = ``max_price`` rounded down to the book's tick (else the best
ask) of ``floor(stake / limit)`` shares to the cent, at most ``max_shares``, refused below the
market's minimum size. :class:`PolySeen` is the CLOB book of the Up token and the market, read with
the quote at decision time; :func:`simulate` plans the same buy on it and takes what a taker
takes from the asks (level by level up to the limit, partial when the book is thin:
:func:`~liveswap.brokers.fills.sweep`), with the broker's fee (``shares x rate x p x (1 - p)`` on
``feesEnabled`` markets). The Down token's asks are the Up book's bids at ``1 - price`` (the CLOB
mirrors the two outcomes' books).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_UP, Decimal

from liveswap.brokers import Level, OrderRequest, SimFill, rejected, sweep
from liveswap.money import ZERO
from liveswap.venues.polymarket.parse import Book, PolyMarket

DEPTH = 20  # levels kept per side with a quote
SHARE = Decimal("0.01")
MICRO = Decimal("0.000001")


def taker_fee(shares: Decimal, price: Decimal, rate: Decimal) -> Decimal:
    """``shares x rate x p x (1 - p)``, rounded up to 1e-4 USDC (0 when fees are off)."""
    return (shares * rate * price * (1 - price)).quantize(Decimal("0.0001"), rounding=ROUND_UP)


def _d(value: float) -> Decimal:
    return Decimal(str(value))


def plan_buy(asks: list[Level], *, tick: str, min_size: float, order: OrderRequest, where: str,
             max_shares: Decimal) -> tuple[Decimal, Decimal] | str:
    """``(limit, shares)`` of the FAK BUY to send against ``asks``, or the one-line reason not to send one."""
    ask = min((lv.price for lv in asks), default=None)
    if ask is None or not 0 < ask < 1:
        return f"polymarket: no {order.side} offer in {where}"
    step = Decimal(tick)
    if order.max_price is not None and ask > _d(float(order.max_price)):
        return f"polymarket: {order.side} ask {ask} is above max_price {order.max_price}"
    limit = ask
    if order.max_price is not None:
        cap = min(_d(float(order.max_price)), 1 - step)
        limit = (cap / step).to_integral_value(rounding=ROUND_FLOOR) * step
    shares = min(max_shares, (_d(float(order.stake)) / limit).quantize(SHARE, ROUND_DOWN))
    if shares <= 0 or shares < _d(min_size):
        return (f"polymarket: stake {float(order.stake):.2f} buys {shares} shares at {limit}, "
                f"below the market's minimum {min_size:g}")
    return limit, shares


@dataclass(frozen=True, slots=True)
class PolySeen:
    """The window's market and its Up token's CLOB book as the feed read them."""

    market: PolyMarket
    book: Book

    def asks(self, side: str) -> list[Level]:
        """The asks of ``side`` ("up"/"down"), cheapest first: the Up book's asks, or its bids at ``1 - price``."""
        if side == "up":
            levels = [Level(_d(p), _d(s)) for p, s in self.book.asks if s > 0]
        else:
            levels = [Level(1 - _d(p), _d(s)) for p, s in self.book.bids if s > 0]
        return sorted(levels, key=lambda lv: lv.price)


def seen_book(market: PolyMarket, book: Book) -> PolySeen:
    """What a quote keeps of ``book``: its best :data:`DEPTH` levels a side (never more than the
    broker sees)."""
    return PolySeen(market, replace(book, asks=sorted(book.asks)[:DEPTH], bids=sorted(book.bids, reverse=True)[:DEPTH]))


def simulate(seen: PolySeen, order: OrderRequest, *, max_shares: Decimal, fee_rate: Decimal) -> SimFill:
    """What the Polymarket broker would get for ``order`` on ``seen``'s book."""
    asks = seen.asks(order.side)
    plan = plan_buy(asks, tick=seen.book.tick_size, min_size=seen.book.min_order_size, order=order,
                    where=seen.market.slug, max_shares=max_shares)
    if isinstance(plan, str):
        return rejected(plan)
    limit, shares = plan
    taken = sweep(asks, count=shares, limit=limit)
    filled, cost = sum((n for n, _ in taken), ZERO), sum((n * p for n, p in taken), ZERO)
    if filled <= 0:
        return rejected("polymarket: no orders found to match with FAK order")
    price = (cost / filled).quantize(MICRO)
    return SimFill("filled", "", price, filled, cost,
                   taker_fee(filled, price, fee_rate if seen.market.fees_enabled else ZERO))
