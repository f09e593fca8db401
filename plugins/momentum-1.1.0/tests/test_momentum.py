"""momentum 1.1.0 on the embedded synthetic feed, through liveswap's own test harness."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from liveswap.testing import StrategyFault, StrategyHarness, synthetic_candles
from momentum_strategy import Momentum

VERSION = "1.1.0"
CANDLES = synthetic_candles(count=300)
HALF = len(CANDLES) // 2


def harness(**params: object) -> StrategyHarness:
    return StrategyHarness(Momentum, name="momentum", version=VERSION, params=params)


def test_bets_are_valid_and_staked_as_configured() -> None:
    h = harness(stake=2)
    intents = h.feed(CANDLES)
    assert h.rejected == []
    assert len(intents) > 20
    assert {i.side for i in intents} == {"up", "down"}
    assert {i.stake for i in intents} == {2.0}
    assert {i.max_price for i in intents} == {0.55}


def test_stake_is_capped_at_the_host_limit_and_bad_params_keep_defaults() -> None:
    assert {i.stake for i in harness(stake=50).feed(CANDLES)} == {5.0}
    assert {i.stake for i in harness(stake="lots", max_price=3).feed(CANDLES)} == {1.0}


def test_on_params_changes_behaviour_mid_run() -> None:
    quiet = harness()
    assert quiet.feed(CANDLES[:HALF])
    quiet.set_params({"threshold": 50})
    assert quiet.feed(CANDLES[HALF:]) == []

    resized = harness()
    assert {i.stake for i in resized.feed(CANDLES[:HALF])} == {1.0}
    resized.set_params({"stake": 3, "max_price": None})
    later = resized.feed(CANDLES[HALF:])
    assert later and {(i.stake, i.max_price) for i in later} == {(3.0, None)}


def test_state_round_trip_continues_exactly_where_it_left_off() -> None:
    first = harness()
    first.feed(CANDLES[:HALF])
    state = first.export_state()
    assert json.loads(json.dumps(state)) == state
    assert state["layout"] == 2
    seen = {m: entry["seen"] for m, entry in state["markets"].items()}
    assert seen == dict(Counter(c.market for c in CANDLES[:HALF]))

    restored = harness()
    restored.import_state(state, VERSION)
    assert restored.export_state() == state
    assert restored.feed(CANDLES[HALF:]) == first.feed(CANDLES[HALF:])


def test_takes_over_layout_1_state_of_momentum_1_0_0() -> None:
    closes = [100.0 * (1.001 if i % 2 else 0.999) ** i for i in range(48)]
    older = {
        "closes": {"BTC-5m": closes},
        "seen": {"BTC-5m": 700},
        "last_end": {"BTC-5m": 900},
        "stats": {"fills": 4, "settled": 3, "won": 2, "pnl": 0.5},
    }
    h = harness()
    h.import_state(older, "1.0.0")
    entry = h.export_state()["markets"]["BTC-5m"]
    assert entry["closes"] == closes[-24:]
    assert entry["seen"] == 700 and entry["last_end"] == 900
    assert entry["ewma_vol"] > 0  # seeded from 1.0.0's closes: the gate works at once


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"layout": 3, "markets": {}}, "unknown momentum state layout 3"),
        ({"closes": {"BTC-5m": [1.0, "x"]}}, "not a positive price"),
        ({"something": "else"}, "unknown momentum state layout"),
    ],
)
def test_refuses_state_it_cannot_read(state: dict, reason: str) -> None:
    h = harness()
    with pytest.raises(StrategyFault, match=reason):
        h.import_state(state, "9.9.9")


def test_writes_layout_1_when_asked_and_1_0_0_layout_round_trips() -> None:
    h = harness()
    h.feed(CANDLES[:HALF])
    newest = h.export_state()
    older = h.export_state(schema=1)  # what the host asks to hand over to a version reading only layout 1
    assert "layout" not in older and set(older) == {"closes", "seen", "last_end", "stats"}
    assert older["closes"] == {m: e["closes"] for m, e in newest["markets"].items()}
    assert older["seen"] == {m: e["seen"] for m, e in newest["markets"].items()}
    back = harness()
    back.import_state(older, VERSION)
    assert back.export_state(schema=1) == older
