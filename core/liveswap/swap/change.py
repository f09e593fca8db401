"""One path for every change of the active version: :meth:`Versions.change`.

A commit, a promotion, the operator's rollback (during probation or after), a restart and an
automatic rollback all end the same way, in this order:

1. **activate** -- the new version decides from the next batch on (``Engine.activate``);
2. **record** -- the outcome is journaled (the journal is where the active version is persisted)
   and shown as ``last_swap`` (``Engine.record_swap_outcome``); the pause runs from ``t0`` to here;
3. **probation** -- a commit starts one (the replaced version's worker stays warm) or, with
   ``probation_batches = 0``, ends any; a rollback during probation ends it as ``rolled-back``;
   a restart or a rollback after probation leaves it as it is;
4. **previous** -- the replaced version goes first in the rollback order, and a new version in
   place gets a fresh restart budget; the replaced worker is stopped unless probation keeps it.

:class:`Versions` also keeps the probation running (:meth:`Versions.batch_done`), including one a
previous run of this host was in when it stopped (it keeps counting host deaths until passed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.home import ProbationInfo
from liveswap.sandbox import Supervisor
from liveswap.swap.revival import Probation
from liveswap.swap.staging import State

__all__ = ["Change", "Versions"]

ChangeKind = Literal["activate", "rollback", "promote", "restart", "auto-rollback"]


@dataclass(frozen=True, slots=True)
class Change:
    """One change of the active version, ``old`` -> ``new``; see the module docstring."""

    kind: ChangeKind
    old: ActiveStrategy
    new: ActiveStrategy
    t0: float  # time.perf_counter() when the pause began
    probation: Literal["start", "end", "keep"]
    reason: str = ""
    generation: int | None = None
    sha256: str = ""  # the new version's wheel, journaled with the change
    held_up_ms: float = 0.0  # time trading waited for a hand-over staged before the flip (part of the pause)
    state: State = None  # ``old``'s state at the change: what a rollback during probation gives it back
    crossed: tuple[str, str] | None = None  # how the state crossed, (mode, sentence): journaled, in last_swap
    exported: bool = True  # False: ``old``'s export failed (``state`` is None, not its state)


class Versions:
    """The active version's lineage: which version came before (``previous``), which is on
    probation, how many restarts are left -- and :meth:`change`, the one way it changes."""

    def __init__(self, engine: Engine, *, probation_batches: int, restarts: Supervisor) -> None:
        self.engine = engine
        self.probation_batches = probation_batches
        self.restarts = restarts
        self.previous: list[str] = engine.journal.active_history()[1:]
        self.probation: Probation | None = None
        # a probation a previous run of this host was in: it keeps counting (host deaths) until passed
        inherited = engine.journal.open_probation()
        self.inherited_left: int | None = (
            probation_batches if inherited is not None and inherited["spec"] == engine.active.spec else None)

    def change(self, change: Change) -> float:
        """Make ``change.new`` the active version and record it (see the module docstring); the pause in ms."""
        engine, old, new = self.engine, change.old, change.new
        engine.activate(new)
        pause_ms = _ms_since(change.t0) + change.held_up_ms
        engine.record_swap_outcome(kind=change.kind, from_spec=old.spec, to_spec=new.spec, ok=True,
                                   reason=change.reason, pause_ms=pause_ms, generation=change.generation,
                                   sha256=change.sha256, state=change.crossed)
        keep_warm = False
        if change.probation == "start":
            keep_warm = self._start_probation(old, change.state, exported=change.exported)
        elif change.probation == "end":
            self.probation = None
            engine.journal.end_probation(outcome="rolled-back", reason=change.reason or "rolled back by the operator")
        if old.spec != new.spec:
            self.previous = [old.spec] + [s for s in self.previous if s not in (old.spec, new.spec)]
            self.restarts.reset()
        if not keep_warm:
            old.runner.close()
        return pause_ms

    def _start_probation(self, old: ActiveStrategy, state: State, *, exported: bool) -> bool:
        """A commit: ``old`` stays warm through a new probation (True), or none is kept (False)."""
        engine = self.engine
        if self.probation is not None:
            self.probation.old.runner.close()
        self.inherited_left = None
        if self.probation_batches <= 0:
            self.probation = None
            engine.journal.end_probation(outcome="superseded")
            return False
        cursor = engine.cursor or 0
        self.probation = Probation(old, state, cursor, self.probation_batches, exported)
        engine.journal.start_probation(spec=engine.active.spec, previous=old.spec, batch_end=engine.cursor)
        return True

    def fail_probation(self) -> Probation:
        """The version on probation failed: the probation ends (the caller brings the old one back)."""
        p = self.probation
        assert p is not None
        self.probation = None
        return p

    def remember_first(self, spec: str) -> None:
        """``spec`` goes first in the rollback order (a previous version that could not come back yet)."""
        self.previous = [spec] + [s for s in self.previous if s != spec]

    def batch_done(self, *, rollback_waiting: bool) -> None:
        """A batch was decided: one less batch of probation; at zero the new version is permanent
        (unless the operator's rollback to the warm previous version is waiting: it ends it)."""
        if self.inherited_left is not None:
            self.inherited_left -= 1
            if self.inherited_left <= 0:
                self.inherited_left = None
                self.engine.journal.end_probation(outcome="passed", reason="passed after a host restart")
        p = self.probation
        if p is None:
            return
        p.batches_left = max(0, p.batches_left - 1)
        if p.batches_left <= 0 and not rollback_waiting:
            logger.info("probation passed: {} is permanent; stopping {}", self.engine.active.spec, p.old.spec)
            self.probation = None
            self.engine.journal.end_probation(outcome="passed")
            p.old.runner.close()

    def interrupt(self) -> None:
        """The host stops: a probation under way is journaled ``interrupted`` (not a host death)."""
        if self.probation is not None:
            self.probation.old.runner.close()
            self.probation = None
            self.engine.journal.end_probation(outcome="interrupted", reason="the host stopped during probation")

    def probation_info(self) -> ProbationInfo | None:
        """``probation`` in status.json."""
        p = self.probation
        return ProbationInfo(old=p.old.spec, batches_left=p.batches_left) if p is not None else None


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
