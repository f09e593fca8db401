"""What momentum remembers, and its state layouts (the JSON that survives swaps and restarts).

Layout 1 (this version, 1.0.0)::

    {"closes": {market: [close, ...]}, "seen": {market: n}, "last_end": {market: ts},
     "stats": {"fills": n, "settled": n, "won": n, "pnl": x}}

Layout 2 (momentum 1.1.0)::

    {"layout": 2, "markets": {market: {"closes": [...], "ewma_vol": x, "seen": n, "last_end": ts}},
     "stats": {...}}

``load_state`` reads both, so this version can take over from 1.1.0 (a down-migration, like
Erlang's ``code_change({down, Vsn}, ...)``): it keeps the closes and counts and drops
``ewma_vol``, which it does not use. Anything else is refused with a one-line reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

LAYOUT = 1
HISTORY = 48  # closes kept per market: 12 for the signal, the rest for the volatility gate
STAT_KEYS = ("fills", "settled", "won", "pnl")


class StateError(ValueError):
    """A state this version cannot take over."""


@dataclass(slots=True)
class MarketMemory:
    """One market's rolling history."""

    closes: list[float] = field(default_factory=list)
    seen: int = 0  # candles decided, ever (carried across versions)
    last_end: int = 0  # close time of the last candle decided

    def remember(self, close: float, end: int) -> None:
        self.closes.append(close)
        del self.closes[:-HISTORY]
        self.seen += 1
        self.last_end = end


def new_stats() -> dict[str, float]:
    return dict.fromkeys(STAT_KEYS, 0)


def dump_state(markets: dict[str, MarketMemory], stats: dict[str, float]) -> dict[str, Any]:
    """Layout 1, JSON-only."""
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
    layout = state.get("layout", LAYOUT)
    if layout == 1 and "closes" in state:
        markets = _from_layout1(state)
    elif layout == 2:
        markets = _from_layout2(state)
    else:
        raise StateError(f"unknown momentum state layout {layout!r} (this version reads layouts 1 and 2)")
    return markets, _stats(state.get("stats", {}))


def _from_layout1(state: dict[str, Any]) -> dict[str, MarketMemory]:
    closes, seen, last_end = state["closes"], state.get("seen", {}), state.get("last_end", {})
    for name, value in (("closes", closes), ("seen", seen), ("last_end", last_end)):
        if not isinstance(value, dict):
            raise StateError(f"state[{name!r}] is a {type(value).__name__}, not a dict")
    return {
        market: MarketMemory(
            closes=_closes(series, market),
            seen=_count(seen.get(market, len(series)), f"seen[{market}]"),
            last_end=_count(last_end.get(market, 0), f"last_end[{market}]"),
        )
        for market, series in closes.items()
    }


def _from_layout2(state: dict[str, Any]) -> dict[str, MarketMemory]:
    markets = state.get("markets")
    if not isinstance(markets, dict):
        raise StateError("layout 2 state has no 'markets' dict")
    out: dict[str, MarketMemory] = {}
    for market, entry in markets.items():
        if not isinstance(entry, dict):
            raise StateError(f"markets[{market}] is a {type(entry).__name__}, not a dict")
        series = _closes(entry.get("closes", []), market)
        out[market] = MarketMemory(
            closes=series,
            seen=_count(entry.get("seen", len(series)), f"seen of {market}"),
            last_end=_count(entry.get("last_end", 0), f"last_end of {market}"),
        )
    return out


def _closes(raw: Any, market: str) -> list[float]:
    if not isinstance(raw, list):
        raise StateError(f"closes of {market} are a {type(raw).__name__}, not a list")
    for x in raw:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x <= 0:
            raise StateError(f"closes of {market} hold {x!r}, not a positive price")
    return [float(x) for x in raw[-HISTORY:]]


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
