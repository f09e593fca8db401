"""A swap request on its way: :class:`Pending`, and :func:`prepare`, the work done off the trading path.

:func:`prepare` runs on the request's own thread while the old version keeps deciding: resolve and
load the version (registry checks, isolated install, sandboxed worker, handshake), ``setup(params)``
and, for a version of the same strategy, the staged state hand-over (:mod:`liveswap.swap.staging`).
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
from liveswap.runners.base import StrategyFault
from liveswap.swap.loader import LoadError, VersionLoader
from liveswap.swap.staging import Staged, stage

__all__ = ["Done", "Pending", "SwapKind", "prepare"]

SwapKind = Literal["activate", "rollback", "promote"]
Done = Callable[[str | None], None]
"""Called once a request is over: None when it took effect, else the one-line refusal."""


@dataclass(slots=True)
class Pending:
    """One activation, rollback or promotion, from the request to its commit or refusal.

    Two threads share it, each through its own method: the engine thread creates it and may
    :meth:`cancel` it; the prepare thread fills in ``error``, ``params`` and ``staged``, then
    calls :meth:`finish` once. The engine thread reads those fields only once :attr:`finished`
    (``ready`` set after they were written). ``_lock`` makes cancel and finish exclusive, so a
    worker prepared for a cancelled request is stopped by exactly one of the two threads."""

    kind: SwapKind
    spec: str
    generation: int
    done: Done
    prepared: ActiveStrategy | None = None
    error: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    keep_state: bool = False  # a promoted candidate: its own live state, no import
    reason: str = ""  # journaled with the swap (a promotion's verdict)
    params: dict[str, Any] | None = None  # what the new version was set up with
    staged: Staged | None = None  # the state hand-over, done before the flip (swap.staging)
    _cancelled: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, kind: SwapKind, spec: str, generation: int, done: Done, *, prepared: ActiveStrategy,
           keep_state: bool = False, reason: str = "") -> Pending:
        """A request whose version is already running (the warm previous version, a candidate)."""
        pending = cls(kind, spec, generation, done, prepared=prepared, keep_state=keep_state, reason=reason)
        pending.ready.set()
        return pending

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


def prepare(*, engine: Engine, loader: VersionLoader, pending: Pending) -> ActiveStrategy | None:
    """The version of ``pending`` loaded, set up and (same strategy) with the state handed over;
    None with ``pending.error`` set when it could not be (a worker already started is closed)."""
    new: ActiveStrategy | None = None
    try:
        new = loader.load(pending.spec)
        pending.params = dict(engine.desired.params)
        new.runner.setup(dict(pending.params))
        active = engine.active
        if new.name == active.name and new.spec != active.spec and not pending.cancelled:
            pending.staged = stage(old=active, new=new)
        return new
    except (LoadError, StrategyFault) as exc:
        pending.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a broken version never takes the host down
        logger.exception("preparing {} failed", pending.spec)
        pending.error = f"{type(exc).__name__}: {exc}"
    if new is not None:
        new.runner.close()
    return None
