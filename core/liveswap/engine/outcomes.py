"""What comes back from the broker: order answers and settlements, journaled before anyone hears of them.

Each function journals first (one transaction), then updates the :class:`~liveswap.engine.ledger.Ledger`,
and returns the fills or settlements the strategy is to hear of with the next batch (the engine
keeps that list):

* :func:`journal_answers` -- broker answers to orders (filled, pending, rejected, ...);
* :func:`close_never_seen` -- open orders the broker says it never received (``stale``);
* :func:`settle_due` -- settlements of the positions whose window has closed.
"""

from __future__ import annotations

from dataclasses import replace

from loguru import logger

from liveswap.api import Candle
from liveswap.brokers import Broker, BrokerError, OrderRequest, OrderResult
from liveswap.engine.ledger import Ledger
from liveswap.journal import FillRow, Journal, SettlementRow

Answer = tuple[OrderRequest, OrderResult, str]


def journal_answers(journal: Journal, ledger: Ledger, answers: list[Answer]) -> list[FillRow]:
    """Journal broker answers ``(request, result, version)`` (one FULL commit), then update the
    ledger; returns the fills."""
    rows: list[tuple[str, str, str, str, FillRow | None]] = []
    fills: list[FillRow] = []
    for request, result, version in answers:
        fill = None
        if result.status == "filled":
            fill = FillRow(request.client_order_id, result.ts or request.ts, request.market, request.side,
                           request.stake, result.price, result.shares, result.fee, request.window_start,
                           request.window_end, version, cost=result.cost)
            fills.append(fill)
        rows.append((request.client_order_id, result.status, result.reason, result.venue_order_id, fill))
    journal.record_order_results(rows)
    for request, result, _ in answers:  # pending: still exposure; refused: no longer
        open_order = ledger.open_orders.get(request.client_order_id)
        if result.status == "pending" and open_order is not None:
            ledger.order_opened(replace(open_order, status="pending", reason=result.reason))
        elif result.status == "rejected":
            ledger.order_closed(request.client_order_id)
    for fill in fills:
        ledger.apply_fill(fill)
    return fills


def close_never_seen(journal: Journal, ledger: Ledger, never_seen: list[str]) -> None:
    """Open orders the broker never received: journaled ``stale``, no longer exposure."""
    if not never_seen:
        return
    journal.record_order_results([(c, "stale", "the broker never received it", "", None) for c in never_seen])
    for coid in never_seen:
        ledger.order_closed(coid)


def settle_due(broker: Broker, journal: Journal, ledger: Ledger, now: int,
               candles: list[Candle]) -> list[SettlementRow]:
    """Ask the broker about every position whose window ended by ``now``; journal the new
    settlements, apply them to the ledger and return them (a settlement the venue reports twice
    counts once). A broker that cannot answer is asked again next batch."""
    if not ledger.positions:
        return []
    due = [p.client_order_id for p in ledger.positions.values() if p.window_end <= now]
    if not due:
        return []
    try:
        reports = broker.settlements(now, candles, due)
    except BrokerError as exc:
        logger.error("settlements unavailable from {}: {}", broker.name, exc)
        return []
    rows = [r for r in (ledger.settlement_for(x.client_order_id, x.won, x.payout, x.ts) for x in reports)
            if r is not None]
    fresh = journal.record_settlements(rows)
    for row in fresh:
        ledger.apply_settlement(row)
    return fresh
