"""The operator's params, read leniently: a missing or unusable value keeps its default."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

HOST_STAKE_CAP = 5.0  # the host refuses stakes above its cap; never ask for more


@dataclass(frozen=True, slots=True)
class Config:
    stake: float = 1.0
    max_price: float | None = 0.55
    threshold: float = 1.25

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Config:
        default = cls()
        stake = _number(params.get("stake"), default.stake)
        max_price: float | None = default.max_price
        if "max_price" in params:
            raw = params["max_price"]
            max_price = None if raw is None else _number(raw, default.max_price or 0.0)
            if max_price is not None and not 0 < max_price < 1:
                max_price = default.max_price
        return cls(
            stake=min(stake, HOST_STAKE_CAP) if stake > 0 else default.stake,
            max_price=max_price,
            threshold=max(0.0, _number(params.get("threshold"), default.threshold)),
        )


def _number(raw: Any, default: float) -> float:
    if isinstance(raw, str):
        try:
            raw = float(raw)
        except ValueError:
            return default
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return default
    return float(raw)
