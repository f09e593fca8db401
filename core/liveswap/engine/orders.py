"""A batch's orders: from validated intents to journaled order rows, and from those to the broker.

* :func:`plan_orders` -- attribute every intent to the version that trades its market (a canary
  splits them), apply the operator's risk limits, derive deterministic client order ids, and
  build the decision and order rows the batch journals *before* anything is sent;
* :func:`send_orders` -- send the journaled orders (a stale one is only looked up: a batch lost to
  a power cut may have sent it) and collect the broker's answers for the engine to journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from loguru import logger

from liveswap.api import Candle, Intent
from liveswap.brokers import Broker, BrokerError, OrderRequest, OrderResult
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.canary import Canary
from liveswap.engine.desired import Desired
from liveswap.engine.intents import Rejected
from liveswap.engine.ledger import FEE_ALLOWANCE, Ledger
from liveswap.engine.order_ids import client_order_id
from liveswap.engine.reconcile import request_of
from liveswap.engine.risk import check_intent
from liveswap.journal import DecisionRow, OrderRow
from liveswap.markets import Market
from liveswap.money import ONE, ZERO, dec

Answer = tuple[OrderRequest, OrderResult, str]
Unconfirmed = tuple[str, str, str, str, None]


@dataclass(slots=True)
class BatchPlan:
    """What a batch journals before sending: one decision per candle, the orders, and why intents were refused."""

    decisions: list[DecisionRow] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Sent:
    """The broker's answers to a batch's orders: ``answers`` to journal, ``unconfirmed`` submits
    (status ``unknown``: asked again every batch), and the broker's refusals for the batch report."""

    answers: list[Answer] = field(default_factory=list)
    unconfirmed: list[Unconfirmed] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def plan_orders(*, candles: list[Candle], validated: list[tuple[list[Intent], list[Rejected]]],
                deciders: list[tuple[ActiveStrategy, str | None]], active: ActiveStrategy, canary: Canary | None,
                desired: Desired, ledger: Ledger, markets: dict[str, Market], batch_end: int,
                stale_reason: str | None, blocked: str | None,
                leases: Callable[[str], int | None] | None = None) -> BatchPlan:
    """The decision and order rows of one batch (``stale_reason``: the batch is too old to trade;
    its orders are journaled ``stale`` with that reason). In a fleet, ``leases(market)`` is the
    fencing token this host holds on ``market`` now, or None: no order opens on a market the host
    cannot prove it owns, and every order and decision carries the token."""
    plan = BatchPlan()
    prices = {c.market: c.up_price for c in candles}
    pending_stake, pending_count = ZERO, 0
    for candle, (intents, rejected), (decider, decider_fault) in zip(candles, validated, deciders, strict=True):
        rejected_rows = [{"intent": r.raw, "reason": r.reason} for r in rejected]
        for index, intent in enumerate(intents):
            if canary is not None and (intent.market in canary.markets) != (decider is canary.strategy):
                owner = canary.strategy if intent.market in canary.markets else active
                rejected_rows.append({"intent": f"{intent.market} {intent.side} {intent.stake:g}",
                                      "reason": f"{intent.market} is traded by {owner.spec}"})
                continue
            token = leases(intent.market) if leases is not None else None
            if leases is not None and token is None:
                rejected_rows.append({"intent": f"{intent.market} {intent.side} {intent.stake:g}",
                                      "reason": f"{intent.market}: no lease held in the fleet (not opening)"})
                continue
            price = _price(prices.get(intent.market), intent.side)
            reason = check_intent(
                intent, limits=desired.risk, ledger=ledger, pending_stake=pending_stake,
                pending_count=pending_count, ts=batch_end, paused=desired.paused,
                paused_markets=desired.paused_markets, price=price, blocked=blocked,
            )
            if reason is not None:
                rejected_rows.append({"intent": f"{intent.market} {intent.side} {intent.stake:g}", "reason": reason})
                continue
            assert price is not None
            market = markets[intent.market]
            plan.orders.append(OrderRow(
                client_order_id=client_order_id(decider.name, decider.version, candle.market, candle.start, index,
                                                token),
                market=intent.market, candle_market=candle.market, candle_start=candle.start,
                intent_index=index, side=intent.side, stake=intent.stake, max_price=intent.max_price,
                price=price, window_start=batch_end, window_end=batch_end + market.seconds,
                strategy=decider.name, version=decider.version, tag=intent.tag,
                status="stale" if stale_reason is not None else "new", reason=stale_reason or "",
                lease_revision=token,
            ))
            pending_stake += dec(intent.stake) * FEE_ALLOWANCE
            pending_count += 1
        plan.rejected.extend(f"{r['intent']}: {r['reason']}" for r in rejected_rows)
        plan.decisions.append(DecisionRow(candle.market, candle.start, decider.name, decider.version,
                                          [i.to_dict() for i in intents], rejected_rows, decider_fault,
                                          leases(candle.market) if leases is not None else None))
    return plan


def _price(up: float | None, side: str) -> Decimal | None:
    """The price of ``side`` from the candle's up price (None: no candle of that market in the batch)."""
    if up is None:
        return None
    return dec(up) if side == "up" else ONE - dec(up)


def send_orders(broker: Broker, ledger: Ledger, orders: list[OrderRow], batch_end: int) -> Sent:
    """Send the journaled ``new`` orders and look up the ``stale`` ones; a submit the broker did not
    confirm stays open in ``ledger`` as ``unknown`` (exposure) until it answers."""
    sent = Sent()
    for order in orders:
        request = request_of(order, batch_end)
        try:
            if order.status == "new":
                result: OrderResult | None = broker.submit(request)
            else:  # stale: never sent now, but a batch lost to a power cut may have been sent before
                result = broker.lookup(request.client_order_id)
        except BrokerError as exc:
            logger.error("order {} not confirmed by {}: {} (asked again every batch; counts as exposure)",
                         request.client_order_id, broker.name, exc)
            if order.status == "new":
                sent.unconfirmed.append((order.client_order_id, "unknown", f"submit failed: {exc}", "", None))
                ledger.order_opened(replace(order, status="unknown"))
            continue
        if result is not None:
            sent.answers.append((request, result, order.version))
            ledger.attribute(order.client_order_id, order.strategy)
            if result.status == "rejected":
                sent.rejected.append(f"{order.market} {order.side}: broker: {result.reason}")
    return sent
