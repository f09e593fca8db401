"""The host's risk limits: which intents it refuses, and why."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from liveswap.api.types import Intent
from liveswap.engine.ledger import Ledger
from liveswap.engine.risk import check_intent
from liveswap.journal.store import FillRow, OrderRow
from liveswap.settings import RiskLimits


def _check(intent: Intent, ledger: Ledger | None = None, **kw: Any) -> str | None:
    args: dict[str, Any] = dict(limits=RiskLimits(), ledger=ledger or Ledger(balance=D(100)), pending_stake=D(0),
                                pending_count=0, ts=1500, paused=False, paused_markets=set(), price=0.5)
    args.update(kw)
    return check_intent(intent, **args)


def test_stake_cap() -> None:
    assert _check(Intent("BTC-5m", "up", 5.0)) is None
    assert "exceeds the cap 5.00" in (_check(Intent("BTC-5m", "up", 5.01)) or "")


def test_max_open_positions_counts_pending_orders_of_the_same_batch() -> None:
    limits = RiskLimits(max_open_positions=2)
    ledger = Ledger(balance=D(100))
    ledger.positions["x"] = FillRow("x", 0, "BTC-5m", "up", 1, 0.5, 2, 0.02, 0, 300, "1")
    assert _check(Intent("BTC-5m", "up", 1.0), ledger, limits=limits) is None
    assert "max open positions" in (_check(Intent("BTC-5m", "up", 1.0), ledger, limits=limits,
                                           pending_count=1) or "")


def test_orders_of_earlier_batches_with_no_outcome_yet_count_as_exposure() -> None:
    limits = RiskLimits(max_open_positions=2)
    ledger = Ledger(balance=D(10))
    ledger.order_opened(OrderRow("o", "BTC-5m", "BTC-5m", 0, 0, "up", 5, None, 0.5, 0, 300, "p", "1", "",
                                 status="unknown"))
    # $10 minus $5.50 held back for the unknown order leaves too little for another $5 stake
    assert "insufficient balance (4.50 free)" in (_check(Intent("BTC-5m", "up", 5.0), ledger) or "")
    assert "max open positions" in (_check(Intent("BTC-5m", "up", 1.0), ledger, limits=limits,
                                           pending_count=1) or "")


def test_a_blocked_host_opens_nothing() -> None:
    assert _check(Intent("BTC-5m", "up", 1.0), blocked="daily loss limit reached") == "daily loss limit reached"


def test_insufficient_balance_and_pause_and_missing_price() -> None:
    assert "insufficient balance" in (_check(Intent("BTC-5m", "up", 5.0), Ledger(balance=D(5))) or "")
    assert "paused" in (_check(Intent("BTC-5m", "up", 1.0), paused=True) or "")
    assert "BTC-5m is paused" in (_check(Intent("BTC-5m", "up", 1.0), paused_markets={"BTC-5m"}) or "")
    assert "no fresh contract price" in (_check(Intent("BTC-5m", "up", 1.0), price=None) or "")
