"""Fills are booked as the broker made them -- contracts, price, cost, fee -- not as the stake
that was asked for; a partial fill is booked as the contracts that filled."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from liveswap.brokers.base import OrderRequest, OrderResult
from liveswap.journal.store import FillRow

from tests.support.engine_helpers import advance, make_engine


class PartialFills:
    """A venue that fills 3 contracts of every order at 0.56 ($1.68) with a $0.06 fee."""

    name = "partial"

    def __init__(self) -> None:
        self.results: dict[str, OrderResult] = {}

    def submit(self, order: OrderRequest) -> OrderResult:
        result = OrderResult(order.client_order_id, "filled", venue_order_id="v1", price=Decimal("0.56"),
                             shares=Decimal(3), fee=Decimal("0.06"), ts=order.ts)
        self.results[order.client_order_id] = result
        return result

    def lookup(self, client_order_id: str) -> OrderResult | None:
        return self.results.get(client_order_id)

    def settlements(self, *args: object) -> list[object]:
        return []

    def close(self) -> None:
        pass


def test_a_partial_fill_is_booked_as_the_contracts_that_filled(home: Path) -> None:
    engine = make_engine(home, broker=PartialFills(), markets=["BTC-5m"])
    engine.apply_desired(replace(engine.desired, params={"stake": 5.0}))
    before = engine.ledger.balance
    advance(engine, 300)
    rows = engine.journal.fills()
    assert len(rows) == 1
    fill = FillRow.from_db(rows[0])
    assert (fill.stake, fill.shares, fill.price, fill.cost, fill.fee) == (
        Decimal(5), Decimal(3), Decimal("0.56"), Decimal("1.68"), Decimal("0.06"))
    assert before - engine.ledger.balance == Decimal("1.74")  # not the $5 asked for
    advance(engine, 300)
    shown = engine.report().open_positions[0]
    assert (shown.stake, shown.cost, shown.shares) == (5.0, 1.68, 3.0)
