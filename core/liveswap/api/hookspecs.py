"""The strategy hooks, as pluggy hook specifications.

A strategy implements any of these with :data:`liveswap.api.hookimpl`; only ``on_candle`` is
required. pluggy's argument-name rules apply: an implementation may accept a subset of the
arguments (``def on_candle(self, candle)`` is fine), never an argument the spec does not have.
"""

from __future__ import annotations

from typing import Any

import pluggy

from liveswap.api.types import Candle, Context, Fill, Intent, Settlement

PROJECT = "liveswap"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class StrategySpec:
    """Hook specifications of a liveswap strategy (API version 1)."""

    @hookspec
    def setup(self, params: dict[str, Any]) -> None:
        """Called once after the strategy is loaded, before any other hook.

        ``params`` are the operator's current params (``liveswap set NAME=VALUE``).
        """

    @hookspec(firstresult=True)
    def on_candle(self, candle: Candle, ctx: Context) -> list[Intent] | None:
        """Called once per closed candle per market, in time order. Return intents (or None).

        Candles closing at the same time arrive as one batch, one call per market. An intent
        bets on the window of ``intent.market`` that opens at ``candle.end``.
        """

    @hookspec
    def on_fill(self, fill: Fill) -> None:
        """Called when an order of this strategy is filled, before the next candle."""

    @hookspec
    def on_settle(self, settlement: Settlement) -> None:
        """Called when a bet of this strategy resolves, before the next candle."""

    @hookspec
    def on_params(self, params: dict[str, Any]) -> None:
        """Called when the operator changes the strategy's params while it runs."""

    @hookspec(firstresult=True)
    def export_state(self, schema: int | None) -> dict[str, Any] | None:
        """Return the strategy's state as a JSON-serialisable dict.

        Called before a swap, at every snapshot and at shutdown. Whatever is returned here is
        what ``import_state`` of this or another version receives. ``schema`` is None (export
        this version's own layout) unless the host asks for an older layout the version declared
        in ``writes`` of its ``__liveswap_state__``, to hand it to a version that reads only that
        one. An implementation without a ``schema`` argument always exports its own layout (and
        must then declare no ``writes``).
        """

    @hookspec
    def import_state(self, state: dict[str, Any], from_version: str) -> None:
        """Take over ``state`` exported by version ``from_version`` of this strategy.

        Called after ``setup`` when taking over from another version (older, newer or the same,
        like Erlang's ``code_change``) or when restoring a snapshot. Raise to refuse: the swap
        is then aborted and the previous version keeps trading.
        """


HOOK_NAMES: tuple[str, ...] = (
    "setup",
    "on_candle",
    "on_fill",
    "on_settle",
    "on_params",
    "export_state",
    "import_state",
)
REQUIRED_HOOKS: tuple[str, ...] = ("on_candle",)
