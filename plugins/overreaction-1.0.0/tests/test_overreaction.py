"""overreaction 1.0.0 on the embedded synthetic feed, through liveswap's own test harness."""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby

import pytest
from liveswap.api import Candle, Intent
from liveswap.testing import StrategyFault, StrategyHarness, synthetic_candles
from overreaction_strategy import Overreaction

CANDLES = synthetic_candles(count=600)
HALF = len(CANDLES) // 2


def harness(**params: object) -> StrategyHarness:
    return StrategyHarness(Overreaction, name="overreaction", version="1.0.0", params=params)


def decisions(h: StrategyHarness, candles: list[Candle]) -> list[tuple[Candle, Intent]]:
    """Feed one batch at a time; pair every intent with the candle that produced it."""
    out: list[tuple[Candle, Intent]] = []
    for _, group in groupby(candles, key=lambda c: c.end):
        batch = {c.market: c for c in group}
        out.extend((batch[i.market], i) for i in h.feed(list(batch.values())))
    return out


def test_fades_only_overreactions_with_valid_intents() -> None:
    h = harness(stake=2)
    bets = decisions(h, CANDLES)
    assert h.rejected == []
    assert len(bets) >= 5
    for candle, intent in bets:
        assert intent.market == candle.market and intent.stake == 2.0
        if intent.side == "down":  # the move was up and the up price ran past 0.56
            assert candle.close > candle.open and candle.up_price >= 0.56
        else:
            assert candle.close < candle.open and candle.up_price <= 0.44
        assert intent.max_price == 0.5


def test_on_params_changes_behaviour_mid_run() -> None:
    strict = harness()
    strict.feed(CANDLES[:HALF])
    strict.set_params({"k": 50})
    assert strict.feed(CANDLES[HALF:]) == []

    eager = harness(k=2.5, threshold=0.03, stake=9)
    baseline = harness().feed(CANDLES)
    more = eager.feed(CANDLES)
    assert eager.rejected == []
    assert len(more) > len(baseline)
    assert {i.stake for i in more} == {5.0}  # never above the host's stake cap


def test_state_round_trip_continues_exactly_where_it_left_off() -> None:
    first = harness()
    first.feed(CANDLES[:HALF])
    state = first.export_state()
    assert json.loads(json.dumps(state)) == state
    seen = {m: entry["seen"] for m, entry in state["markets"].items()}
    assert seen == dict(Counter(c.market for c in CANDLES[:HALF]))

    restored = harness()
    restored.import_state(state, "1.0.0")
    assert restored.export_state() == state
    assert restored.feed(CANDLES[HALF:]) == first.feed(CANDLES[HALF:])


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"layout": 2, "markets": {}}, "unknown overreaction state layout 2"),
        ({"layout": 1, "markets": {"BTC-5m": {"returns": "up"}}}, "not a list of numbers"),
    ],
)
def test_refuses_state_it_cannot_read(state: dict, reason: str) -> None:
    with pytest.raises(StrategyFault, match=reason):
        harness().import_state(state, "2.0.0")
