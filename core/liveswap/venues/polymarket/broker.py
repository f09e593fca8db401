"""A real :class:`~liveswap.brokers.base.Broker` on Polymarket (CLOB V2 through ``py-clob-client-v2``).

``submit`` finds the window's market (Gamma slug), takes the Up token for ``up`` and the Down
token for ``down``, reads its CLOB book, refuses above ``max_price``, and sends a fill-and-kill
(FAK: immediate-or-cancel) limit BUY of ``floor(stake / limit)`` shares (2 decimals) at ``limit``
= ``max_price`` rounded DOWN to the book's tick, else the best ask. The order is built and signed
(EIP-712, CTF Exchange V2 domain) by the official client.

No order is ever sent twice. Polymarket has no client order id, so the signed order itself is the
idempotency key: before it is posted, its EIP-712 hash (the CLOB's ``orderID``) and its exact
payload are written durably to ``state/polymarket_orders.sqlite``. A resubmit (after a crash, a
timeout or a 5xx) looks the hash up on the CLOB; if the CLOB never saw it, the *same* signed order
is posted again, which the exchange can fill at most once.

The venue refusing an order is a ``rejected`` result with its one-line reason; the venue
unreachable raises :class:`~liveswap.exceptions.BrokerError` (chained) and the engine's
reconciliation calls :meth:`lookup` later. Settlement: after the window, the Gamma market's
``outcomePrices`` (1 for the winning outcome) once it is closed. Fees: Polymarket's published
taker formula ``shares x fee_rate x p x (1 - p)`` on ``feesEnabled`` markets.

Money is booked from the venue's own figures, exact to the micro-dollar: a fill's cost is the
CLOB's ``makingAmount`` (what the order paid), never an average price times the shares (a fill at
two levels costing 4.9473 would come back as 4.947302). An order found again after a crash is
booked from its trades (``associate_trades``: each maker's matched amount at the maker's price),
never at the order's limit; until its trades can be read it stays pending.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.api import Candle
from liveswap.brokers import Level, OrderRequest, OrderResult, SettlementReport, SimFill, rejected
from liveswap.exceptions import BrokerError, VenueError, VenueRejected
from liveswap.markets import Market, MarketError
from liveswap.venues.polymarket.auth import clob_reason
from liveswap.venues.polymarket.feed import PolymarketQuotes, updown_slug
from liveswap.venues.polymarket.sent import Sent, SentOrders
from liveswap.venues.polymarket.shadow import PolySeen, plan_buy, simulate, taker_fee
from liveswap.venues.quotes import Quote


def order_hash(signed: Any, chain_id: int, neg_risk: bool) -> str:
    """The EIP-712 hash of a signed V2 order: the CLOB's ``orderID`` (computed with the SDK's builder)."""
    from py_clob_client_v2.config import get_contract_config
    from py_clob_client_v2.order_utils import ExchangeOrderBuilderV2

    config = get_contract_config(chain_id)
    contract = config.neg_risk_exchange_v2 if neg_risk else config.exchange_v2
    builder = ExchangeOrderBuilderV2(contract, chain_id, signer=None)  # type: ignore[arg-type]
    return str(builder.build_order_hash(builder.build_order_typed_data(signed)))


class PolymarketBroker:
    name = "polymarket"

    def __init__(self, clob: Any, quotes: PolymarketQuotes, path: Path, *, chain_id: int = 137,
                 max_shares: float = 500.0, fee_rate: float = 0.07, clock: Callable[[], float] = time.time) -> None:
        self.clob = clob
        self.quotes = quotes
        self.chain_id = chain_id
        self.max_shares = Decimal(str(max_shares))
        self.fee_rate = Decimal(str(fee_rate))
        self._clock = clock
        self._lock = threading.Lock()
        self._orders = SentOrders(path)  # what was signed and sent, durable before it is posted
        self._settled: dict[str, SettlementReport] = {}

    def close(self) -> None:
        self._orders.close()
        self.quotes.close()

    def simulate(self, order: OrderRequest, quote: Quote) -> SimFill:
        """What :meth:`submit` would get for ``order`` on the book ``quote`` carries (a shadow's fill)."""
        if not isinstance(quote.book, PolySeen):
            return rejected(f"polymarket: the book of {quote.contract} was not read at decision time")
        return simulate(quote.book, order, max_shares=self.max_shares, fee_rate=self.fee_rate)

    def _now(self) -> int:
        return int(self._clock())

    # ---- the Broker seam ------------------------------------------------------------------------

    def submit(self, order: OrderRequest) -> OrderResult:
        try:
            with self._lock:
                return self._submit(order)
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc

    def lookup(self, client_order_id: str) -> OrderResult | None:
        try:
            with self._lock:
                known = self._orders.get(client_order_id)
                if known is None:
                    return None
                sent, result = known
                return result or self._ask_clob(sent)
        except VenueError as exc:
            raise BrokerError(exc.reason) from exc

    def _submit(self, order: OrderRequest) -> OrderResult:
        cid = order.client_order_id
        known = self._orders.get(cid)
        if known is not None:
            sent, result = known
            if result is not None:
                return result
            found = self._ask_clob(sent)
            return found if found is not None else self._post(sent)  # never reached the CLOB: the SAME order
        try:
            market = Market.parse(order.market)
            pm = self.quotes.window_market(market, order.window_start)
        except (MarketError, VenueRejected) as exc:
            return self._reject(cid, str(exc))
        if pm.closed or not pm.active or not pm.accepting_orders:
            return self._reject(cid, f"polymarket: market {pm.slug} is not accepting orders")
        token = pm.up_token if order.side == "up" else pm.down_token
        book = self.quotes.client.book(token)
        plan = plan_buy(sorted((Level(Decimal(str(p)), Decimal(str(s))) for p, s in book.asks if s > 0),
                             key=lambda lv: lv.price),
                        tick=book.tick_size, min_size=book.min_order_size, order=order, where=pm.slug,
                        max_shares=self.max_shares)
        if isinstance(plan, str):
            return self._reject(cid, plan)
        limit, shares = plan
        signed = self._sign(token, limit, shares, book.tick_size, book.neg_risk)
        if isinstance(signed, str):
            return self._reject(cid, signed)
        payload, digest = signed
        sent = Sent(cid, digest, payload, updown_slug(market, order.window_start), order.side, order.window_end,
                    self.fee_rate if pm.fees_enabled else Decimal(0))
        self._orders.record(sent)  # durable before the order leaves
        return self._post(sent)

    def _sign(self, token: str, limit: Decimal, shares: Decimal, tick: str,
              neg_risk: bool) -> tuple[dict[str, Any], str] | str:
        """The signed FAK order's exact payload and its hash, or the reason it cannot be built."""
        from py_clob_client_v2.clob_types import OrderArgsV2, PartialCreateOrderOptions
        from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2

        try:
            signed = self.clob.create_order(OrderArgsV2(token_id=token, price=float(limit), size=float(shares),
                                                        side="BUY"),
                                            PartialCreateOrderOptions(tick_size=tick, neg_risk=neg_risk))
        except Exception as exc:  # noqa: BLE001 - the SDK raises bare PolyExceptions
            if _transient(exc):
                raise _unavailable(exc) from None
            return f"polymarket: cannot build the order: {clob_reason(exc)}"
        payload = order_to_json_v2(signed, self.clob.creds.api_key or "", "FAK")
        return payload, order_hash(signed, self.chain_id, neg_risk)

    def _post(self, sent: Sent) -> OrderResult:
        """Post the stored signed order exactly as stored (its hash is its identity).

        Through the SDK's own L2 signing and transport, not ``post_order``: that one re-serialises a
        SignedOrder and then polls trades for up to 30 s, which would stall the trading loop.
        """
        from py_clob_client_v2.endpoints import POST_ORDER

        serialized = json.dumps(sent.payload, separators=(",", ":"), ensure_ascii=False)
        try:
            headers = self.clob._l2_headers("POST", POST_ORDER, body=sent.payload, serialized_body=serialized)
            answer = self.clob._post(f"{self.clob.host}{POST_ORDER}", headers=headers, data=serialized)
        except Exception as exc:  # noqa: BLE001
            if not _transient(exc):
                reason = f"polymarket: order refused: {clob_reason(exc)}"
                return self._orders.finish(self._reject(sent.client_order_id, reason, venue_order_id=sent.order_hash))
            raise _unavailable(exc) from None
        return self._orders.finish(self._answer(sent, answer))

    def _answer(self, sent: Sent, answer: Any) -> OrderResult:
        """``{success, errorMsg, orderID, status, makingAmount, takingAmount}`` → the engine's result."""
        if not isinstance(answer, dict):
            return self._reject(sent.client_order_id, "polymarket: the CLOB answered something that is not an object",
                                venue_order_id=sent.order_hash)
        status = str(answer.get("status") or "").lower()
        taken = _dec(answer.get("takingAmount"))
        made = _dec(answer.get("makingAmount"))
        if answer.get("success") and status == "matched" and taken > 0:
            return self._filled(sent, shares=taken, cost=made)
        if answer.get("success") and status in ("live", "delayed"):
            return OrderResult(sent.client_order_id, "pending", venue_order_id=sent.order_hash, ts=self._now())
        why = answer.get("errorMsg") or f"order {status or 'not matched'}, nothing filled"
        from liveswap.venues._http import one_line

        return self._reject(sent.client_order_id, f"polymarket: {one_line(str(why))}", venue_order_id=sent.order_hash)

    def _filled(self, sent: Sent, *, shares: Decimal, cost: Decimal) -> OrderResult:
        """``shares`` bought for exactly ``cost`` (the venue's figure); ``price`` is only their average."""
        price = (cost / shares).quantize(Decimal("0.000001"))
        fee = taker_fee(shares, price, sent.fee_rate)
        return OrderResult(sent.client_order_id, "filled", venue_order_id=sent.order_hash, price=price,
                           shares=shares, fee=fee, cost=cost, ts=self._now())

    def _trade_cost(self, sent: Sent, found: dict[str, Any], matched: Decimal) -> Decimal | None:
        """What the order's trades cost (each maker's matched amount at its price; a maker on the other outcome
        at ``1 - price``), or None when they do not account for every matched share."""
        from py_clob_client_v2.clob_types import TradeParams

        shares, cost = Decimal(0), Decimal(0)
        for trade_id in found.get("associate_trades") or []:
            try:
                trades = self.clob.get_trades(TradeParams(id=str(trade_id)))
            except Exception as exc:  # noqa: BLE001
                raise _unavailable(exc) from None
            for trade in trades if isinstance(trades, list) else []:
                if not isinstance(trade, dict) or trade.get("taker_order_id") != sent.order_hash:
                    continue
                for maker in trade.get("maker_orders") or []:
                    amount, price = _dec(maker.get("matched_amount")), _dec(maker.get("price"))
                    if maker.get("asset_id") not in (None, found.get("asset_id")):
                        price = 1 - price
                    shares, cost = shares + amount, cost + amount * price
        return cost.quantize(Decimal("0.000001")) if shares == matched and shares > 0 else None

    def _ask_clob(self, sent: Sent) -> OrderResult | None:
        """What the CLOB knows of a stored order (``GET /data/order/{hash}``), None if it never saw it."""
        try:
            found = self.clob.get_order(sent.order_hash)
        except Exception as exc:  # noqa: BLE001
            if getattr(exc, "status_code", None) == 404:
                return None
            raise _unavailable(exc) from None
        if not isinstance(found, dict) or not found:
            return None
        matched = _dec(found.get("size_matched"))
        status = str(found.get("status") or "").upper()
        if matched > 0:  # booked from its trades, never at the order's limit price
            cost = self._trade_cost(sent, found, matched)
            if cost is None:
                logger.warning("polymarket: order {} matched {} shares but its trades do not say what they cost yet; "
                               "asked again later", sent.order_hash, matched)
                return OrderResult(sent.client_order_id, "pending", venue_order_id=sent.order_hash, ts=self._now())
            return self._orders.finish(self._filled(sent, shares=matched, cost=cost))
        if status in ("LIVE", "DELAYED"):
            return OrderResult(sent.client_order_id, "pending", venue_order_id=sent.order_hash, ts=self._now())
        reason = f"polymarket: order {status.lower() or 'unknown'}, nothing filled"
        return self._orders.finish(self._reject(sent.client_order_id, reason, venue_order_id=sent.order_hash))

    def _reject(self, cid: str, reason: str, venue_order_id: str = "") -> OrderResult:
        return OrderResult(cid, "rejected", venue_order_id=venue_order_id, reason=reason, ts=self._now())

    def settlements(self, now: int, closed: list[Candle], open_orders: list[str]) -> list[SettlementReport]:
        """Reports for ``open_orders`` whose Gamma market closed with a 1/0 outcome price (idempotent)."""
        reports = []
        with self._lock:
            for cid in open_orders:
                if cid in self._settled:
                    reports.append(self._settled[cid])
                    continue
                known = self._orders.get(cid)
                if known is None or known[1] is None or known[1].status != "filled":
                    continue
                sent, result = known
                if sent.window_end > now:
                    continue
                try:
                    pm = self.quotes.client.market_by_slug(sent.slug)
                except VenueError as exc:
                    logger.warning("polymarket: cannot settle {} yet: {}", cid, exc)
                    continue
                price = pm.outcome_prices.get(sent.outcome)
                if not pm.closed or price not in (0.0, 1.0):
                    continue
                report = SettlementReport(cid, price == 1.0, round(result.shares, 6) if price == 1.0 else 0.0, now)
                self._settled[cid] = report
                reports.append(report)
        return reports

    def balance(self) -> float:
        """The wallet's collateral (pUSD) balance in dollars (6 decimals on the CLOB)."""
        from py_clob_client_v2.clob_types import AssetType, BalanceAllowanceParams

        try:
            answer = self.clob.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))
        except Exception as exc:  # noqa: BLE001
            raise BrokerError(f"polymarket: balance: {clob_reason(exc)}") from None
        return float(_dec(answer.get("balance") if isinstance(answer, dict) else None) / Decimal(10**6))


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _transient(exc: BaseException) -> bool:
    """A transport failure or 5xx (the venue may not have acted), not a refusal."""
    status = getattr(exc, "status_code", None)
    if status is not None:
        return bool(status >= 500 or status == 429)
    return type(exc).__name__ == "PolyApiException"  # the SDK's "Request exception!" (no response)


def _unavailable(exc: BaseException) -> VenueError:
    from liveswap.exceptions import VenueUnavailable

    return VenueUnavailable(f"polymarket: CLOB unreachable or failing: {clob_reason(exc)}")
