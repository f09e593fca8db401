"""The Kalshi broker against a stateful fake Kalshi (signed V2 orders on a real local HTTP server).

What a user notices: an order at the ask of a 0.001-tick market is sent at that ask (0.425, not
0.42); a limit is never above the strategy's ``max_price`` (0.555 is sent as 0.555 on a 0.001
grid and as 0.55 on a cent grid, never 0.56); the order is a true immediate-or-cancel (a partial
fill is booked as what filled); fills are booked at the venue's cost and fees; a resubmit after a
crash is a lookup, never a second order.
"""

from __future__ import annotations

from decimal import Decimal
from decimal import Decimal as D

from liveswap.brokers.base import OrderRequest
from liveswap.venues.kalshi.broker import KalshiBroker
from liveswap.venues.kalshi.client import KalshiClient
from liveswap.venues.kalshi.feed import KalshiQuotes

from tests.support.fake_kalshi import API, SERIES, TICKER, FakeKalshi
from tests.support.fake_kalshi import kalshi_http as http
from tests.support.venue_server import T0, fixture

ORDERS = f"{API}/portfolio/events/orders"


def order(cid: str = "liveswap-0001", side: str = "up", stake: float = 5.0, max_price: float | None = 0.6):
    return OrderRequest(cid, "BTC-15m", side, stake, T0 + 900, T0 + 1800, 0.55, max_price, T0 + 901)


def broker(server, key) -> KalshiBroker:
    client = KalshiClient(http(server, key))
    return KalshiBroker(client, KalshiQuotes(client, SERIES), clock=lambda: T0 + 905)


def test_submit_sends_a_v2_ioc_bid_within_the_stake_and_books_the_venue_cost(server, key) -> None:
    fake = FakeKalshi(server, key.public_key())
    result = broker(server, key).submit(order())
    assert result.status == "filled"
    assert (result.shares, result.price, result.cost, result.fee) == (D(8), D("0.56"), D("4.48"), D("0.14"))  # not $5
    (sent,) = fake.bodies
    assert sent == fixture("kalshi_create_order_v2_request")  # limit = max_price 0.60, 8 = floor(5 / 0.60)
    assert server.hits("POST", f"{API}/portfolio/orders") == 0  # the legacy path is never used


def test_an_order_at_the_ask_of_a_deci_cent_market_is_sent_at_that_ask(server, key) -> None:
    fake = FakeKalshi(server, key.public_key(), markets="kalshi_markets_deci_cent", book="kalshi_orderbook_deci_cent")
    result = broker(server, key).submit(order(max_price=None))
    (sent,) = fake.bodies
    assert (sent["side"], sent["price"], sent["count"]) == ("bid", "0.4250", "11.00")  # floor(5 / 0.425) = 11
    assert result.status == "filled" and result.price == D("0.425")


def test_max_price_is_rounded_down_to_the_tick_never_up(server, key) -> None:
    fake = FakeKalshi(server, key.public_key(), markets="kalshi_markets_deci_cent", book="kalshi_orderbook_deci_cent")
    b = broker(server, key)
    b.submit(order("c-fine", max_price=0.5555))
    assert fake.bodies[-1]["price"] == "0.5550"  # 0.5555 floors to the 0.001 grid
    fake_cent = FakeKalshi(server, key.public_key())  # a whole-cent market (ask 0.56): 0.565 floors to 0.56
    broker(server, key).submit(order("c-cent", max_price=0.565))
    assert fake_cent.bodies[-1]["price"] == "0.5600"
    assert all(Decimal(b["price"]) <= Decimal("0.5555") for b in fake.bodies)


def test_down_asks_on_the_yes_book_at_the_complement(server, key) -> None:
    fake = FakeKalshi(server, key.public_key(), markets="kalshi_markets_deci_cent", book="kalshi_orderbook_deci_cent")
    result = broker(server, key).submit(order("c-down", side="down", max_price=0.6))
    (sent,) = fake.bodies
    # buying NO at most 0.600 = asking YES at least 0.400; NO ask is 1 - 0.415 = 0.585
    assert (sent["side"], sent["price"], sent["count"]) == ("ask", "0.4000", "8.00")
    assert result.status == "filled" and result.price == D("0.585")


def test_above_max_price_is_refused_before_anything_is_sent(server, key) -> None:
    FakeKalshi(server, key.public_key(), markets="kalshi_markets_deci_cent", book="kalshi_orderbook_deci_cent")
    refused = broker(server, key).submit(order("c-cheap", max_price=0.42))
    assert refused.status == "rejected" and refused.reason == "kalshi: YES ask 0.425 is above max_price 0.42"
    assert server.hits("POST", ORDERS) == 0


def test_immediate_or_cancel_books_a_partial_fill_as_what_filled(server, key) -> None:
    FakeKalshi(server, key.public_key(), fill=3)
    result = broker(server, key).submit(order())
    assert (result.status, result.shares, result.price) == ("filled", D(3), D("0.56"))
    none = FakeKalshi(server, key.public_key(), fill=0)
    nothing = broker(server, key).submit(order("c-none"))
    assert nothing.status == "rejected" and "nothing filled" in nothing.reason and "\n" not in nothing.reason
    assert none.bodies[-1]["time_in_force"] == "immediate_or_cancel"


def test_resubmit_after_a_crash_is_a_lookup_never_a_second_order(server, key) -> None:
    fake = FakeKalshi(server, key.public_key())
    first = broker(server, key).submit(order())
    again = broker(server, key).submit(order())  # a fresh broker: nothing in memory
    assert len(fake.orders) == 1
    assert (again.status, again.venue_order_id, again.shares) == ("filled", first.venue_order_id, D(8))
    assert broker(server, key).lookup("liveswap-0001").venue_order_id == first.venue_order_id
    assert broker(server, key).lookup("never-sent") is None


def test_settles_from_the_venue_result(server, key) -> None:
    FakeKalshi(server, key.public_key())
    b = broker(server, key)
    b.submit(order())
    server.json("GET", f"{API}/markets/{TICKER}", fixture("kalshi_market_settled"))
    assert b.settlements(T0 + 1700, [], ["liveswap-0001"]) == []  # window not over
    (report,) = b.settlements(T0 + 1860, [], ["liveswap-0001"])
    assert (report.client_order_id, report.won, report.payout) == ("liveswap-0001", True, D(8))
    assert b.settlements(T0 + 1900, [], ["liveswap-0001"]) == [report]  # again while the engine lists it
    assert b.settlements(T0 + 1900, [], []) == []
    (again,) = broker(server, key).settlements(T0 + 1900, [], ["liveswap-0001"])
    assert (again.won, again.payout) == (True, D(8))


def test_resting_orders_of_a_market_are_listed_and_cancelled_with_the_v2_cancel(server, key) -> None:
    fake = FakeKalshi(server, key.public_key())
    order_id = fake.resting("ls-abc-L4")
    fake.resting("other-series", ticker="KXETH15M-25DEC311930-30")
    b = broker(server, key)
    assert b.open_orders("BTC-15m") == ["ls-abc-L4"]  # only BTC-15m's series, only resting orders
    b.cancel("ls-abc-L4")
    assert [cid for cid, _ in fake.cancelled] == ["ls-abc-L4"]
    assert server.hits("DELETE", f"{ORDERS}/{order_id}") == 1
    assert b.open_orders("BTC-15m") == []
    b.cancel("ls-abc-L4")  # no longer resting: left as it is, nothing sent
    assert server.hits("DELETE", f"{ORDERS}/{order_id}") == 1
