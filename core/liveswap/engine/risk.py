"""Host risk limits: the last word on every intent, whatever the strategy returned."""

from __future__ import annotations

from decimal import Decimal

from liveswap.api import Intent
from liveswap.engine.ledger import FEE_ALLOWANCE, Ledger
from liveswap.money import ZERO, dec, usd
from liveswap.settings import RiskLimits


def check_intent(
    intent: Intent,
    *,
    limits: RiskLimits,
    ledger: Ledger,
    pending_stake: Decimal = ZERO,
    pending_count: int,
    ts: int,
    paused: bool,
    paused_markets: set[str],
    price: float | Decimal | None,
    blocked: str | None = None,
) -> str | None:
    """The reason ``intent`` may not be traded now, or None if it may.

    ``pending_stake``/``pending_count`` cover orders already approved earlier in the same batch;
    orders of earlier batches whose outcome is not known yet are in ``ledger.open_orders`` and
    count as exposure too. ``blocked``: why no new position may be opened at all (the daily
    loss limit is tripped -- :class:`~liveswap.engine.daily_loss.DailyLossGuard` keeps that
    latch --, the ledger disagrees with the broker), or None. ``ts`` is the batch time.
    """
    if paused:
        return "paused: not opening new positions"
    if blocked is not None:
        return blocked
    if intent.market in paused_markets:
        return f"{intent.market} is paused"
    if price is None:
        return f"no fresh contract price for {intent.market}"
    stake = dec(intent.stake)
    if stake > dec(limits.stake_cap):
        return f"stake {usd(stake)} exceeds the cap {usd(dec(limits.stake_cap))}"
    if ledger.exposure_count() + pending_count >= limits.max_open_positions:
        return f"max open positions reached ({limits.max_open_positions}, open orders included)"
    available = ledger.balance - ledger.reserved() - pending_stake
    if stake * FEE_ALLOWANCE > available:
        return f"insufficient balance ({usd(available)} free) for stake {usd(stake)} plus fees"
    return None
