"""A version on its way in: :class:`Preparation`, the one path that prepares a version off the
trading path -- for a swap (:class:`Pending`) and for a rollout's candidate alike.

:meth:`Preparation.start` runs on the version's own thread while the active version keeps
deciding: resolve and load it (registry checks, isolated install, sandboxed worker, handshake),
``setup(params)`` and -- for a swap to a version of the same strategy -- the crossing decided
from the two declarations (:mod:`liveswap.swap.handover`) and, when the state crosses, the staged
state hand-over (:mod:`liveswap.swap.staging`). Whatever goes wrong is kept as the one-line ``error``;
nothing is raised. Then the engine is woken: what was prepared is taken between two batches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.registry import Crossing
from liveswap.runners import StrategyFault
from liveswap.swap.handover import plan
from liveswap.swap.loader import LoadError, VersionLoader
from liveswap.swap.staging import Staged, stage

__all__ = ["Done", "Pending", "Preparation", "SwapKind", "fresh"]

SwapKind = Literal["activate", "rollback", "promote"]
Done = Callable[[str | None], None]
"""Called once a request is over: None when it took effect, else the one-line refusal."""


@dataclass(slots=True, kw_only=True)
class Preparation:
    """A version being loaded and set up off the trading path, from the request until it is taken.

    Two threads share it, each through its own methods: the engine thread creates it, may
    :meth:`cancel` it, and reads ``prepared``/``error``/``params`` only once :attr:`finished`; the
    prepare thread (:meth:`start`) writes them, then calls :meth:`finish` once. ``_lock`` makes
    cancel and finish exclusive, so a worker prepared for a cancelled request is stopped by
    exactly one of the two threads."""

    spec: str
    prepared: ActiveStrategy | None = None
    error: str | None = None
    params: dict[str, Any] | None = None  # what the new version was set up with
    ready: threading.Event = field(default_factory=threading.Event)
    _cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, *, engine: Engine, loader: VersionLoader, name: str) -> None:
        """Prepare on a thread of its own; the engine is woken when it is done."""
        threading.Thread(target=self._run, args=(engine, loader), name=name, daemon=True).start()

    def _run(self, engine: Engine, loader: VersionLoader) -> None:
        drop = self.finish(self._load(engine, loader))
        if drop is not None:  # cancelled meanwhile: never leak a worker
            drop.runner.close()
        engine.wake()  # taking it (or refusing it) need not wait out the engine's idle sleep

    def _load(self, engine: Engine, loader: VersionLoader) -> ActiveStrategy | None:
        """The version loaded and set up (then :meth:`_after_setup`); None with ``error`` set when it
        could not be (a worker already started is closed)."""
        new: ActiveStrategy | None = None
        try:
            new = loader.load(self.spec)
            self.params = dict(engine.desired.params)
            new.runner.setup(dict(self.params))
            new = self._after_setup(engine, loader, new)
            return new
        except (LoadError, StrategyFault) as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a broken version never takes the host down
            logger.exception("preparing {} failed", self.spec)
            self.error = f"{type(exc).__name__}: {exc}"
        if new is not None:
            new.runner.close()
        return None

    def _after_setup(self, engine: Engine, loader: VersionLoader, new: ActiveStrategy) -> ActiveStrategy:
        """More preparation on the prepare thread (a swap stages the state hand-over); the version
        to take (``new``, or a fresh worker of it)."""
        return new

    @property
    def finished(self) -> bool:
        """Preparing is over (``prepared`` or ``error`` is set)."""
        return self.ready.is_set()

    @property
    def cancelled(self) -> bool:
        with self._lock:
            return self._cancelled

    def finish(self, new: ActiveStrategy | None) -> ActiveStrategy | None:
        """The prepare thread's outcome (None: ``error`` says why). Returns a worker the caller must
        stop: ``new`` itself when the request was cancelled meanwhile."""
        with self._lock:
            drop = new if self._cancelled else None
            self.prepared = None if self._cancelled else new
            self.ready.set()
        return drop

    def cancel(self) -> ActiveStrategy | None:
        """The engine thread gives the request up. Returns the worker it had prepared (the caller
        stops it unless it is still needed); a preparation still under way stops its own."""
        with self._lock:
            self._cancelled = True
            return self.prepared if self.ready.is_set() else None


@dataclass(slots=True, kw_only=True)
class Pending(Preparation):
    """One activation, rollback or promotion, from the request to its commit or refusal."""

    kind: SwapKind
    generation: int
    done: Done
    keep_state: bool = False  # a promoted candidate: its own live state, no import
    reason: str = ""  # journaled with the swap (a promotion's verdict)
    staged: Staged | None = None  # the state hand-over, done before the flip (swap.staging)
    crossing: Crossing | None = None  # how state crosses to another version of the strategy (swap.handover)

    @classmethod
    def of(cls, kind: SwapKind, spec: str, generation: int, done: Done, *, prepared: ActiveStrategy,
           keep_state: bool = False, reason: str = "") -> Pending:
        """A request whose version is already running (the warm previous version, a candidate)."""
        pending = cls(kind=kind, spec=spec, generation=generation, done=done, prepared=prepared,
                      keep_state=keep_state, reason=reason)
        pending.ready.set()
        return pending

    def _after_setup(self, engine: Engine, loader: VersionLoader, new: ActiveStrategy) -> ActiveStrategy:
        active = engine.active
        self.crossing = plan(active, new)  # decided from the two declarations, before any state moves
        if self.crossing is None or self.cancelled:
            return new
        logger.info("{} {} -> {}: {}", self.kind, active.spec, new.spec, self.crossing.describe(active.version,
                                                                                                 new.version))
        if self.crossing.carries:
            self.staged = stage(old=active, new=new, schema=self.crossing.export_schema)
            if self.kind == "rollback" and not self.staged.exchange.ok and not new.runner.alive:
                return fresh(loader, new, params=dict(self.params or {}))  # it lands on its own state: a live worker
        return new


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
