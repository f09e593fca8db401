"""A swap request on its way: :class:`Pending`, and :func:`prepare`, the work done off the trading path.

:func:`prepare` runs on the request's own thread while the old version keeps deciding: resolve and
load the version (registry checks, isolated install, sandboxed worker, handshake), ``setup(params)``
and, for a version of the same strategy, the crossing decided from the two declarations
(:mod:`liveswap.swap.handover`) and, when the state crosses, the staged state hand-over
(:mod:`liveswap.swap.staging`).
Whatever goes wrong is kept as the request's one-line ``error``; nothing is raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from loguru import logger

from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.registry.crossing import Crossing
from liveswap.runners.base import StrategyFault
from liveswap.swap.handover import plan
from liveswap.swap.loader import LoadError, VersionLoader
from liveswap.swap.staging import Staged, stage

__all__ = ["Done", "Pending", "SwapKind", "fresh", "prepare"]

SwapKind = Literal["activate", "rollback", "promote"]
Done = Callable[[str | None], None]
"""Called once a request is over: None when it took effect, else the one-line refusal."""


@dataclass(slots=True)
class Pending:
    """One activation, rollback or promotion, from the request to its commit or refusal."""

    kind: SwapKind
    spec: str
    generation: int
    done: Done
    prepared: ActiveStrategy | None = None
    error: str | None = None
    finished: bool = False
    ready: threading.Event = field(default_factory=threading.Event)
    superseded: bool = False
    keep_state: bool = False  # a promoted candidate: its own live state, no import
    reason: str = ""  # journaled with the swap (a promotion's verdict)
    params: dict[str, Any] | None = None  # what the new version was set up with
    staged: Staged | None = None  # the state hand-over, done before the flip (swap.staging)
    crossing: Crossing | None = None  # how state crosses to another version of the strategy (swap.handover)


def fresh(loader: VersionLoader, dead: ActiveStrategy, *, params: dict[str, Any]) -> ActiveStrategy:
    """A new worker of ``dead``'s version, set up (``dead`` was killed by a refused hand-over)."""
    dead.runner.close()
    new = loader.load(dead.spec)
    try:
        new.runner.setup(dict(params))
    except StrategyFault:
        new.runner.close()
        raise
    return new


def prepare(*, engine: Engine, loader: VersionLoader, pending: Pending) -> ActiveStrategy | None:
    """The version of ``pending`` loaded, set up and (same strategy) with the state handed over;
    None with ``pending.error`` set when it could not be (a worker already started is closed)."""
    new: ActiveStrategy | None = None
    try:
        new = loader.load(pending.spec)
        pending.params = dict(engine.desired.params)
        new.runner.setup(dict(pending.params))
        active = engine.active
        pending.crossing = plan(active, new)  # decided from the two declarations, before any state moves
        if pending.crossing is not None and not pending.superseded:
            logger.info("{} {} -> {}: {}", pending.kind, active.spec, new.spec,
                        pending.crossing.describe(active.version, new.version))
            if pending.crossing.carries:
                pending.staged = stage(old=active, new=new, schema=pending.crossing.export_schema)
                if pending.kind == "rollback" and not pending.staged.exchange.ok and not new.runner.alive:
                    new = fresh(loader, new, params=pending.params)  # it lands on its own state: a live worker
        return new
    except (LoadError, StrategyFault) as exc:
        pending.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a broken version never takes the host down
        logger.exception("preparing {} failed", pending.spec)
        pending.error = f"{type(exc).__name__}: {exc}"
    if new is not None:
        new.runner.close()
    return None
