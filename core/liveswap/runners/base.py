"""The ``Runner`` seam: one strategy version, driven one candle batch per round trip.

The engine never calls strategy code directly. It hands a runner a :class:`Batch` (the fills
and settlements since the last batch, then the closed candles with their contexts) and gets the
raw outputs back; validating those outputs is the engine's job, so a runner passes garbage
through untouched. Any failure of strategy code surfaces as :class:`StrategyFault`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from liveswap.api.types import Candle, Context, Fill, Settlement
from liveswap.exceptions import FaultKind as FaultKind
from liveswap.exceptions import StrategyFault as StrategyFault


@dataclass(slots=True)
class Batch:
    """One round trip: deliver ``fills`` and ``settlements``, then decide ``candles``."""

    candles: list[tuple[Candle, Context]]
    fills: list[Fill] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)


@dataclass(slots=True)
class BatchResult:
    """Raw ``on_candle`` outputs, one entry per candle of the batch, in order (unvalidated)."""

    outputs: list[Any]


@runtime_checkable
class Runner(Protocol):
    """A loaded strategy version. All methods raise :class:`StrategyFault` on strategy failure."""

    name: str
    version: str

    def setup(self, params: dict[str, Any]) -> None: ...

    def run_batch(self, batch: Batch) -> BatchResult: ...

    def on_params(self, params: dict[str, Any]) -> None: ...

    def export_state(self) -> dict[str, Any] | None:
        """The strategy's exported state, or None if it has no ``export_state`` hook."""
        ...

    def import_state(self, state: dict[str, Any], from_version: str) -> None: ...

    def close(self) -> None: ...
