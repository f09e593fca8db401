"""Per-market memory of the overreaction strategy and its JSON state (layout 1).

    {"layout": 1, "markets": {market: {"returns": [...], "ewma_vol": x, "seen": n, "last_end": ts}},
     "stats": {"fills": n, "settled": n, "won": n, "pnl": x}}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

LAYOUT = 1
WINDOW = 20  # returns that make sigma (the current candle excluded)
EWMA_ALPHA = 0.02  # long-run volatility for the gate (~50-candle memory)
STAT_KEYS = ("fills", "settled", "won", "pnl")


class StateError(ValueError):
    """A state this version cannot take over."""


@dataclass(slots=True)
class MarketMemory:
    returns: list[float] = field(default_factory=list)  # newest last, at most WINDOW
    ewma_vol: float = 0.0
    seen: int = 0
    last_end: int = 0

    def sigma(self) -> float:
        """Volatility per candle over the last :data:`WINDOW` returns (0.0 when unknown)."""
        if len(self.returns) < WINDOW:
            return 0.0
        return math.sqrt(sum(r * r for r in self.returns) / len(self.returns))

    def remember(self, ret: float, end: int) -> None:
        var = ret * ret if self.seen == 0 else (1 - EWMA_ALPHA) * self.ewma_vol**2 + EWMA_ALPHA * ret * ret
        self.ewma_vol = math.sqrt(var)
        self.returns.append(ret)
        del self.returns[:-WINDOW]
        self.seen += 1
        self.last_end = end


def new_stats() -> dict[str, float]:
    return dict.fromkeys(STAT_KEYS, 0)


def dump_state(markets: dict[str, MarketMemory], stats: dict[str, float]) -> dict[str, Any]:
    return {
        "layout": LAYOUT,
        "markets": {
            m: {"returns": list(mem.returns), "ewma_vol": mem.ewma_vol, "seen": mem.seen, "last_end": mem.last_end}
            for m, mem in markets.items()
        },
        "stats": dict(stats),
    }


def load_state(state: dict[str, Any]) -> tuple[dict[str, MarketMemory], dict[str, float]]:
    """Markets and stats from layout 1; raises :class:`StateError` for anything else."""
    if not isinstance(state, dict):
        raise StateError(f"state is a {type(state).__name__}, not a dict")
    if not state:
        return {}, new_stats()
    if state.get("layout") != LAYOUT or not isinstance(state.get("markets"), dict):
        raise StateError(f"unknown overreaction state layout {state.get('layout')!r} (this version reads layout 1)")
    markets: dict[str, MarketMemory] = {}
    for market, entry in state["markets"].items():
        if not isinstance(entry, dict):
            raise StateError(f"markets[{market}] is a {type(entry).__name__}, not a dict")
        returns = entry.get("returns", [])
        if not isinstance(returns, list) or not all(_finite(r) for r in returns):
            raise StateError(f"returns of {market} are not a list of numbers")
        vol = entry.get("ewma_vol", 0.0)
        if not _finite(vol) or vol < 0:
            raise StateError(f"ewma_vol of {market} is {vol!r}, not a volatility")
        seen, last_end = entry.get("seen", 0), entry.get("last_end", 0)
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (seen, last_end)):
            raise StateError(f"seen/last_end of {market} are not counts")
        markets[market] = MarketMemory([float(r) for r in returns[-WINDOW:]], float(vol), seen, last_end)
    stats = new_stats()
    raw_stats = state.get("stats")
    if isinstance(raw_stats, dict):
        stats.update({k: raw_stats[k] for k in STAT_KEYS if _finite(raw_stats.get(k))})
    return markets, stats


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
