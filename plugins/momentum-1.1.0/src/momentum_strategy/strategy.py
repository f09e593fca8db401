"""The momentum strategy's hooks (1.1.0): remember closes and EWMA volatility per market, bet with a confirmed trend."""

from __future__ import annotations

from typing import Any

from liveswap.api import Candle, Fill, Intent, Settlement, hookimpl

from momentum_strategy.params import Config
from momentum_strategy.signals import log_returns, momentum_score, move, realized_vol
from momentum_strategy.state import MarketMemory, dump_layout1, dump_state, load_state, new_stats

WEIGHTS: dict[int, float] = {3: 0.2, 6: 0.4, 12: 0.4}  # recalibrated in 1.1.0 (was 0.5/0.3/0.2)
SHORT, LONG = 3, 12  # confirmation: these two moves must agree with the score
VOL_WINDOW = 12  # candles of realized volatility for the score and the gate
MIN_SAMPLES = 24  # returns folded into ewma_vol before the volatility gate trusts it
VOL_GATE = (0.5, 2.0)  # skip when recent vol / reference vol falls outside this band
SLIPPAGE_ROOM = 0.01  # a fill may cost a cent more than the last price; max_price still applies


class Momentum:
    """Weighted 3/6/12-candle momentum, confirmed, gated on EWMA volatility, per market."""

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
        memory.remember(candle.close, candle.end)
        side, score = self.decide(memory)
        if side is None:
            return []
        cfg = self.config
        if candle.up_price is not None and cfg.max_price is not None:
            price = candle.up_price if side == "up" else 1.0 - candle.up_price
            if price + SLIPPAGE_ROOM > cfg.max_price:
                return []
        return [Intent(market=candle.market, side=side, stake=cfg.stake, max_price=cfg.max_price,
                       tag=f"momentum {score:+.2f}")]

    def decide(self, memory: MarketMemory) -> tuple[str | None, float]:
        """The side the trend points to (or None) and its score."""
        closes = memory.closes
        if len(closes) <= max(WEIGHTS) or memory.samples < MIN_SAMPLES:
            return None, 0.0
        vol = realized_vol(log_returns(closes)[-VOL_WINDOW:])
        reference = memory.ewma_vol
        if vol <= 0 or reference <= 0 or not VOL_GATE[0] <= vol / reference <= VOL_GATE[1]:
            return None, 0.0
        score = momentum_score(closes, WEIGHTS, vol)
        short, long = move(closes, SHORT), move(closes, LONG)
        if abs(score) < self.config.threshold or short * score <= 0 or long * score <= 0:
            return None, score
        return ("up" if score > 0 else "down"), score

    @hookimpl
    def on_fill(self, fill: Fill) -> None:
        self.stats["fills"] += 1

    @hookimpl
    def on_settle(self, settlement: Settlement) -> None:
        self.stats["settled"] += 1
        self.stats["won"] += int(settlement.won)
        self.stats["pnl"] = round(self.stats["pnl"] + settlement.pnl, 6)

    @hookimpl
    def export_state(self, schema: int | None) -> dict[str, Any]:
        if schema == 1:  # the host asks for 1.0.0's layout (declared in writes): a down-conversion
            return dump_layout1(self.markets, self.stats)
        return dump_state(self.markets, self.stats)

    @hookimpl
    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        self.markets, self.stats = load_state(state)
