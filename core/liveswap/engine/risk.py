"""Host risk limits: the last word on every intent, whatever the strategy returned."""

from __future__ import annotations

from liveswap.api.types import Intent
from liveswap.engine.ledger import Ledger
from liveswap.settings import RiskLimits


def check_intent(
    intent: Intent,
    *,
    limits: RiskLimits,
    ledger: Ledger,
    pending_stake: float,
    pending_count: int,
    ts: int,
    paused: bool,
    paused_markets: set[str],
    price: float | None,
) -> str | None:
    """The reason ``intent`` may not be traded now, or None if it may.

    ``pending_stake``/``pending_count`` cover orders already approved earlier in the same batch.
    """
    if paused:
        return "paused: not opening new positions"
    if intent.market in paused_markets:
        return f"{intent.market} is paused"
    if price is None:
        return f"no fresh contract price for {intent.market}"
    if intent.stake > limits.stake_cap + 1e-9:
        return f"stake {intent.stake:.2f} exceeds the cap {limits.stake_cap:.2f}"
    if len(ledger.positions) + pending_count >= limits.max_open_positions:
        return f"max open positions reached ({limits.max_open_positions})"
    loss = ledger.day_loss(ts)
    if loss >= limits.daily_loss_limit:
        return f"daily loss limit reached ({loss:.2f} >= {limits.daily_loss_limit:.2f})"
    if intent.stake * 1.1 + pending_stake > ledger.balance:
        return f"insufficient balance ({ledger.balance:.2f}) for stake {intent.stake:.2f} plus fees"
    return None
