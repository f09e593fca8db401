"""Kalshi: request signing, market data in both formats, and the broker against a stateful fake.

The fake Kalshi runs on a real local HTTP server and verifies every signed request with the
public key (RSA-PSS, MGF1-SHA256, salt = digest length over ``timestamp + METHOD + path``), so a
wrong signature is a 401 exactly as on the venue.
"""

from __future__ import annotations

import base64
import copy
import uuid

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from liveswap.brokers.base import OrderRequest
from liveswap.brokers.kalshi_broker import KalshiBroker
from liveswap.markets import Market
from liveswap.venues.errors import AuthError, MalformedResponse, NotFound, VenueConfigError
from liveswap.venues.http import RetryPolicy, VenueHttp
from liveswap.venues.kalshi import KalshiClient, KalshiQuotes
from liveswap.venues.kalshi_auth import KalshiSigner, load_private_key, signing_message

from tests.support.venue_server import T0, Reply, Request, fixture

API = "/trade-api/v2"
TICKER = "KXBTC15M-25DEC311930-30"
SERIES = {"BTC-15m": "KXBTC15M"}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def verify(public: rsa.RSAPublicKey, req: Request) -> bool:
    try:
        msg = f"{req.headers['KALSHI-ACCESS-TIMESTAMP']}{req.method}{req.path}".encode()
        public.verify(base64.b64decode(req.headers["KALSHI-ACCESS-SIGNATURE"]), msg,
                      padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size),
                      hashes.SHA256())
        return req.headers["KALSHI-ACCESS-KEY"] == "key-123"
    except (KeyError, InvalidSignature, ValueError):
        return False


def http(server, key=None, key_id="key-123") -> VenueHttp:
    signer = KalshiSigner(key_id, key) if key is not None else None
    return VenueHttp("kalshi", server.url + API, timeout=0.5, retry=RetryPolicy(attempts=2, base_delay=0),
                     signer=signer, sleep=lambda s: None)


# --- signing -------------------------------------------------------------------------------

def test_signature_verifies_with_the_public_key_over_timestamp_method_and_path(key) -> None:
    signer = KalshiSigner("key-123", key, clock_ms=lambda: 1703123456789)
    headers = signer.headers("POST", "/trade-api/v2/portfolio/orders")
    assert headers["KALSHI-ACCESS-KEY"] == "key-123"
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1703123456789"
    key.public_key().verify(
        base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"]),
        b"1703123456789POST/trade-api/v2/portfolio/orders",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_query_string_is_not_signed(key) -> None:
    assert signing_message(1, "get", "/trade-api/v2/portfolio/orders?limit=5") == b"1GET/trade-api/v2/portfolio/orders"
    sig = KalshiSigner("k", key).sign(7, "GET", "/trade-api/v2/portfolio/fills?ticker=X")
    key.public_key().verify(base64.b64decode(sig), b"7GET/trade-api/v2/portfolio/fills",
                            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())


def test_private_key_file_errors_are_one_line_and_show_no_key(tmp_path, key) -> None:
    with pytest.raises(VenueConfigError, match="cannot read private_key_file"):
        load_private_key(tmp_path / "missing.key")
    bad = tmp_path / "bad.key"
    bad.write_text("-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n")
    with pytest.raises(VenueConfigError, match="is not an unencrypted PEM RSA private key") as err:
        load_private_key(bad)
    assert "not base64" not in str(err.value)
    good = tmp_path / "good.key"
    good.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    assert load_private_key(good).key_size == 2048


# --- market data ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["kalshi_markets_fp", "kalshi_markets_legacy"])
def test_window_quote_from_either_price_format(server, name) -> None:
    server.json("GET", f"{API}/markets", fixture(name))
    quotes = KalshiQuotes(KalshiClient(http(server)), SERIES, clock=lambda: T0 + 905)
    q = quotes.quote(Market.parse("BTC-15m"), T0 + 900)
    assert (q.contract, q.up_bid, q.up_ask, q.last, q.up_price) == (TICKER, 0.54, 0.56, 0.55, 0.55)
    assert q.ask("down") == 0.46
    query = server.requests[-1].query
    assert query["series_ticker"] == "KXBTC15M"
    assert int(query["min_close_ts"]) < T0 + 1800 < int(query["max_close_ts"])


def test_no_market_for_the_window_is_not_found(server) -> None:
    server.json("GET", f"{API}/markets", {"markets": [], "cursor": ""})
    quotes = KalshiQuotes(KalshiClient(http(server)), SERIES)
    with pytest.raises(NotFound, match="no KXBTC15M market closes at 1767227400"):
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
    with pytest.raises(AuthError, match="kalshi: GET /portfolio/balance: HTTP 401"):
        KalshiClient(http(server, other)).balance()
    with pytest.raises(AuthError, match="needs credentials"):
        KalshiClient(http(server)).balance()


# --- the broker against a stateful fake Kalshi --------------------------------------------------

class FakeKalshi:
    """Orders placed through signed POSTs, listed through signed GETs; fills at the book's ask."""

    def __init__(self, server, public: rsa.RSAPublicKey) -> None:
        self.orders: list[dict] = []
        self.public = public
        server.json("GET", f"{API}/markets", fixture("kalshi_markets_fp"))
        server.json("GET", f"{API}/markets/{TICKER}", {"market": fixture("kalshi_markets_fp")["markets"][0]})
        server.json("GET", f"{API}/markets/{TICKER}/orderbook", fixture("kalshi_orderbook_fp"))
        server.route("POST", f"{API}/portfolio/orders", self.create)
        server.route("GET", f"{API}/portfolio/orders", self.list)

    def create(self, req: Request) -> Reply:
        if not verify(self.public, req):
            return Reply(401, {"error": {"code": "authentication_error", "message": "bad signature"}})
        body = req.json()
        order = copy.deepcopy(fixture("kalshi_order_executed")["order"])
        count, price = body["count"], 0.56 if body["side"] == "yes" else 0.46
        order.update({"order_id": str(uuid.uuid4()), "client_order_id": body["client_order_id"],
                      "side": body["side"], "outcome_side": body["side"], "fill_count_fp": f"{count:.2f}",
                      f"{body['side']}_price_dollars": f"{body[body['side'] + '_price'] / 100:.4f}",
                      "taker_fill_cost_dollars": f"{count * price:.4f}",
                      "taker_fees_dollars": "0.1400"})
        self.orders.append(order)
        return Reply(201, {"order": order})

    def list(self, req: Request) -> Reply:
        if not verify(self.public, req):
            return Reply(401, {})
        found = [o for o in self.orders if req.query.get("ticker") in (None, o["ticker"])]
        return Reply(200, {"orders": found, "cursor": ""})


def order(cid: str = "liveswap-0001", side: str = "up", stake: float = 5.0, max_price: float | None = 0.6):
    return OrderRequest(cid, "BTC-15m", side, stake, T0 + 900, T0 + 1800, 0.55, max_price, T0 + 901)


def broker(server, key) -> KalshiBroker:
    client = KalshiClient(http(server, key))
    return KalshiBroker(client, KalshiQuotes(client, SERIES), clock=lambda: T0 + 905)


def test_submit_buys_whole_contracts_within_the_stake(server, key) -> None:
    fake = FakeKalshi(server, key.public_key())
    result = broker(server, key).submit(order())
    assert result.status == "filled"
    assert (result.shares, result.price, result.fee) == (8.0, 0.56, 0.14)
    sent = next(r for r in server.requests if r.method == "POST").json()
    assert sent["side"] == "yes" and sent["count"] == 8 and sent["yes_price"] == 60  # limit = max_price
    assert sent["buy_max_cost"] == 500 and sent["time_in_force"] == "immediate_or_cancel"
    assert sent["client_order_id"] == "liveswap-0001"
    assert len(fake.orders) == 1


def test_down_buys_no_and_max_price_below_the_ask_is_refused(server, key) -> None:
    FakeKalshi(server, key.public_key())
    b = broker(server, key)
    assert b.submit(order("c-down", side="down", max_price=None)).status == "filled"
    refused = b.submit(order("c-cheap", max_price=0.5))
    assert refused.status == "rejected" and refused.reason == "kalshi: YES ask 0.56 is above max_price 0.50"
    assert server.hits("POST", f"{API}/portfolio/orders") == 1


def test_resubmit_after_a_crash_is_a_lookup_never_a_second_order(server, key) -> None:
    fake = FakeKalshi(server, key.public_key())
    first = broker(server, key).submit(order())
    again = broker(server, key).submit(order())  # a fresh broker: nothing in memory
    assert len(fake.orders) == 1
    assert (again.status, again.venue_order_id, again.shares) == ("filled", first.venue_order_id, 8.0)
    assert broker(server, key).lookup("liveswap-0001").venue_order_id == first.venue_order_id
    assert broker(server, key).lookup("never-sent") is None


def test_settles_from_the_venue_result(server, key) -> None:
    FakeKalshi(server, key.public_key())
    b = broker(server, key)
    b.submit(order())
    server.json("GET", f"{API}/markets/{TICKER}", fixture("kalshi_market_settled"))
    assert b.settlements(T0 + 1700, [], ["liveswap-0001"]) == []  # window not over
    (report,) = b.settlements(T0 + 1860, [], ["liveswap-0001"])
    assert (report.client_order_id, report.won, report.payout) == ("liveswap-0001", True, 8.0)
    assert b.settlements(T0 + 1900, [], ["liveswap-0001"]) == [report]  # again while the engine lists it
    assert b.settlements(T0 + 1900, [], []) == []
    # a fresh broker (after a crash) finds the order on the venue by client id and settles it
    (again,) = broker(server, key).settlements(T0 + 1900, [], ["liveswap-0001"])
    assert (again.won, again.payout) == (True, 8.0)
