"""Taker fee model of the paper broker.

Default: Kalshi's published general taker fee, ``fees = round_up(0.07 x C x P x (1 - P))`` to
the next cent, where C is the number of contracts and P the price in dollars (Kalshi Fee
Schedule, https://kalshi.com/docs/kalshi-fee-schedule.pdf; also in Kalshi's API docs under
"Fees"). Polymarket's crypto markets use the same shape with ``feeRate`` 0.07 and no rounding.
"""

from __future__ import annotations

import math

from liveswap.settings import FeeModel


def taker_fee(model: FeeModel, contracts: float, price: float) -> float:
    """Fee in USD for buying ``contracts`` at ``price`` (0..1)."""
    raw = model.rate * contracts * price * (1.0 - price)
    if raw <= 0:
        return 0.0
    if model.round_up_to_cent:
        # a tiny epsilon keeps 0.35 (stored as 0.35000000000000003) from becoming 0.36
        return math.ceil(round(raw * 100, 9)) / 100
    return raw
