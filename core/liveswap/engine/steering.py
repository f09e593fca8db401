"""What the parts above the engine give it: :class:`Steering`, declared once by the host.

The engine knows nothing of swap, control or rollout. The host (:mod:`liveswap.host`) declares,
in one place and in order, the steps that run between two batches, who answers a strategy fault,
what runs at shutdown, and where the engine pulls what it needs from them when it needs it: the
canary trading beside the active version, whether a version is on probation (any malformed
intent is then a fault), and the parts' own status for status.json. Nothing is pushed into the
engine: it asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from liveswap.engine.canary import Canary
from liveswap.home import FleetInfo, ProbationInfo, Refusal, RegistryInfo
from liveswap.runners import StrategyFault

if TYPE_CHECKING:
    from liveswap.engine.loop import Engine

__all__ = ["FaultHandler", "PartsStatus", "Step", "Steering"]


class Step(Protocol):
    """One step between two batches (and at every idle wake): it may steer the engine through
    its methods (activate, apply_desired, ...). An exception is logged, never stops trading."""

    def __call__(self, engine: Engine, /) -> None: ...


class FaultHandler(Protocol):
    """Asked when the active version fails a batch: True when another runner is active now and
    the engine decides the same batch again with it (the swap's restarts and rollbacks)."""

    def __call__(self, fault: StrategyFault, /) -> bool: ...


@dataclass(frozen=True, slots=True)
class PartsStatus:
    """What the parts above the engine show in status.json, pulled at every report."""

    observed_generation: int | None = None  # the control generation reached (None: the one the engine started with)
    control_error: str | None = None
    refusals: tuple[Refusal, ...] = ()
    probation: ProbationInfo | None = None
    registry: RegistryInfo | None = None
    candidate: dict[str, Any] | None = None
    fleet: FleetInfo | None = None  # the host's fleet: its id, the markets it holds, connected or not


def _no() -> bool:
    return False


def _no_canary() -> Canary | None:
    return None


@dataclass(frozen=True, slots=True)
class Steering:
    """The engine's seams upward; the default steers nothing (a bare engine: tests, benchmarks)."""

    between_batches: tuple[Step, ...] = ()
    on_fault: FaultHandler | None = None
    on_shutdown: tuple[Callable[[], None], ...] = ()
    canary: Callable[[], Canary | None] = _no_canary
    """From the next batch on, ``canary().strategy`` decides and trades ``canary().markets``."""
    strict: Callable[[], bool] = _no
    """A new version is on probation: any malformed intent of it is a fault (it is rolled back)."""
    status: Callable[[], PartsStatus] = field(default=PartsStatus)
