"""A fake Polymarket (Gamma + CLOB V2) on the local venue server that checks what it is sent.

- L1 (``POST /auth/api-key``, ``GET /auth/derive-api-key``): the ``ClobAuth`` EIP-712 signature
  must recover to ``POLY_ADDRESS``, the wallet; it answers API credentials.
- L2 (``POST /order``, ``GET /data/order/{id}``, ``GET /balance-allowance``): the HMAC-SHA256 of
  ``timestamp + METHOD + path + body`` with the issued secret must match ``POLY_SIGNATURE``.
- ``POST /order``: the order's EIP-712 signature (domain "Polymarket CTF Exchange" v2, chain 137,
  the V2 exchange) must recover to the wallet, which must be its ``signer`` and ``maker``. A BUY
  fills immediately at the book's best ask if its limit (makerAmount / takerAmount) reaches it,
  up to ``fill`` shares; an order hash already seen is refused, as the exchange refuses a replay.

Independent of the client: hashes and recoveries are computed here with eth-account directly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from tests.support.venue_server import Reply, Request, VenueServer, fixture

EXCHANGE_V2 = "0xE111180000d2663C0091e4f400237545B87B996B"  # py-clob-client-v2 config, chain 137
SECRET = base64.urlsafe_b64encode(b"fake-clob-secret-32-bytes-long!!").decode()
API_KEY = "11111111-2222-3333-4444-555555555555"
PASSPHRASE = "fake-passphrase-do-not-log"
ORDER_FIELDS = [
    {"name": "salt", "type": "uint256"}, {"name": "maker", "type": "address"}, {"name": "signer", "type": "address"},
    {"name": "tokenId", "type": "uint256"}, {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"}, {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"}, {"name": "timestamp", "type": "uint256"},
    {"name": "metadata", "type": "bytes32"}, {"name": "builder", "type": "bytes32"},
]
DOMAIN_FIELDS = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]


def order_typed_data(order: dict[str, Any], chain_id: int = 137) -> dict[str, Any]:
    return {
        "primaryType": "Order",
        "types": {"EIP712Domain": DOMAIN_FIELDS, "Order": ORDER_FIELDS},
        "domain": {"name": "Polymarket CTF Exchange", "version": "2", "chainId": chain_id,
                   "verifyingContract": EXCHANGE_V2},
        "message": {
            "salt": int(order["salt"]), "maker": order["maker"], "signer": order["signer"],
            "tokenId": int(order["tokenId"]), "makerAmount": int(order["makerAmount"]),
            "takerAmount": int(order["takerAmount"]), "side": 0 if order["side"] == "BUY" else 1,
            "signatureType": int(order["signatureType"]), "timestamp": int(order["timestamp"]),
            "metadata": bytes.fromhex(order["metadata"].removeprefix("0x").zfill(64)),
            "builder": bytes.fromhex(order["builder"].removeprefix("0x").zfill(64)),
        },
    }


def order_hash(order: dict[str, Any]) -> str:
    signable = encode_typed_data(full_message=order_typed_data(order))
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def recover_order_signer(order: dict[str, Any]) -> str:
    return str(Account.recover_message(encode_typed_data(full_message=order_typed_data(order)),
                                       signature=order["signature"]))


def recover_clob_auth(headers: dict[str, str], chain_id: int = 137) -> str:
    typed = {
        "primaryType": "ClobAuth",
        "types": {"EIP712Domain": DOMAIN_FIELDS[:3],
                  "ClobAuth": [{"name": "address", "type": "address"}, {"name": "timestamp", "type": "string"},
                               {"name": "nonce", "type": "uint256"}, {"name": "message", "type": "string"}]},
        "domain": {"name": "ClobAuthDomain", "version": "1", "chainId": chain_id},
        "message": {"address": headers["POLY_ADDRESS"], "timestamp": headers["POLY_TIMESTAMP"],
                    "nonce": int(headers["POLY_NONCE"]),
                    "message": "This message attests that I control the given wallet"},
    }
    return str(Account.recover_message(encode_typed_data(full_message=typed), signature=headers["POLY_SIGNATURE"]))


class FakeClob:
    """``wallet`` is the address every signature must recover to; ``fill`` caps shares per order."""

    def __init__(self, server: VenueServer, wallet: str, *, fill: Decimal | None = None) -> None:
        self.server = server
        self.wallet = wallet
        self.fill = fill
        self.orders: dict[str, dict[str, Any]] = {}  # hash -> the stored order record
        self.posts: list[dict[str, Any]] = []  # every POST /order body, accepted or not
        self.refusals: list[str] = []
        self.fail_next_post: int | None = None  # answer this status once, after (or before) acting
        self.act_before_failing = True
        self.book = fixture("polymarket_book")
        for name in ("polymarket_market_5m",):
            market = fixture(name)
            server.json("GET", f"/markets/slug/{market['slug']}", market)
        server.route("GET", "/book", lambda req: Reply(200, {**self.book, "asset_id": req.query["token_id"]}))
        server.json("GET", "/version", {"version": 2})
        server.json("GET", "/tick-size", {"minimum_tick_size": 0.01})
        server.route("POST", "/auth/api-key", self.l1)
        server.route("GET", "/auth/derive-api-key", self.l1)
        server.route("POST", "/order", self.post_order)
        server.route("GET", "/data/trades", self.l2(self.get_trades))
        self.trades: dict[str, dict[str, Any]] = {}  # trade id -> the trade, as GET /data/trades answers
        server.route("GET", "/balance-allowance", self.l2(lambda req: Reply(200, {"balance": "1234560000"})))

    # ---- auth ---------------------------------------------------------------------------------

    def l1(self, req: Request) -> Reply:
        try:
            ok = recover_clob_auth(req.headers).lower() == self.wallet.lower() == req.headers["POLY_ADDRESS"].lower()
        except (KeyError, ValueError):
            ok = False
        if not ok:
            self.refusals.append("L1 signature")
            return Reply(401, {"error": "Invalid L1 Request headers"})
        return Reply(200, {"apiKey": API_KEY, "secret": SECRET, "passphrase": PASSPHRASE})

    def hmac_ok(self, req: Request) -> bool:
        h = req.headers
        message = f"{h.get('POLY_TIMESTAMP')}{req.method}{req.path}{req.body.decode() if req.body else ''}"
        digest = hmac.new(base64.urlsafe_b64decode(SECRET), message.encode(), hashlib.sha256).digest()
        return (h.get("POLY_API_KEY") == API_KEY and h.get("POLY_PASSPHRASE") == PASSPHRASE
                and h.get("POLY_ADDRESS", "").lower() == self.wallet.lower()
                and hmac.compare_digest(base64.urlsafe_b64encode(digest).decode(), h.get("POLY_SIGNATURE", "")))

    def l2(self, handler):  # type: ignore[no-untyped-def]
        def checked(req: Request) -> Reply:
            if not self.hmac_ok(req):
                self.refusals.append(f"L2 {req.method} {req.path}")
                return Reply(401, {"error": "Unauthorized/Invalid api key"})
            return handler(req)

        return checked

    # ---- orders ---------------------------------------------------------------------------------

    def post_order(self, req: Request) -> Reply:
        if not self.hmac_ok(req):
            self.refusals.append("L2 POST /order")
            return Reply(401, {"error": "Unauthorized/Invalid api key"})
        body = req.json()
        self.posts.append(body)
        order = body["order"]
        try:
            signer = recover_order_signer(order)
        except (ValueError, KeyError):
            signer = ""
        if signer.lower() != self.wallet.lower() or order["signer"].lower() != signer.lower() \
                or order["maker"].lower() != signer.lower():
            self.refusals.append("order signature")
            return Reply(400, {"error": "invalid signature"})
        digest = order_hash(order)
        if self.fail_next_post is not None and not self.act_before_failing:
            status, self.fail_next_post = self.fail_next_post, None
            return Reply(status, b"<html><body><h1>502 Bad Gateway</h1>\r\n</body></html>")
        if digest in self.orders:
            return Reply(400, {"error": f"order {digest} is invalid. Duplicated."})
        answer = self._match(order, digest, body["orderType"])
        if self.fail_next_post is not None:  # the venue acted, the answer is lost on the way back
            status, self.fail_next_post = self.fail_next_post, None
            return Reply(status, b"<html><body><h1>502 Bad Gateway</h1>\r\n</body></html>")
        return Reply(200, answer)

    def _match(self, order: dict[str, Any], digest: str, order_type: str) -> dict[str, Any]:
        """Fill a BUY against the asks, best first, level by level up to the limit (as the CLOB matches a taker):
        the answer's ``makingAmount`` is the exact cost; each level is one trade with its maker at its price."""
        usdc, shares = Decimal(order["makerAmount"]) / 10**6, Decimal(order["takerAmount"]) / 10**6
        limit = usdc / shares
        wanted = min(shares, self.fill if self.fill is not None else shares)
        filled, cost, trade_ids = Decimal(0), Decimal(0), []
        for level in sorted(self.book["asks"], key=lambda a: Decimal(a["price"])):
            price, size = Decimal(level["price"]), Decimal(level["size"])
            if price > limit or filled >= wanted:
                break
            take = min(size, wanted - filled)
            filled, cost = filled + take, cost + take * price
            trade_id = f"trade-{len(self.trades) + 1}"
            self.trades[trade_id] = {"id": trade_id, "taker_order_id": digest, "asset_id": order["tokenId"],
                                     "side": "BUY", "size": str(take), "price": str(price), "status": "MATCHED",
                                     "maker_orders": [{"order_id": f"maker-{trade_id}", "matched_amount": str(take),
                                                       "price": str(price), "asset_id": order["tokenId"],
                                                       "side": "SELL"}]}
            trade_ids.append(trade_id)
        # the order record says what the CLOB says: the LIMIT price, the size matched, the trades
        self.orders[digest] = {"id": digest, "status": "MATCHED" if filled else "CANCELED", "size_matched": str(filled),
                               "price": str(limit.quantize(Decimal("0.01"))), "original_size": str(shares),
                               "side": "BUY", "asset_id": order["tokenId"], "order_type": order_type,
                               "associate_trades": trade_ids}
        self.server.route("GET", f"/data/order/{digest}",
                          self.l2(lambda req, d=digest: Reply(200, self.orders[d])))
        if not filled:
            return {"success": False, "errorMsg": "no orders found to match with FAK order", "orderID": digest,
                    "status": "unmatched", "makingAmount": "0", "takingAmount": "0"}
        return {"success": True, "errorMsg": "", "orderID": digest, "status": "matched",
                "makingAmount": str(cost), "takingAmount": str(filled), "transactionsHashes": ["0x" + "ab" * 32]}

    def get_trades(self, req: Request) -> Reply:
        wanted = req.query.get("id")
        found = [t for t in self.trades.values() if wanted in (None, t["id"])]
        return Reply(200, {"data": found, "next_cursor": "LTE=", "limit": 100, "count": len(found)})

    def accepted(self) -> int:
        return len(self.orders)

    def sent_hashes(self) -> list[str]:
        return [order_hash(p["order"]) for p in self.posts]
