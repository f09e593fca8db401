"""The host's risk limits: which intents it refuses, and why."""

from __future__ import annotations

from typing import Any

from liveswap.api.types import Intent
from liveswap.engine.ledger import Ledger
from liveswap.engine.risk import check_intent
from liveswap.journal.store import FillRow
from liveswap.settings import RiskLimits


def _check(intent: Intent, ledger: Ledger | None = None, **kw: Any) -> str | None:
    args: dict[str, Any] = dict(limits=RiskLimits(), ledger=ledger or Ledger(balance=100.0), pending_stake=0.0,
                                pending_count=0, ts=1500, paused=False, paused_markets=set(), price=0.5)
    args.update(kw)
    return check_intent(intent, **args)


def test_stake_cap() -> None:
    assert _check(Intent("BTC-5m", "up", 5.0)) is None
    assert "exceeds the cap 5.00" in (_check(Intent("BTC-5m", "up", 5.01)) or "")


def test_max_open_positions_counts_pending_orders_of_the_same_batch() -> None:
    limits = RiskLimits(max_open_positions=2)
    ledger = Ledger(balance=100.0)
    ledger.positions["x"] = FillRow("x", 0, "BTC-5m", "up", 1, 0.5, 2, 0.02, 0, 300, "1")
    assert _check(Intent("BTC-5m", "up", 1.0), ledger, limits=limits) is None
    assert "max open positions" in (_check(Intent("BTC-5m", "up", 1.0), ledger, limits=limits,
                                           pending_count=1) or "")


def test_daily_loss_limit_stops_new_positions() -> None:
    ledger = Ledger(balance=100.0)
    ledger.daily_pnl[1500 // 86400] = -50.0
    assert "daily loss limit" in (_check(Intent("BTC-5m", "up", 1.0), ledger) or "")


def test_insufficient_balance_and_pause_and_missing_price() -> None:
    assert "insufficient balance" in (_check(Intent("BTC-5m", "up", 5.0), Ledger(balance=5.0)) or "")
    assert "paused" in (_check(Intent("BTC-5m", "up", 1.0), paused=True) or "")
    assert "BTC-5m is paused" in (_check(Intent("BTC-5m", "up", 1.0), paused_markets={"BTC-5m"}) or "")
    assert "no fresh contract price" in (_check(Intent("BTC-5m", "up", 1.0), price=None) or "")
