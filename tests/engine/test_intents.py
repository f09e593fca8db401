"""What the host refuses from a strategy's output (intent validation), and why."""

from __future__ import annotations

from typing import Any

import pytest
from liveswap.api.types import Intent
from liveswap.engine.intents import validate_intent, validate_output
from liveswap.markets import Market

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
