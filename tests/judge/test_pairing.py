"""Pairing by candle: matched by (market, window), one batch = one observation, a missing side is 0."""

from __future__ import annotations

from decimal import Decimal

import pytest
from liveswap.judge import CandleResult, pair_by_batch


def r(market: str, window: int, batch: int, staked: str, pnl: str) -> CandleResult:
    return CandleResult(market, window, batch, Decimal(staked), Decimal(pnl))


def test_the_difference_is_per_dollar_and_summed_over_the_markets_of_a_batch() -> None:
    active = [r("BTC-5m", 300, 300, "5", "5"), r("ETH-5m", 300, 300, "5", "-5")]  # +1 and -1 per dollar
    candidate = [r("BTC-5m", 300, 300, "2", "-2"), r("ETH-5m", 300, 300, "4", "2")]  # -1 and +0.5
    assert pair_by_batch(active, candidate) == [(-1 - 1) + (0.5 + 1)]


def test_a_side_that_did_not_bet_counts_zero_and_a_batch_nobody_bet_in_is_no_observation() -> None:
    active = [r("BTC-5m", 300, 300, "5", "4"), r("BTC-5m", 600, 600, "0", "0")]
    candidate = [r("ETH-5m", 900, 900, "5", "-5")]
    assert pair_by_batch(active, candidate) == [-0.8, -1.0]


def test_pairs_are_matched_by_candle_not_by_the_order_results_arrive_in() -> None:
    active = [r(m, w, w, "5", str(w // 300)) for m in ("BTC-5m", "ETH-5m") for w in (300, 600, 900)]
    candidate = list(reversed(active))
    assert pair_by_batch(active, candidate) == [0.0, 0.0, 0.0]


def test_several_bets_on_one_candle_add_up_before_the_per_dollar_ratio() -> None:
    active: list[CandleResult] = []
    candidate = [r("BTC-5m", 300, 300, "1", "1"), r("BTC-5m", 300, 300, "3", "-3")]
    assert pair_by_batch(active, candidate) == [-0.5]


def test_a_candle_given_in_two_batches_is_refused() -> None:
    with pytest.raises(ValueError, match="BTC-5m@300"):
        pair_by_batch([r("BTC-5m", 300, 300, "5", "1")], [r("BTC-5m", 300, 600, "5", "1")])
