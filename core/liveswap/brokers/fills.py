"""The one fill model and the one settlement rule, shared by every simulated fill.

Used by the paper broker (:mod:`.paper`), the live-paper broker (``venues/live_paper.py``), a
shadow candidate's hypothetical fills (``rollout/hypothetical.py``) and the backtest, so a
version is filled alike wherever it is simulated:

* :func:`fill` -- buy ``stake`` USD of a side against an ask book (:class:`Level`s, cheapest
  first): **whole contracts**, level by level, never above ``max_price`` (nor 0.99), each level's
  size respected (a book that runs out gives a **partial fill**), ``slippage`` added to every
  level's price, and the venue's taker fee (:mod:`.fees`) on what was bought. A stake that buys no
  whole contract is rejected with the reason.
* :func:`paper_book` -- the paper model's book: one level of unlimited size at the price the
  engine saw. :func:`venue_book` -- a venue's book as a quote gives it (its asks with their sizes;
  just the best ask, unlimited, when the venue gave no depth).
* :func:`sweep` -- what an immediate-or-cancel limit buy of ``count`` contracts takes from a book
  (level by level, cheapest first, none above ``limit``): the venue brokers' hypothetical fills
  (``venues/kalshi/shadow.py``, ``venues/polymarket/shadow.py``) are built on it.
* :func:`side_won` -- the settlement rule: "up" wins when the window's close >= its open (ties go
  to "up", as on Polymarket's and Kalshi's up/down markets); :func:`won_side` reads the winning
  side off a real settlement, so a hypothetical bet on a window a real bet settled is settled
  by the venue's own resolution.

A simulated fill is never better than the real one would be: it pays the ask (not the last price
or the midpoint), the same slippage and fee, and no more depth than the book showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from liveswap.api import Candle
from liveswap.brokers.base import OrderRequest
from liveswap.brokers.fees import taker_fee
from liveswap.money import ONE, ZERO, Amount, dec, micro, usd
from liveswap.settings import PaperSettings

MAX_FILL_PRICE = Decimal("0.99")


@dataclass(frozen=True, slots=True)
class Level:
    """``size`` contracts offered at ``price`` (None: as many as wanted)."""

    price: Decimal
    size: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SimFill:
    """How the model fills an order (exact): ``price`` is the average price paid per contract."""

    status: Literal["filled", "rejected"]
    reason: str
    price: Decimal
    contracts: Decimal
    cost: Decimal
    fee: Decimal


def paper_book(price: Amount) -> tuple[Level, ...]:
    """The paper model: unlimited size at the price the engine saw."""
    return (Level(dec(price)),)


def venue_book(asks: Sequence[tuple[Amount, Amount]] | None, best_ask: Amount | None) -> tuple[Level, ...]:
    """A venue's ask book: its levels ``(price, size)`` if it gave depth, else its best ask alone."""
    if asks:
        return tuple(sorted((Level(dec(p), dec(s)) for p, s in asks if dec(s) > 0), key=lambda lv: lv.price))
    return () if best_ask is None else (Level(dec(best_ask)),)


def fill(order: OrderRequest, book: Sequence[Level], settings: PaperSettings) -> SimFill:
    """Fill ``order`` against ``book`` (asks, cheapest first) with ``settings``' slippage and fee."""
    levels = [lv for lv in book if 0 < lv.price < 1]
    if not levels:
        return rejected(f"no tradable price ({book[0].price})" if book else "no offer in the book")
    slippage = dec(settings.slippage)
    budget, contracts, cost = order.stake, ZERO, ZERO
    first = min(MAX_FILL_PRICE, micro(levels[0].price + slippage))
    for level in levels:
        price = min(MAX_FILL_PRICE, micro(level.price + slippage))
        if order.max_price is not None and price > order.max_price:
            break
        n = (budget / price).to_integral_value(rounding=ROUND_FLOOR)
        if level.size is not None:
            n = min(n, level.size.to_integral_value(rounding=ROUND_FLOOR))
        if n >= ONE:
            contracts += n
            cost += n * price
            budget -= n * price
        if level.size is None or budget < price:
            break
    if contracts < ONE:
        if order.max_price is not None and first > order.max_price:
            return rejected(f"price {usd(first)} above max_price {usd(order.max_price)}")
        return rejected(f"stake {usd(order.stake)} buys no whole contract at {usd(first)}")
    price = micro(cost / contracts)
    return SimFill("filled", "", price, contracts, cost, taker_fee(settings.fees, contracts, price))


def sweep(book: Sequence[Level], *, count: Decimal, limit: Decimal) -> list[tuple[Decimal, Decimal]]:
    """The ``(contracts, price)`` an immediate-or-cancel buy of ``count`` at most at ``limit`` takes
    from ``book`` (asks): level by level, cheapest first, each level's size respected; the rest is
    cancelled (a thin book gives a partial fill)."""
    taken: list[tuple[Decimal, Decimal]] = []
    left = count
    for level in sorted(book, key=lambda lv: lv.price):
        if level.price > limit or left <= 0:
            break
        take = left if level.size is None else min(level.size, left)
        if take > 0:
            taken.append((take, level.price))
            left -= take
    return taken


def rejected(reason: str) -> SimFill:
    """A fill the model refuses, with its one-line reason."""
    return SimFill("rejected", reason, ZERO, ZERO, ZERO, ZERO)


def side_won(candle: Candle, side: str) -> bool:
    """Whether a bet on ``side`` of ``candle``'s window won: "up" wins when close >= open (ties go up)."""
    up_won = candle.close >= candle.open
    return up_won if side == "up" else not up_won


def won_side(side: str, won: bool) -> str:
    """The side that won a window, read off a settled bet on ``side`` that ``won`` (or lost)."""
    return side if won else ("down" if side == "up" else "up")
