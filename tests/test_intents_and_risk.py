"""What the host refuses from a strategy, and why."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from liveswap.api.types import Intent
from liveswap.engine.intents import validate_intent, validate_output
from liveswap.engine.ledger import Ledger
from liveswap.engine.risk import check_intent
from liveswap.journal.store import FillRow, OrderRow
from liveswap.markets import Market
from liveswap.settings import RiskLimits

MARKETS = {m: Market.parse(m) for m in ("BTC-5m", "BTC-15m")}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"market": "ZZZ-5m", "side": "up", "stake": 1}, "unknown market"),
        ({"market": "BTC-5m", "side": "sideways", "stake": 1}, "side must be"),
        ({"market": "BTC-5m", "side": "up", "stake": 0}, "stake must be a positive"),
        ({"market": "BTC-5m", "side": "up", "stake": float("nan")}, "stake must be a positive"),
        ({"market": "BTC-5m", "side": "up", "stake": "5"}, "stake must be a positive"),
        ({"market": "BTC-5m", "side": "up", "stake": True}, "stake must be a positive"),
        ({"market": "BTC-5m", "side": "up", "stake": 1, "max_price": 1.0}, "max_price must be in (0, 1)"),
        ({"market": "BTC-5m", "side": "up", "stake": 1, "leverage": 10}, "unknown intent field"),
        ({"market": "BTC-15m", "side": "up", "stake": 1}, "no window of BTC-15m opens at 1500"),
        ("buy!", "not an Intent or dict"),
    ],
)
def test_malformed_intents_are_dropped_with_a_reason(raw: Any, reason: str) -> None:
    result = validate_intent(raw, MARKETS, batch_end=1500)
    assert not isinstance(result, Intent)
    assert reason in result.reason


def test_valid_dict_and_intent_are_accepted() -> None:
    assert validate_intent({"market": "BTC-15m", "side": "down", "stake": 2}, MARKETS, 1800) == Intent(
        "BTC-15m", "down", 2.0)
    good, bad = validate_output([Intent("BTC-5m", "up", 1.0), 42], MARKETS, 1500)
    assert len(good) == 1 and len(bad) == 1


def test_whole_output_garbage_is_one_rejection() -> None:
    good, bad = validate_output({"not": "a list"}, MARKETS, 1500)
    assert good == [] and "not a list" in bad[0].reason


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
