"""What the operator wants the engine to do right now (from ``control.json`` or defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from liveswap.settings import RiskLimits


@dataclass(slots=True)
class Desired:
    paused: bool = False
    paused_markets: set[str] = field(default_factory=set)
    params: dict[str, Any] = field(default_factory=dict)
    risk: RiskLimits = field(default_factory=RiskLimits)
    generation: int = 0
    resume_request: int | None = None  # generation of the last global `resume` (lifts a tripped daily loss limit)
