"""Validation of what a strategy returned from ``on_candle``: untrusted until proven otherwise.

Anything malformed is refused for that intent with a one-line reason, never raised into the host:
:func:`validate_output` and :func:`validate_batch` never raise, whatever they are given. A
refusal marked ``garbage`` (a number the host cannot represent -- non-finite, or an integer past
:data:`MAX_NUMBER` such as ``10**400`` --, more intents than the caps, an object that is neither
an intent nor a dict, or an output whose validation itself failed) is a ``garbage`` fault of the
version, during probation and after; other refusals (an unknown market, a zero stake) are a fault
only during probation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from liveswap.api import SIDES, Intent
from liveswap.markets import Market

INTENT_FIELDS = frozenset({"market", "side", "stake", "max_price", "tag"})
MAX_INTENTS_PER_CANDLE = 32
MAX_INTENTS_PER_BATCH = 1000
"""Default of the ``max_intents_per_batch`` setting: more intents in one batch is a garbage fault."""
MAX_NUMBER = 1e15
"""The largest magnitude a stake or price may have; past it a number is not a figure but garbage."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """An intent (or a whole output) refused, with the reason the operator reads. ``garbage``:
    the output is not something the host can validate, a fault of the version at any time."""

    raw: str
    reason: str
    garbage: bool = False


def _as_dict(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, Intent):
        return {"market": raw.market, "side": raw.side, "stake": raw.stake, "max_price": raw.max_price,
                "tag": raw.tag}
    if type(raw) is dict:
        return raw
    return None


def _short(raw: Any) -> str:
    try:
        text = repr(raw)
    except Exception:  # noqa: BLE001 - a hostile __repr__
        text = f"<{type(raw).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def _number(value: Any) -> float | None:
    """``value`` as a float if it is a real, finite number of sane magnitude, else None."""
    if type(value) is int:
        return float(value) if -MAX_NUMBER <= value <= MAX_NUMBER else None
    if type(value) is float:
        return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None
    return None


def _is_garbage_number(value: Any) -> bool:
    return type(value) in (int, float) and _number(value) is None


def validate_intent(raw: Any, markets: dict[str, Market], batch_end: int) -> Intent | Rejected:
    """One intent: a known market with a window opening at ``batch_end``, side, stake, price."""
    try:
        return _validate_intent(raw, markets, batch_end)
    except Exception as exc:  # noqa: BLE001 - nothing a strategy returns raises into the host
        return Rejected(_short(raw), f"intent cannot be validated: {type(exc).__name__}", garbage=True)


def _validate_intent(raw: Any, markets: dict[str, Market], batch_end: int) -> Intent | Rejected:
    data = _as_dict(raw)
    if data is None:
        return Rejected(_short(raw), f"intent is a {type(raw).__name__}, not an Intent or dict", garbage=True)
    unknown = [k for k in data if k not in INTENT_FIELDS]
    if unknown:
        return Rejected(_short(raw), f"unknown intent field(s): {', '.join(sorted(map(_short, unknown)))}")
    market = data.get("market")
    if type(market) is not str or market not in markets:
        return Rejected(_short(raw), f"unknown market {_short(market)}")
    if not markets[market].opens_at(batch_end):
        return Rejected(_short(raw), f"no window of {market} opens at {batch_end}")
    side = data.get("side")
    if type(side) is not str or side not in SIDES:
        return Rejected(_short(raw), f"side must be 'up' or 'down', not {_short(side)}")
    stake_raw = data.get("stake")
    stake = _number(stake_raw)
    if stake is None or stake <= 0:
        return Rejected(_short(raw), f"stake must be a positive number, not {_short(stake_raw)}",
                        garbage=_is_garbage_number(stake_raw))
    price_raw = data.get("max_price")
    max_price = None if price_raw is None else _number(price_raw)
    if price_raw is not None and (max_price is None or not 0 < max_price < 1):
        return Rejected(_short(raw), f"max_price must be in (0, 1), not {_short(price_raw)}",
                        garbage=_is_garbage_number(price_raw))
    tag = data.get("tag", "")
    if type(tag) is not str:
        return Rejected(_short(raw), f"tag must be a string, not {type(tag).__name__}")
    return Intent(market=market, side=side, stake=stake, max_price=max_price, tag=tag[:200])


def validate_output(raw: Any, markets: dict[str, Market], batch_end: int) -> tuple[list[Intent], list[Rejected]]:
    """A whole ``on_candle`` return value: None, or a list/tuple of intents."""
    if raw is None:
        return [], []
    if type(raw) not in (list, tuple):
        return [], [Rejected(_short(raw), f"on_candle returned a {type(raw).__name__}, not a list", garbage=True)]
    if len(raw) > MAX_INTENTS_PER_CANDLE:
        return [], [Rejected(f"{len(raw)} intents", f"more than {MAX_INTENTS_PER_CANDLE} intents for one candle")]
    good: list[Intent] = []
    bad: list[Rejected] = []
    for item in raw:
        result = validate_intent(item, markets, batch_end)
        (good if isinstance(result, Intent) else bad).append(result)  # type: ignore[arg-type]
    return good, bad


def validate_batch(outputs: Any, candles: int, markets: dict[str, Market], batch_end: int, *,
                   max_intents: int = MAX_INTENTS_PER_BATCH) -> tuple[list[tuple[list[Intent], list[Rejected]]],
                                                                     Rejected | None]:
    """Every output of one batch; the second value is the first ``garbage`` refusal, if any (then
    the version is at fault). Never raises."""
    try:
        if type(outputs) not in (list, tuple) or len(outputs) != candles:
            got = f"{len(outputs)} outputs" if type(outputs) in (list, tuple) else f"a {type(outputs).__name__}"
            return [], Rejected(got, f"{got} for {candles} candle(s)", garbage=True)
        total = sum(len(o) for o in outputs if type(o) in (list, tuple))
        if total > max_intents:
            return [], Rejected(f"{total} intents", f"{total} intents in one batch, more than the cap of "
                                f"{max_intents} (max_intents_per_batch)", garbage=True)
        validated = [validate_output(o, markets, batch_end) for o in outputs]
    except Exception as exc:  # noqa: BLE001 - nothing a strategy returns raises into the host
        return [], Rejected("output", f"output cannot be validated: {type(exc).__name__}", garbage=True)
    garbage = next((r for _, rej in validated for r in rej if r.garbage), None)
    return validated, garbage
