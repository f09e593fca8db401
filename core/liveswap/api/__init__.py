"""The public strategy API of liveswap (contract section 2).

A strategy is a class (instantiated with no arguments) or a module whose methods/functions are
marked with :data:`hookimpl`::

    from liveswap.api import Candle, Context, Intent, hookimpl

    class Momentum:
        @hookimpl
        def on_candle(self, candle: Candle, ctx: Context) -> list[Intent]:
            if candle.close > candle.open:
                return [Intent(market=candle.market, side="up", stake=1.0)]
            return []

and is published as a wheel declaring ``[project.entry-points."liveswap.strategies"]
momentum = "momentum_strategy:Momentum"`` and ``dependencies = ["liveswap>=1.0,<2"]``.

Layer: the bottom. It imports nothing of the host (an import-linter contract).
"""

from liveswap.api.hookspecs import (
    HOOK_NAMES,
    PROJECT,
    REQUIRED_HOOKS,
    StrategySpec,
    hookimpl,
    hookspec,
)
from liveswap.api.types import SIDES, Candle, Context, Fill, Intent, Settlement, Side

__all__ = [
    "HOOK_NAMES",
    "PROJECT",
    "REQUIRED_HOOKS",
    "SIDES",
    "Candle",
    "Context",
    "Fill",
    "Intent",
    "Settlement",
    "Side",
    "StrategySpec",
    "hookimpl",
    "hookspec",
]
