"""Validation of what a strategy returned from ``on_candle``: untrusted until proven otherwise.

Anything malformed is a strategy fault for that intent: it is dropped with a one-line reason,
never raised into the host.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from liveswap.api.types import SIDES, Intent
from liveswap.markets import Market

INTENT_FIELDS = frozenset({"market", "side", "stake", "max_price", "tag"})
MAX_INTENTS_PER_CANDLE = 32


@dataclass(frozen=True, slots=True)
class Rejected:
    """An intent (or a whole output) refused, with the reason the operator reads."""

    raw: str
    reason: str


def _as_dict(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, Intent):
        return raw.to_dict()
    if isinstance(raw, dict):
        return raw
    return None


def _short(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 80 else text[:77] + "..."


def validate_intent(raw: Any, markets: dict[str, Market], batch_end: int) -> Intent | Rejected:
    """One intent: a known market with a window opening at ``batch_end``, side, stake, price."""
    data = _as_dict(raw)
    if data is None:
        return Rejected(_short(raw), f"intent is a {type(raw).__name__}, not an Intent or dict")
    unknown = set(data) - INTENT_FIELDS
    if unknown:
        return Rejected(_short(raw), f"unknown intent field(s): {', '.join(sorted(map(str, unknown)))}")
    market = data.get("market")
    if not isinstance(market, str) or market not in markets:
        return Rejected(_short(raw), f"unknown market {market!r}")
    if not markets[market].opens_at(batch_end):
        return Rejected(_short(raw), f"no window of {market} opens at {batch_end}")
    side = data.get("side")
    if side not in SIDES:
        return Rejected(_short(raw), f"side must be 'up' or 'down', not {side!r}")
    stake = data.get("stake")
    if isinstance(stake, bool) or not isinstance(stake, int | float) or not math.isfinite(stake) or stake <= 0:
        return Rejected(_short(raw), f"stake must be a positive number, not {stake!r}")
    max_price = data.get("max_price")
    if max_price is not None and (
        isinstance(max_price, bool)
        or not isinstance(max_price, int | float)
        or not math.isfinite(max_price)
        or not 0 < max_price < 1
    ):
        return Rejected(_short(raw), f"max_price must be in (0, 1), not {max_price!r}")
    tag = data.get("tag", "")
    if not isinstance(tag, str):
        return Rejected(_short(raw), f"tag must be a string, not {type(tag).__name__}")
    return Intent(market=market, side=side, stake=float(stake),
                  max_price=None if max_price is None else float(max_price), tag=tag[:200])


def validate_output(raw: Any, markets: dict[str, Market], batch_end: int) -> tuple[list[Intent], list[Rejected]]:
    """A whole ``on_candle`` return value: None, or a list/tuple of intents."""
    if raw is None:
        return [], []
    if not isinstance(raw, list | tuple):
        return [], [Rejected(_short(raw), f"on_candle returned a {type(raw).__name__}, not a list")]
    if len(raw) > MAX_INTENTS_PER_CANDLE:
        return [], [Rejected(f"{len(raw)} intents", f"more than {MAX_INTENTS_PER_CANDLE} intents for one candle")]
    good: list[Intent] = []
    bad: list[Rejected] = []
    for item in raw:
        result = validate_intent(item, markets, batch_end)
        (good if isinstance(result, Intent) else bad).append(result)  # type: ignore[arg-type]
    return good, bad
