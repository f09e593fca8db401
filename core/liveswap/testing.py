"""A harness for strategy authors' own tests: feed candles, get validated intents and state.

Runs the strategy in-process (no sandbox) through the same pluggy machinery and the same intent
validation as the host, so a test here fails where the host would drop an intent::

    from liveswap.testing import StrategyHarness, synthetic_candles
    from my_strategy import MyStrategy

    def test_bets_within_cap():
        h = StrategyHarness(MyStrategy, params={"stake": 2})
        intents = h.feed(synthetic_candles(["BTC-5m"], count=200))
        assert all(i.stake <= 2 for i in intents)
        assert h.rejected == []            # nothing the host would have refused
        state = h.export_state()           # what a swap or snapshot carries over
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import Any

from liveswap.api import Candle, Context, Fill, Intent, Settlement
from liveswap.engine import Rejected, validate_output
from liveswap.exceptions import StrategyFault
from liveswap.feeds import SyntheticFeed
from liveswap.markets import DEFAULT_MARKETS, Market
from liveswap.runners import Batch, InProcessRunner

__all__ = ["StrategyFault", "StrategyHarness", "synthetic_candles"]
# StrategyFault: what StrategyHarness raises when the strategy's code fails (as the host records a fault); public
# here so a strategy's own tests need nothing internal (liveswap.runners is the host's)


def synthetic_candles(
    markets: Iterable[str] = DEFAULT_MARKETS, *, count: int = 100, seed: int = 7, start: int = 1_764_000_000
) -> list[Candle]:
    """``count`` candles per market of the embedded synthetic feed, in time order.

    The candles are exactly those the host's default feed produces for ``seed``.
    """
    names = list(markets)
    feed = SyntheticFeed(names, seed=seed)
    longest = max(Market.parse(m).seconds for m in names)
    candles = feed.closed_candles(start, start + count * longest)
    per: dict[str, int] = {}
    out: list[Candle] = []
    for c in candles:
        if per.get(c.market, 0) < count:
            per[c.market] = per.get(c.market, 0) + 1
            out.append(c)
    return out


class StrategyHarness:
    """Drive one strategy (class or module with hookimpls) like the host does."""

    def __init__(
        self,
        strategy: Any,
        *,
        name: str = "strategy",
        version: str = "0.0.0",
        params: dict[str, Any] | None = None,
        balance: float = 1000.0,
        markets: Iterable[str] | None = None,
    ) -> None:
        self.runner = InProcessRunner(strategy, name=name, version=version)
        self.params = dict(params or {})
        self.balance = balance
        self._markets = {m: Market.parse(m) for m in (markets or DEFAULT_MARKETS)}
        self.rejected: list[Rejected] = []
        self.runner.setup(self.params)

    def feed(
        self,
        candles: Iterable[Candle],
        *,
        fills: list[Fill] | None = None,
        settlements: list[Settlement] | None = None,
    ) -> list[Intent]:
        """Feed ``candles`` (grouped into batches by close time); return the accepted intents.

        Intents the host would refuse are collected in :attr:`rejected` instead.
        """
        accepted: list[Intent] = []
        pending_fills, pending_settlements = list(fills or []), list(settlements or [])
        ordered = sorted(candles, key=lambda c: (c.end, c.market))
        for end, group in groupby(ordered, key=lambda c: c.end):
            for c in (batch := list(group)):
                self._markets.setdefault(c.market, Market.parse(c.market))
            ctx = Context(now=end, balance=self.balance, params=dict(self.params), version=self.runner.version)
            result = self.runner.run_batch(
                Batch(candles=[(c, ctx) for c in batch], fills=pending_fills, settlements=pending_settlements)
            )
            pending_fills, pending_settlements = [], []
            for output in result.outputs:
                good, bad = validate_output(output, self._markets, end)
                accepted.extend(good)
                self.rejected.extend(bad)
        return accepted

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = dict(params)
        self.runner.on_params(self.params)

    def export_state(self, schema: int | None = None) -> dict[str, Any] | None:
        """What a swap or snapshot carries; ``schema``: an older layout declared in ``writes``."""
        return self.runner.export_state(schema)

    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        self.runner.import_state(state, from_version)
