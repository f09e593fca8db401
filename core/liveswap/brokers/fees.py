"""Taker fee model of the paper broker, in exact decimals.

Default: Kalshi's published general taker fee, ``fees = round_up(0.07 x C x P x (1 - P))`` to
the next cent, where C is the number of contracts and P the price in dollars (Kalshi Fee
Schedule, https://kalshi.com/docs/kalshi-fee-schedule.pdf; also in Kalshi's API docs under
"Fees"). Polymarket's crypto markets use the same shape with ``feeRate`` 0.07 and no rounding
(kept to the micro-dollar, USDC's unit).
"""

from __future__ import annotations

from decimal import Decimal

from liveswap.money import CENT, ZERO, Amount, ceil_to, dec, micro
from liveswap.settings import FeeModel


def taker_fee(model: FeeModel, contracts: Amount, price: Amount) -> Decimal:
    """Fee in USD for buying ``contracts`` at ``price`` (0..1), exact."""
    p = dec(price)
    raw = dec(model.rate) * dec(contracts) * p * (1 - p)
    if raw <= 0:
        return ZERO
    return ceil_to(raw, CENT) if model.round_up_to_cent else micro(raw)
