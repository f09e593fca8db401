"""A shadow on Polymarket is filled as the Polymarket broker would fill it (issue 26, point 3).

The quote keeps the Up token's CLOB book (its best levels); the broker plans the FAK buy on it
(limit on the book's tick, cent shares, ``max_shares``, the market's minimum size) and takes the
asks up to the limit, partial when thin, with Polymarket's taker fee. For the same intent on the
same book the shadow's fill is what the real broker gets from the fake CLOB (shares, average price,
exact cost, fee); and through the host's wiring, the venue feed keeps the quote each candle was made with.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from liveswap.brokers.base import OrderRequest
from liveswap.markets import Market
from liveswap.rollout.hypothetical import shadow_fills
from liveswap.settings import Settings
from liveswap.venues.binance.feed import BinanceBars
from liveswap.venues.factory import make_broker
from liveswap.venues.feed import VenueFeed

from tests.support.venue_feeds import NOW, poly_quotes, serve_binance, vhttp
from tests.support.venue_server import T0, same_fill

pytest.importorskip("py_clob_client_v2", reason="py-clob-client-v2 is not installed (pip install -e '.[polymarket]')")
from eth_account import Account  # noqa: E402  (a dependency of py-clob-client-v2)

from tests.support.fake_clob import FakeClob  # noqa: E402

# Polymarket fixture book (Up token): asks 0.52 x 60, 0.53 x 150, 0.55 x 200
POLY_CASES = [
    (5.0, 0.6, ("8.33", "0.52")),  # 8.33 shares = floor(5 / 0.60, 2 dp), all at 0.52
    (100.0, 0.54, ("185.18", None)),  # 60 at 0.52 + 125.18 at 0.53
    (200.0, 0.54, ("210", None)),  # 370.37 asked; 210 up to 0.54: partial
    (5.0, 0.5, None),  # under the ask: refused, unsent
]


def _broker(server, tmp_path):  # type: ignore[no-untyped-def]
    account = Account.create()
    key_file = tmp_path / "polymarket.key"
    key_file.write_text(account.key.hex() + "\n")
    clob = FakeClob(server, account.address)
    settings = Settings(home=tmp_path / "home", markets=["BTC-5m"], feed="polymarket", broker="polymarket",
                        venues={"polymarket": {"gamma_url": server.url, "clob_url": server.url,
                                               "private_key_file": str(key_file)}, "retries": 0})
    return clob, make_broker("polymarket", settings, clock=lambda: NOW)


@pytest.mark.parametrize(("stake", "max_price", "expected"), POLY_CASES)
def test_polymarket_shadow_fill_is_the_real_brokers_fill(server, tmp_path, stake, max_price, expected) -> None:
    _, broker = _broker(server, tmp_path)
    seen = broker.quotes.quote(Market.parse("BTC-5m"), T0 + 900)
    order = OrderRequest("ls-p-shadow", "BTC-5m", "up", stake, T0 + 900, T0 + 1200, 0.51, max_price, NOW)
    sim = broker.simulate(order, seen)
    real = broker.submit(order)
    same_fill(real, sim)
    if expected is None:
        assert sim.status == "rejected" and "max_price" in sim.reason
        return
    shares, price = expected
    assert sim.contracts == D(shares) and (price is None or sim.price == D(price))


def test_the_host_fills_a_shadow_on_the_book_its_candle_was_made_with(server, tmp_path) -> None:
    """The wiring the host uses (``shadow_fills``): the venue feed keeps the quote each candle was made with;
    a shadow's order for that window is filled by the active version's broker on that quote's book, even
    after the venue's book has moved; a window the feed never quoted has no venue fill (None)."""
    clob, broker = _broker(server, tmp_path)
    serve_binance(server)
    feed = VenueFeed("polymarket", ["BTC-5m"], BinanceBars(vhttp(server, "binance")), poly_quotes(server),
                     clock=lambda: NOW)
    assert [c.end for c in feed.closed_candles(T0 + 600, NOW)] == [T0 + 900]
    fills = shadow_fills(feed, broker)
    assert fills is not None and fills("BTC-5m", T0 + 1200) is None  # not quoted: no venue book to fill on
    order = OrderRequest("ls-p-host", "BTC-5m", "up", 200.0, T0 + 900, T0 + 1200, 0.51, 0.54, NOW)
    filler = fills("BTC-5m", T0 + 900)
    assert filler is not None
    sim = filler(order)
    same_fill(broker.submit(order), sim)
    assert sim.contracts == 210  # partial: the book held 210 shares up to 0.54
    clob.book = {**clob.book, "asks": [{"price": "0.52", "size": "5000"}]}  # the book moves after the decision
    assert filler(order) == sim  # the shadow is filled on what the active version saw
