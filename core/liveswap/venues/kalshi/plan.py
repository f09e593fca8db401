"""What a Kalshi buy sends: :func:`plan_buy` turns a stake, a side and ``max_price`` into an
immediate-or-cancel limit of whole contracts on the market's price grid, or the one-line reason
not to send one. Shared by the broker (:mod:`.broker`) and a shadow's hypothetical fill
(:mod:`.shadow`), so both plan a buy alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from liveswap.venues.kalshi.parse import KalshiMarket, OrderBook
from liveswap.venues.kalshi.ticks import ONE, dec, floor_to_tick, infer_ranges, tick_at


@dataclass(frozen=True, slots=True)
class Plan:
    """One buy: ``count`` contracts of ``side`` at most at ``limit`` (the side's price, on the grid)."""

    side: Literal["yes", "no"]
    limit: Decimal
    count: int

    @property
    def book_side(self) -> Literal["bid", "ask"]:
        return "bid" if self.side == "yes" else "ask"

    @property
    def yes_price(self) -> Decimal:
        """The limit on the YES book, where V2 orders are priced (buying NO at p = asking 1 - p)."""
        return self.limit if self.side == "yes" else ONE - self.limit


def plan_buy(market: KalshiMarket, book: OrderBook, *, side: Literal["yes", "no"], stake: float,
             max_price: float | None, max_contracts: int) -> Plan | str:
    """The order to send, or the one-line reason not to send one."""
    bid = book.best_no_bid if side == "yes" else book.best_yes_bid  # the other side's bid is our ask
    if bid is None or not 0 < bid < 1:
        return f"kalshi: no {side.upper()} offer in {market.ticker}"
    ask = ONE - dec(bid)
    ranges = market.price_ranges or infer_ranges([dec(p) for p, _ in book.yes_bids + book.no_bids])
    if max_price is not None and ask > dec(max_price):
        return f"kalshi: {side.upper()} ask {ask} is above max_price {dec(max_price)}"
    if max_price is None:
        limit: Decimal | None = ask
    else:
        top = ONE - (tick_at(ranges, ONE) or Decimal("0.01"))
        limit = floor_to_tick(min(dec(max_price), top), ranges)
    if limit is None or limit < ask:  # cannot happen on a consistent grid; never send above max_price
        return f"kalshi: no price on {market.ticker}'s grid between the ask {ask} and max_price {max_price}"
    count = min(max_contracts, int((dec(stake) / limit).to_integral_value(rounding=ROUND_FLOOR)))
    if count < 1:
        return f"kalshi: stake {stake:.2f} buys no whole contract at {limit}"
    return Plan(side, limit, count)
