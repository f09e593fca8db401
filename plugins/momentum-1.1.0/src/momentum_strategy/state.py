"""What momentum remembers, and its state layouts (the JSON that survives swaps and restarts).

Layout 2 (this version, 1.1.0): one entry per market, with an exponentially weighted volatility
that replaces 1.0.0's long window of closes::

    {"layout": 2, "markets": {market: {"closes": [...], "ewma_vol": x, "seen": n, "last_end": ts}},
     "stats": {"fills": n, "settled": n, "won": n, "pnl": x}}

Layout 1 (momentum 1.0.0)::

    {"closes": {market: [close, ...]}, "seen": {market: n}, "last_end": {market: ts}, "stats": {...}}

``load_state`` reads both, and :func:`dump_layout1` writes layout 1 (``export_state(schema=1)``,
declared as ``"writes": [1]`` in ``__liveswap_state__``). Taking over from 1.0.0 (an up-migration) keeps the newest
:data:`HISTORY` closes and seeds ``ewma_vol`` with the realized volatility of all of 1.0.0's
closes, so the volatility gate works from the first candle. Anything else is refused with a
one-line reason (e.g. a layout 3 from a future version: the swap is then aborted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from momentum_strategy.signals import log_returns, realized_vol

LAYOUT = 2
HISTORY = 24  # closes kept per market: 12 for the signal, 12 for the recent volatility
EWMA_ALPHA = 0.04  # weight of the newest squared return in ewma_vol (~25-candle memory)
STAT_KEYS = ("fills", "settled", "won", "pnl")


class StateError(ValueError):
    """A state this version cannot take over."""


@dataclass(slots=True)
class MarketMemory:
    """One market's rolling history and its long-run volatility per candle."""

    closes: list[float] = field(default_factory=list)
    ewma_vol: float = 0.0  # 0.0 until the first return
    seen: int = 0  # candles decided, ever (carried across versions)
    last_end: int = 0  # close time of the last candle decided
    samples: int = 0  # returns folded into ewma_vol (not exported: a count of trust)

    def remember(self, close: float, end: int) -> None:
        if self.closes:
            r = math.log(close / self.closes[-1])
            var = r * r if self.ewma_vol == 0.0 else (1 - EWMA_ALPHA) * self.ewma_vol**2 + EWMA_ALPHA * r * r
            self.ewma_vol = math.sqrt(var)
            self.samples += 1
        self.closes.append(close)
        del self.closes[:-HISTORY]
        self.seen += 1
        self.last_end = end


def new_stats() -> dict[str, float]:
    return dict.fromkeys(STAT_KEYS, 0)


def dump_state(markets: dict[str, MarketMemory], stats: dict[str, float]) -> dict[str, Any]:
    """Layout 2, JSON-only."""
    return {
        "layout": LAYOUT,
        "markets": {
            m: {"closes": list(mem.closes), "ewma_vol": mem.ewma_vol, "seen": mem.seen, "last_end": mem.last_end}
            for m, mem in markets.items()
        },
        "stats": dict(stats),
    }


def dump_layout1(markets: dict[str, MarketMemory], stats: dict[str, float]) -> dict[str, Any]:
    """Layout 1 (momentum 1.0.0's), for ``export_state(schema=1)``: closes and counts; ``ewma_vol``
    has no place there and is dropped."""
    return {
        "closes": {m: list(mem.closes) for m, mem in markets.items()},
        "seen": {m: mem.seen for m, mem in markets.items()},
        "last_end": {m: mem.last_end for m, mem in markets.items()},
        "stats": dict(stats),
    }


def load_state(state: dict[str, Any]) -> tuple[dict[str, MarketMemory], dict[str, float]]:
    """Markets and stats from layout 1 or 2; raises :class:`StateError` for anything else."""
    if not isinstance(state, dict):
        raise StateError(f"state is a {type(state).__name__}, not a dict")
    if not state:
        return {}, new_stats()
    layout = state.get("layout", 1)
    if layout == 2:
        markets = _from_layout2(state)
    elif layout == 1 and "closes" in state:
        markets = _from_layout1(state)
    else:
        raise StateError(f"unknown momentum state layout {layout!r} (this version reads layouts 1 and 2)")
    return markets, _stats(state.get("stats", {}))


def _from_layout2(state: dict[str, Any]) -> dict[str, MarketMemory]:
    markets = state.get("markets")
    if not isinstance(markets, dict):
        raise StateError("layout 2 state has no 'markets' dict")
    out: dict[str, MarketMemory] = {}
    for market, entry in markets.items():
        if not isinstance(entry, dict):
            raise StateError(f"markets[{market}] is a {type(entry).__name__}, not a dict")
        series = _closes(entry.get("closes", []), market)
        vol = entry.get("ewma_vol", 0.0)
        if isinstance(vol, bool) or not isinstance(vol, int | float) or not math.isfinite(vol) or vol < 0:
            raise StateError(f"ewma_vol of {market} is {vol!r}, not a volatility")
        seen = _count(entry.get("seen", len(series)), f"seen of {market}")
        out[market] = MarketMemory(closes=series, ewma_vol=float(vol), seen=seen,
                                   last_end=_count(entry.get("last_end", 0), f"last_end of {market}"),
                                   samples=max(0, seen - 1))
    return out


def _from_layout1(state: dict[str, Any]) -> dict[str, MarketMemory]:
    closes, seen, last_end = state["closes"], state.get("seen", {}), state.get("last_end", {})
    for name, value in (("closes", closes), ("seen", seen), ("last_end", last_end)):
        if not isinstance(value, dict):
            raise StateError(f"state[{name!r}] is a {type(value).__name__}, not a dict")
    out: dict[str, MarketMemory] = {}
    for market, raw in closes.items():
        series = _closes(raw, market, keep=None)
        returns = log_returns(series)
        out[market] = MarketMemory(
            closes=series[-HISTORY:],
            ewma_vol=realized_vol(returns),
            seen=_count(seen.get(market, len(series)), f"seen[{market}]"),
            last_end=_count(last_end.get(market, 0), f"last_end[{market}]"),
            samples=len(returns),
        )
    return out


def _closes(raw: Any, market: str, keep: int | None = HISTORY) -> list[float]:
    if not isinstance(raw, list):
        raise StateError(f"closes of {market} are a {type(raw).__name__}, not a list")
    for x in raw:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x <= 0:
            raise StateError(f"closes of {market} hold {x!r}, not a positive price")
    kept = raw if keep is None else raw[-keep:]
    return [float(x) for x in kept]


def _count(raw: Any, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise StateError(f"{what} is {raw!r}, not a count")
    return raw


def _stats(raw: Any) -> dict[str, float]:
    stats = new_stats()
    if isinstance(raw, dict):
        for key in STAT_KEYS:
            value = raw.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                stats[key] = value
    return stats
