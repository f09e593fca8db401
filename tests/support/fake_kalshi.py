"""A stateful fake Kalshi on the local venue server: signed V2 orders, filled level by level on the book.

Every signed request is verified with the public key (RSA-PSS, MGF1-SHA256, salt = digest length
over ``timestamp + METHOD + path``), so a wrong signature is a 401 exactly as on the venue.
Orders go through ``POST /portfolio/events/orders`` (the current API; the legacy POST answers 410
as the venue does since the V2 migration), fill immediately-or-cancel against the fixture book
(level by level up to the limit, Kalshi's taker fee rounded up to the cent), and are listed and
read back through ``GET /portfolio/orders[/{id}]``.
"""

from __future__ import annotations

import base64
import copy
import time
import uuid
from decimal import ROUND_CEILING, Decimal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from liveswap.venues._http import RetryPolicy, VenueHttp
from liveswap.venues.kalshi.auth import KalshiSigner

from tests.support.venue_server import Reply, Request, VenueServer, fixture

API = "/trade-api/v2"
TICKER = "KXBTC15M-25DEC311930-30"
SERIES = {"BTC-15m": "KXBTC15M"}
KEY_ID = "key-123"


def verify(public: rsa.RSAPublicKey, req: Request) -> bool:
    try:
        msg = f"{req.headers['KALSHI-ACCESS-TIMESTAMP']}{req.method}{req.path}".encode()
        public.verify(base64.b64decode(req.headers["KALSHI-ACCESS-SIGNATURE"]), msg,
                      padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=hashes.SHA256.digest_size),
                      hashes.SHA256())
        return req.headers["KALSHI-ACCESS-KEY"] == KEY_ID
    except (KeyError, InvalidSignature, ValueError):
        return False


def kalshi_http(server: VenueServer, key: rsa.RSAPrivateKey | None = None, key_id: str = KEY_ID) -> VenueHttp:
    signer = KalshiSigner(key_id, key) if key is not None else None
    return VenueHttp("kalshi", server.url + API, timeout=0.5, retry=RetryPolicy(attempts=2, base_delay=0),
                     signer=signer, sleep=lambda s: None)


V2_ORDER_FIELDS = frozenset({
    "ticker", "client_order_id", "side", "count", "price", "expiration_time", "time_in_force", "post_only",
    "self_trade_prevention_type", "cancel_order_on_pause", "reduce_only", "subaccount", "order_group_id",
    "exchange_index"})
"""``CreateOrderV2Request.__properties`` of the official SDK, kalshi-python-sync 3.34.0
(kalshi_python_sync/models/create_order_v2_request.py): every field a V2 create may carry."""


class FakeKalshi:
    """``book``/``markets`` name fixtures; ``fill`` caps the contracts the book can fill (None: all)."""

    def __init__(self, server: VenueServer, public: rsa.RSAPublicKey, *, markets: str = "kalshi_markets_fp",
                 book: str = "kalshi_orderbook_fp", fill: int | None = None) -> None:
        self.orders: dict[str, dict] = {}
        self.bodies: list[dict] = []
        self.public = public
        self.fill = fill
        self.book = fixture(book)["orderbook_fp"]
        market = fixture(markets)["markets"][0]
        server.json("GET", f"{API}/markets", fixture(markets))
        server.json("GET", f"{API}/markets/{TICKER}", {"market": market})
        server.json("GET", f"{API}/markets/{TICKER}/orderbook", fixture(book))
        server.route("POST", f"{API}/portfolio/events/orders", self.create)
        server.route("POST", f"{API}/portfolio/orders",
                     Reply(410, {"error": {"code": "deprecated_v1_order_endpoint",
                                           "message": "Please switch to the V2 endpoints"}}))
        server.route("GET", f"{API}/portfolio/orders", self.list)
        self.server = server
        self.cancelled: list[tuple[str, float]] = []  # (client order id, time.time() of the cancel)

    def resting(self, client_order_id: str, *, ticker: str = TICKER, count: int = 5, price: str = "0.4000") -> str:
        """An order of this account resting on the book (placed by some earlier process); its V2
        cancel (``DELETE /portfolio/events/orders/{id}``) is routed. Returns the venue order id."""
        order = copy.deepcopy(fixture("kalshi_order_executed")["order"])
        order_id = str(uuid.uuid4())
        order.update({"order_id": order_id, "client_order_id": client_order_id, "ticker": ticker, "side": "yes",
                      "outcome_side": "yes", "book_side": "bid", "status": "resting", "yes_price_dollars": price,
                      "fill_count_fp": "0.00", "remaining_count_fp": f"{count}.00", "initial_count_fp": f"{count}.00",
                      "taker_fill_cost_dollars": "0.0000", "taker_fees_dollars": "0.0000"})
        self.orders[order_id] = order
        self.server.json("GET", f"{API}/portfolio/orders/{order_id}", {"order": order})
        self.server.route("DELETE", f"{API}/portfolio/events/orders/{order_id}", lambda req: self.cancel(req, order))
        return order_id

    def cancel(self, req: Request, order: dict) -> Reply:
        if not verify(self.public, req):
            return Reply(401, {"error": {"code": "authentication_error", "message": "bad signature"}})
        if order["status"] != "resting":
            return Reply(404, {"error": {"code": "not_found", "message": "order not found"}})
        reduced = order["remaining_count_fp"]
        order.update({"status": "canceled", "remaining_count_fp": "0.00"})
        self.cancelled.append((order["client_order_id"], time.time()))
        return Reply(200, {"order_id": order["order_id"], "client_order_id": order["client_order_id"],
                           "reduced_by": reduced})

    def _asks(self, book_side: str) -> list[tuple[Decimal, Decimal]]:
        """The outcome's offers ``(price, contracts)`` in its own frame, cheapest first: the other side's bids."""
        bids = self.book["no_dollars"] if book_side == "bid" else self.book["yes_dollars"]
        return sorted((Decimal(1) - Decimal(p), Decimal(n)) for p, n in bids)

    def _match(self, book_side: str, count: Decimal, limit: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """``(filled, cost, fee)`` of an immediate-or-cancel buy: level by level up to ``limit`` (``fill`` caps
        the contracts), Kalshi's taker fee ``round_up(0.07 x C x P x (1 - P))`` to the cent over the fills."""
        wanted = min(count, Decimal(self.fill)) if self.fill is not None else count
        filled, cost, raw = Decimal(0), Decimal(0), Decimal(0)
        for price, size in self._asks(book_side):
            if price > limit or filled >= wanted:
                break
            take = min(size, wanted - filled)
            filled, cost, raw = filled + take, cost + take * price, raw + Decimal("0.07") * take * price * (1 - price)
        fee = (raw / Decimal("0.01")).to_integral_value(rounding=ROUND_CEILING) * Decimal("0.01")
        return filled, cost, fee

    def create(self, req: Request) -> Reply:
        if not verify(self.public, req):
            return Reply(401, {"error": {"code": "authentication_error", "message": "bad signature"}})
        body = req.json()
        self.bodies.append(body)
        unknown = sorted(set(body) - V2_ORDER_FIELDS)
        if unknown:  # what the official SDK's model does not declare, the venue does not take
            return Reply(400, {"error": {"code": "invalid_parameters", "message": f"unknown field {unknown[0]}"}})
        count, limit_yes = Decimal(body["count"]), Decimal(body["price"])
        outcome = "yes" if body["side"] == "bid" else "no"
        limit = limit_yes if outcome == "yes" else Decimal(1) - limit_yes  # in the outcome's own frame
        filled, cost, fee = self._match(body["side"], count, limit)
        avg = cost / filled if filled else Decimal(0)
        order = copy.deepcopy(fixture("kalshi_order_executed")["order"])
        order_id = str(uuid.uuid4())
        order.update({
            "order_id": order_id, "client_order_id": body["client_order_id"], "side": outcome, "outcome_side": outcome,
            "book_side": body["side"], "status": "executed" if filled == count else "canceled",
            "yes_price_dollars": f"{limit_yes:.4f}", "no_price_dollars": f"{Decimal(1) - limit_yes:.4f}",
            "fill_count_fp": f"{filled:.2f}", "remaining_count_fp": "0.00", "initial_count_fp": f"{count:.2f}",
            "taker_fill_cost_dollars": f"{cost:.4f}", "taker_fees_dollars": f"{fee:.4f}",
        })
        self.orders[order_id] = order
        self.server.json("GET", f"{API}/portfolio/orders/{order_id}", {"order": order})
        avg_yes = avg if outcome == "yes" else Decimal(1) - avg
        return Reply(201, {"order_id": order_id, "client_order_id": body["client_order_id"],
                           "fill_count": f"{filled:.2f}", "remaining_count": "0.00",
                           **({"average_fill_price": f"{avg_yes:.4f}", "average_fee_paid": f"{fee / filled:.4f}"}
                              if filled else {}),
                           "ts_ms": 1767226505000})

    def list(self, req: Request) -> Reply:
        if not verify(self.public, req):
            return Reply(401, {})
        found = [o for o in self.orders.values() if req.query.get("ticker") in (None, o["ticker"])
                 and req.query.get("status") in (None, o["status"])]
        return Reply(200, {"orders": found, "cursor": ""})
