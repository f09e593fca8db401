"""The ``Runner`` seam: one strategy version, driven one candle batch per round trip.

The engine never calls strategy code directly. It hands a runner a :class:`Batch` (the fills
and settlements since the last batch, then the closed candles with their contexts) and gets the
raw outputs back; validating those outputs is the engine's job, so a runner passes garbage
through untouched. Any failure of strategy code surfaces as :class:`StrategyFault`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from liveswap.api import Candle, Context, Fill, Settlement
from liveswap.exceptions import FaultKind as FaultKind
from liveswap.exceptions import StrategyFault as StrategyFault
from liveswap.runners.gate import CallGate


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
    """A loaded strategy version. All methods raise :class:`StrategyFault` on strategy failure.

    Besides the hooks, a runner declares what the host may ask of it without probing:

    * ``sandboxed``: runs in a worker process (the sandbox facts below are then meaningful);
    * ``network_isolated``: the worker has no network (always False in-process);
    * ``pid``, ``alive``, :meth:`rss_bytes`: the worker process, if any;
    * :meth:`export_state_json` / :meth:`import_state_json`: the state as JSON bytes, which a swap
      relays from one worker to the next without parsing it;
    * ``gate``: the :class:`~liveswap.runners.gate.CallGate` every hook call goes through, so the
      engine's thread and a swap's staging thread never interleave calls into one version.
    """

    name: str
    version: str
    sandboxed: bool
    network_isolated: bool
    pid: int | None
    gate: CallGate

    @property
    def alive(self) -> bool: ...

    def rss_bytes(self) -> int | None: ...

    def setup(self, params: dict[str, Any]) -> None: ...

    def run_batch(self, batch: Batch) -> BatchResult: ...

    def on_params(self, params: dict[str, Any]) -> None: ...

    def export_state(self, schema: int | None = None) -> dict[str, Any] | None:
        """The strategy's exported state, or None if it has no ``export_state`` hook; with ``schema``,
        the older layout it declared in ``writes`` (``export_state(schema=N)``)."""
        ...

    def import_state(self, state: dict[str, Any], from_version: str) -> None: ...

    def export_state_json(self, schema: int | None = None) -> bytes | None:
        """:meth:`export_state` as the JSON bytes of a dict, or None without the hook."""
        ...

    def import_state_json(self, state_json: bytes, from_version: str) -> None: ...

    def close(self) -> None: ...
