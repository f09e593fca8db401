"""A shadow candidate on a venue is filled exactly as the venue broker would fill it (issue 26, point 3).

The quote the feed makes a candle with carries the venue's book (a bounded number of levels), and
the active version's broker fills a shadow's order on it with its own plan (limit on the tick
grid, whole contracts or cent shares, ``max_contracts``/``max_shares``), level by level, partial
when the book is thin, with the venue's fee. What a user notices: for the same intent on the same
book, the shadow's hypothetical fill is the fill the real broker gets from the (fake) venue --
same contracts, average price, cost and fee -- so a candidate never looks better than it would trade.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest
from liveswap.brokers.base import OrderRequest
from liveswap.markets import Market
from liveswap.venues.kalshi.broker import KalshiBroker
from liveswap.venues.kalshi.client import KalshiClient
from liveswap.venues.kalshi.feed import KalshiQuotes

from tests.support.fake_kalshi import SERIES, FakeKalshi
from tests.support.fake_kalshi import kalshi_http as http
from tests.support.venue_server import T0, same_fill

# Kalshi fixture book: YES asks 0.56 x 75, 0.60 x 10 (NO bids 0.44, 0.40); NO asks 0.46 x 120, 0.50 x 40
KALSHI_CASES = [
    ("up", 5.0, 0.6, (8, "0.56")),  # limit 0.60: floor(5 / 0.60) = 8 contracts, all at the best ask
    ("up", 100.0, 0.6, (85, None)),  # 166 asked; the book holds 85 up to 0.60: a partial fill over two levels
    ("down", 5.0, None, (10, "0.46")),  # no max_price: limit = the NO ask, floor(5 / 0.46) = 10
    ("down", 70.0, 0.5, (140, None)),  # 120 at 0.46 + 20 at 0.50
    ("up", 5.0, 0.5, None),  # max_price under the ask: refused, unsent
]


@pytest.mark.parametrize(("side", "stake", "max_price", "expected"), KALSHI_CASES)
def test_kalshi_shadow_fill_is_the_real_brokers_fill(server, key, side, stake, max_price, expected) -> None:
    FakeKalshi(server, key.public_key())
    client = KalshiClient(http(server, key))
    quotes = KalshiQuotes(client, SERIES, clock=lambda: T0 + 905)
    broker = KalshiBroker(client, quotes, clock=lambda: T0 + 905)
    seen = quotes.quote(Market.parse("BTC-15m"), T0 + 900)  # what the feed made the candle with
    order = OrderRequest("ls-shadow-1", "BTC-15m", side, stake, T0 + 900, T0 + 1800, 0.55, max_price, T0 + 901)
    sim = broker.simulate(order, seen)
    real = broker.submit(order)
    same_fill(real, sim)
    if expected is None:
        assert sim.status == real.status == "rejected" and "max_price" in sim.reason
        return
    contracts, price = expected
    assert sim.contracts == contracts and (price is None or sim.price == D(price))
    assert sim.fee > 0


def test_kalshi_quote_carries_the_ladder_and_a_shadow_without_a_book_is_not_filled(server, key) -> None:
    """The quote keeps the ask ladder it saw; a quote whose book could not be read fills no shadow order
    (never the paper model at the last price, which would be better than the venue)."""
    FakeKalshi(server, key.public_key())
    client = KalshiClient(http(server, key))
    quotes = KalshiQuotes(client, SERIES, clock=lambda: T0 + 905)
    broker = KalshiBroker(client, quotes, clock=lambda: T0 + 905)
    seen = quotes.quote(Market.parse("BTC-15m"), T0 + 900)
    order = OrderRequest("ls-shadow-2", "BTC-15m", "up", 5.0, T0 + 900, T0 + 1800, 0.55, 0.6, T0 + 901)
    blind = broker.simulate(order, replace(seen, book=None))
    assert blind.status == "rejected" and "not read at decision time" in blind.reason
    assert seen.up_asks == ((0.56, 75.0), (0.6, 10.0))  # the ladder is in the quote, cheapest first
