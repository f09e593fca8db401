"""The overreaction strategy's hooks: measure each move in sigmas, fade the contract's overshoot."""

from __future__ import annotations

import math
from typing import Any

from liveswap.api import Candle, Fill, Intent, Settlement, hookimpl

from overreaction_strategy.params import Config
from overreaction_strategy.state import MarketMemory, dump_state, load_state, new_stats

VOL_GATE = (0.4, 2.5)  # skip when sigma / long-run volatility falls outside this band
MIN_SEEN = 40  # candles before the long-run volatility is trusted
SLIPPAGE_ROOM = 0.01  # a fill may cost a cent more than the last price; max_price still applies


class Overreaction:
    """Bet against a contract price that ran past 0.5 ± threshold on a move beyond k sigma."""

    def __init__(self) -> None:
        self.config = Config()
        self.markets: dict[str, MarketMemory] = {}
        self.stats = new_stats()

    @hookimpl
    def setup(self, params: dict[str, Any]) -> None:
        self.config = Config.from_params(params)

    @hookimpl
    def on_params(self, params: dict[str, Any]) -> None:
        self.config = Config.from_params(params)

    @hookimpl
    def on_candle(self, candle: Candle) -> list[Intent]:
        memory = self.markets.setdefault(candle.market, MarketMemory())
        ret = math.log(candle.close / candle.open) if candle.open > 0 and candle.close > 0 else 0.0
        sigma, long_run, seen = memory.sigma(), memory.ewma_vol, memory.seen
        memory.remember(ret, candle.end)  # after reading sigma: the current move is not part of it
        if candle.up_price is None or seen < MIN_SEEN or sigma <= 0 or long_run <= 0:
            return []
        if not VOL_GATE[0] <= sigma / long_run <= VOL_GATE[1]:
            return []
        cfg = self.config
        z = ret / sigma
        if z >= cfg.k and candle.up_price >= 0.5 + cfg.threshold:
            side, price = "down", 1.0 - candle.up_price
        elif z <= -cfg.k and candle.up_price <= 0.5 - cfg.threshold:
            side, price = "up", candle.up_price
        else:
            return []
        if cfg.max_price is not None and price + SLIPPAGE_ROOM > cfg.max_price:
            return []
        return [Intent(market=candle.market, side=side, stake=cfg.stake, max_price=cfg.max_price,
                       tag=f"fade z={z:+.1f} up={candle.up_price:.2f}")]

    @hookimpl
    def on_fill(self, fill: Fill) -> None:
        self.stats["fills"] += 1

    @hookimpl
    def on_settle(self, settlement: Settlement) -> None:
        self.stats["settled"] += 1
        self.stats["won"] += int(settlement.won)
        self.stats["pnl"] = round(self.stats["pnl"] + settlement.pnl, 6)

    @hookimpl
    def export_state(self) -> dict[str, Any]:
        return dump_state(self.markets, self.stats)

    @hookimpl
    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        self.markets, self.stats = load_state(state)
