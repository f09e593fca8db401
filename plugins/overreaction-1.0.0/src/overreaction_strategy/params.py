"""The operator's params, read leniently: a missing or unusable value keeps its default."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

HOST_STAKE_CAP = 5.0  # the host refuses stakes above its cap; never ask for more


@dataclass(frozen=True, slots=True)
class Config:
    k: float = 4.0  # how many sigmas a move must reach
    threshold: float = 0.06  # how far from 0.5 the up price must have run
    stake: float = 1.0
    max_price: float | None = 0.5

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Config:
        default = cls()
        stake = _number(params.get("stake"), default.stake)
        max_price: float | None = default.max_price
        if "max_price" in params:
            raw = params["max_price"]
            max_price = None if raw is None else _number(raw, -1.0)
            if max_price is not None and not 0 < max_price < 1:
                max_price = default.max_price
        threshold = _number(params.get("threshold"), default.threshold)
        return cls(
            k=max(0.5, _number(params.get("k"), default.k)),
            threshold=threshold if 0 <= threshold < 0.5 else default.threshold,
            stake=min(stake, HOST_STAKE_CAP) if stake > 0 else default.stake,
            max_price=max_price,
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
