"""Kalshi client: market data in both formats, signed portfolio reads, the V2 order calls."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from liveswap.exceptions import MalformedResponse, VenueAuthError, VenueNotFound
from liveswap.markets import Market
from liveswap.venues.kalshi.client import KalshiClient, order_body
from liveswap.venues.kalshi.feed import KalshiQuotes

from tests.support.fake_kalshi import API, SERIES, TICKER, verify
from tests.support.fake_kalshi import kalshi_http as http
from tests.support.venue_server import T0, Reply, fixture

# --- market data ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["kalshi_markets_fp", "kalshi_markets_legacy"])
def test_window_quote_from_either_price_format(server, name) -> None:
    server.json("GET", f"{API}/markets", fixture(name))
    quotes = KalshiQuotes(KalshiClient(http(server)), SERIES, clock=lambda: T0 + 905)
    q = quotes.quote(Market.parse("BTC-15m"), T0 + 900)
    assert (q.contract, q.up_bid, q.up_ask, q.last, q.up_price) == (TICKER, 0.54, 0.56, 0.55, 0.55)
    assert q.ask("down") == 0.46
    query = next(r.query for r in server.requests if r.path == f"{API}/markets")
    assert query["series_ticker"] == "KXBTC15M"
    assert int(query["min_close_ts"]) < T0 + 1800 < int(query["max_close_ts"])


def test_no_market_for_the_window_is_not_found(server) -> None:
    server.json("GET", f"{API}/markets", {"markets": [], "cursor": ""})
    quotes = KalshiQuotes(KalshiClient(http(server)), SERIES)
    with pytest.raises(VenueNotFound, match="no KXBTC15M market closes at 1767227400"):
        quotes.quote(Market.parse("BTC-15m"), T0 + 900)


def test_wrong_types_name_the_field(server) -> None:
    body = copy.deepcopy(fixture("kalshi_markets_fp"))
    body["markets"][0]["yes_ask_dollars"] = "fifty-six"
    server.json("GET", f"{API}/markets", body)
    quotes = KalshiQuotes(KalshiClient(http(server)), SERIES)
    with pytest.raises(MalformedResponse) as err:
        quotes.quote(Market.parse("BTC-15m"), T0 + 900)
    assert str(err.value) == (
        "kalshi: markets.markets[0].yes_ask_dollars: expected a decimal string, got the string 'fifty-six'"
    )
    body["markets"][0]["close_time"] = None
    server.json("GET", f"{API}/markets", body)
    with pytest.raises(MalformedResponse, match=r"markets\[0\]\.close_time: expected an ISO 8601 time, got null"):
        quotes.quote(Market.parse("BTC-15m"), T0 + 900)


@pytest.mark.parametrize("name", ["kalshi_orderbook_fp", "kalshi_orderbook_legacy"])
def test_orderbook_both_formats_give_best_bids_and_complement_asks(server, name) -> None:
    server.json("GET", f"{API}/markets/{TICKER}/orderbook", fixture(name))
    book = KalshiClient(http(server)).orderbook(TICKER)
    assert (book.best_yes_bid, book.best_no_bid, book.yes_ask, book.no_ask) == (0.54, 0.44, 0.56, 0.46)


def test_empty_orderbook_sides_may_be_null(server) -> None:
    server.json("GET", f"{API}/markets/{TICKER}/orderbook", {"orderbook_fp": {"yes_dollars": None, "no_dollars": []}})
    book = KalshiClient(http(server)).orderbook(TICKER)
    assert book.yes_ask is None and book.no_ask is None


def test_portfolio_reads_are_signed_and_parse_both_formats(server, key) -> None:
    def signed(name: str):
        return lambda req: Reply(200, fixture(name)) if verify(key.public_key(), req) else Reply(401, {})

    server.route("GET", f"{API}/portfolio/fills", signed("kalshi_fills"))
    server.route("GET", f"{API}/portfolio/positions", signed("kalshi_positions"))
    server.route("GET", f"{API}/portfolio/balance", signed("kalshi_balance"))
    client = KalshiClient(http(server, key))
    new, old = client.fills()
    assert (new.count, new.price, new.fee, new.side, new.is_taker) == (8.0, 0.56, 0.14, "yes", True)
    assert (old.fill_id, old.ticker, old.count, old.price, old.created_time) == ("f-0", TICKER, 3.0, 0.39, T0 + 100)
    yes, no = client.positions()
    assert (yes.position, yes.exposure, yes.fees_paid) == (8.0, 4.48, 0.14)
    assert (no.position, no.exposure, no.realized_pnl) == (-5.0, 2.10, -0.35)
    assert client.balance() == 1042.50


def test_wrong_key_is_an_auth_error(server, key) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server.route("GET", f"{API}/portfolio/balance",
                 lambda req: Reply(200, fixture("kalshi_balance")) if verify(key.public_key(), req)
                 else Reply(401, {"error": {"code": "authentication_error", "message": "invalid signature"}}))
    with pytest.raises(VenueAuthError, match="kalshi: GET /portfolio/balance: HTTP 401"):
        KalshiClient(http(server, other)).balance()
    with pytest.raises(VenueAuthError, match="needs credentials"):
        KalshiClient(http(server)).balance()


# --- orders on the current (V2) API ------------------------------------------------------------

def test_order_body_is_the_documented_v2_shape_with_exact_decimal_strings() -> None:
    body = order_body(ticker=TICKER, client_order_id="liveswap-0001", book_side="bid", count=8,
                      price=Decimal("0.6"))
    assert body == fixture("kalshi_create_order_v2_request")
    ask = order_body(ticker=TICKER, client_order_id="c", book_side="ask", count=11, price=Decimal("0.425"))
    assert (ask["side"], ask["count"], ask["price"]) == ("ask", "11.00", "0.4250")  # never rounded to 0.42
    assert "type" not in ask and "buy_max_cost" not in ask and "action" not in ask
    with pytest.raises(ValueError):
        order_body(ticker=TICKER, client_order_id="c", book_side="bid", count=0, price=Decimal("0.5"))


def test_create_and_cancel_use_the_events_orders_paths_signed(server, key) -> None:
    def signed(reply: Reply):
        return lambda req: reply if verify(key.public_key(), req) else Reply(401, {})

    created = Reply(201, fixture("kalshi_create_order_v2_response"))
    server.route("POST", f"{API}/portfolio/events/orders", signed(created))
    order_id = fixture("kalshi_create_order_v2_response")["order_id"]
    server.route("DELETE", f"{API}/portfolio/events/orders/{order_id}",
                 signed(Reply(200, fixture("kalshi_cancel_order_v2_response"))))
    client = KalshiClient(http(server, key))
    ack = client.create_order(fixture("kalshi_create_order_v2_request"))
    assert (ack.order_id, ack.fill_count, ack.remaining_count) == (order_id, Decimal("8.00"), Decimal(0))
    assert (ack.average_fill_price, ack.average_fee_paid) == (Decimal("0.5600"), Decimal("0.0175"))
    cancel = client.cancel_order(order_id)
    assert (cancel.order_id, cancel.reduced_by) == (order_id, Decimal("2.00"))
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", f"{API}/portfolio/events/orders"), ("DELETE", f"{API}/portfolio/events/orders/{order_id}")]


def test_a_malformed_create_answer_names_the_field(server, key) -> None:
    body = dict(fixture("kalshi_create_order_v2_response"), fill_count="eight")
    server.json("POST", f"{API}/portfolio/events/orders", body, status=201)
    with pytest.raises(MalformedResponse, match=r"create order response\.fill_count: expected a decimal string"):
        KalshiClient(http(server, key)).create_order(fixture("kalshi_create_order_v2_request"))


def test_market_price_grid_from_ranges_structure_or_tick_size(server) -> None:
    server.json("GET", f"{API}/markets", fixture("kalshi_markets_deci_cent"))
    (m,) = KalshiClient(http(server)).markets(series_ticker="KXBTC15M")
    assert [(r.start, r.end, r.step) for r in m.price_ranges] == [(Decimal(0), Decimal(1), Decimal("0.001"))]
    legacy = copy.deepcopy(fixture("kalshi_markets_legacy"))
    legacy["markets"][0]["tick_size"] = 1
    server.json("GET", f"{API}/markets", legacy)
    (old,) = KalshiClient(http(server)).markets()
    assert [r.step for r in old.price_ranges] == [Decimal("0.01")]
    tapered = dict(fixture("kalshi_markets_fp")["markets"][0], price_level_structure="tapered_deci_cent")
    server.json("GET", f"{API}/markets", {"markets": [tapered], "cursor": ""})
    (t,) = KalshiClient(http(server)).markets()
    assert [r.step for r in t.price_ranges] == [Decimal("0.001"), Decimal("0.01"), Decimal("0.001")]
