"""The host's reply decoder and the output validator, fed arbitrary bytes, JSON and Python values:
the host never raises anything but a ProtocolError (a fault of the version), and numbers it cannot
validate are garbage."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from liveswap.engine.intents import validate_batch
from liveswap.exceptions import GarbageReply, ProtocolError
from liveswap.markets import Market
from liveswap.sandbox import protocol

MARKETS = {m: Market.parse(m) for m in ("BTC-5m", "ETH-5m")}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(st.integers(), st.integers(min_value=-(10**500), max_value=10**500),
                    st.floats(allow_nan=True, allow_infinity=True))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20)),
    lambda kids: st.one_of(st.lists(kids, max_size=6), st.dictionaries(st.text(max_size=8), kids, max_size=6)),
    max_leaves=30,
)
intent_like = st.fixed_dictionaries(
    {"market": st.sampled_from(["BTC-5m", "ETH-5m", "nope", 3]), "side": st.sampled_from(["up", "down", None]),
     "stake": numbers},
    optional={"max_price": numbers, "tag": json_values, "extra": json_values},
)
python_values = st.recursive(
    st.one_of(json_values, intent_like, st.binary(max_size=10), st.just(object()), st.complex_numbers(),
              st.sets(st.integers(), max_size=3)),
    lambda kids: st.one_of(st.lists(kids, max_size=5), st.tuples(kids, kids)),
    max_leaves=25,
)


def decode_everything(payload: bytes, candles: int) -> None:
    """What the host does with a batch reply; only ProtocolError may come out."""
    try:
        message = protocol.decode_reply(payload)
        outputs = protocol.decode_outputs(message.get("ok"), candles)
    except ProtocolError:
        return
    validate_batch(outputs, candles, MARKETS, 1500)


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_past_the_decoder(payload: bytes) -> None:
    decode_everything(payload, 2)


@FUZZ
@given(json_values, st.integers(min_value=0, max_value=3))
def test_arbitrary_json_never_raises_past_the_decoder(value: Any, candles: int) -> None:
    for wrapped in (value, {"ok": value}, {"ok": [value] * candles}):
        try:
            payload = json.dumps(wrapped).encode()
        except ValueError:  # an integer Python itself refuses to print
            continue
        decode_everything(payload, candles)


@FUZZ
@given(st.lists(python_values, min_size=0, max_size=4), st.integers(min_value=0, max_value=4))
def test_arbitrary_python_values_never_raise_in_the_validator(outputs: list[Any], candles: int) -> None:
    validated, garbage = validate_batch(outputs, candles, MARKETS, 1500)
    for intents, _ in validated:
        for intent in intents:
            assert math.isfinite(intent.stake) and 0 < intent.stake <= 1e15


@FUZZ
@given(numbers)
def test_a_number_the_host_cannot_handle_is_garbage(stake: Any) -> None:
    out = [[{"market": "BTC-5m", "side": "up", "stake": stake}]]
    _, garbage = validate_batch(out, 1, MARKETS, 1500)
    sane = (isinstance(stake, float) and math.isfinite(stake) or isinstance(stake, int)) and abs(stake) <= 1e15
    assert (garbage is None) == sane


@pytest.mark.parametrize("text", ['{"ok": NaN}', '{"ok": [Infinity]}', '{"ok": -Infinity}',
                                  '{"ok": [[{"stake": ' + "9" * 400 + "}]]}"])
def test_nan_infinity_and_huge_integers_are_garbage_replies(text: str) -> None:
    with pytest.raises(GarbageReply):
        protocol.decode_reply(text.encode())


def test_too_many_intents_in_one_batch_is_garbage() -> None:
    one = {"market": "BTC-5m", "side": "up", "stake": 1}
    _, garbage = validate_batch([[one] * 30 for _ in range(40)], 40, MARKETS, 1500, max_intents=1000)
    assert garbage is not None and "max_intents_per_batch" in garbage.reason
