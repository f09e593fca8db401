"""What the swap does when the active version fails a batch: :class:`Faults`.

* during probation -- roll back at once to the previous version, with *its own* state at the swap
  plus a replay (:func:`~liveswap.swap.revival.resume_previous`); the failed version is doomed:
  never restarted, only rolled back from;
* outside probation -- restart the version from its last snapshot plus a replay, while the restart
  budget lasts (``max_restarts`` in ``restart_window`` seconds); past it roll back to the first
  previous version that comes back (another version of the strategy resumes its own state, never
  the failing version's); with none, pause opening positions and say why.

Each ends in :meth:`~liveswap.swap.change.Versions.change`, like every change of the active version.
"""

from __future__ import annotations

import time

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.runners import StrategyFault
from liveswap.specs import parse_spec
from liveswap.swap.change import Change, Versions
from liveswap.swap.handover import Crossed, bring_back_own
from liveswap.swap.loader import LoadError, VersionLoader
from liveswap.swap.ownstate import VersionStates
from liveswap.swap.revival import Probation, bring_up, resume_previous
from liveswap.swap.shelf import StateShelf

__all__ = ["Faults", "own_at_swap"]


class Faults:
    """The swap's answer to a failing active version (see the module docstring)."""

    def __init__(self, engine: Engine, loader: VersionLoader, *, versions: Versions, shelf: StateShelf,
                 own_states: VersionStates) -> None:
        self.engine = engine
        self.loader = loader
        self.versions = versions
        self.restarts = versions.restarts
        self.shelf = shelf
        self.own_states = own_states
        self.doomed: set[str] = set()
        """Versions whose probation failed: never restarted, only rolled back from."""

    def on_fault(self, fault: StrategyFault) -> bool:
        """The active version failed deciding a batch. True if another runner now stands ready
        to decide the same batch (the engine retries it once)."""
        if self.versions.probation is not None:
            return self._auto_rollback(self.engine.active, fault)
        return self.restart_active(fault)

    def restart_active(self, fault: StrategyFault) -> bool:
        """Outside probation: a fresh worker of the same version, while the restart budget lasts;
        past it a rollback to the first previous version that comes back; with none, a pause."""
        failed = self.engine.active
        t0 = time.perf_counter()
        failed.runner.close()
        if failed.spec not in self.doomed and self.restarts.record_failure(time.monotonic()):
            restarted = self._bring_up(failed.spec, "restart")
            if restarted is not None:
                restarted.since = failed.since
                self.versions.change(Change("restart", failed, restarted, t0, "keep", reason=str(fault),
                                            crossed=("own", f"{restarted.version} restarted from its last "
                                                            "snapshot plus a replay")))
                logger.warning("{} failed ({}); restarted from its last snapshot", failed.spec, fault)
                return True
        reason = f"{failed.spec} keeps failing ({self.restarts.reason()}); last: {fault}"
        for target in list(self.versions.previous):
            brought = self._bring_back(target, failed)
            if brought is not None:
                back, crossed = brought
                self.versions.change(Change("auto-rollback", failed, back, t0, "keep", reason=reason,
                                            crossed=crossed))
                logger.error("rolled back to {}: {}", back.spec, reason)
                return True
        self.engine.pause_automatically(f"{reason}; nothing to roll back to: not opening positions")
        logger.error("pausing: {}; nothing to roll back to", reason)
        return False

    def _bring_up(self, spec: str, what: str) -> ActiveStrategy | None:
        try:
            return bring_up(engine=self.engine, loader=self.loader, shelf=self.shelf, spec=spec)
        except (LoadError, StrategyFault) as exc:
            logger.error("{} to {} failed: {}" if what == "rollback" else "{} of {} failed: {}", what, spec, exc)
            return None

    def resume_previous(self, p: Probation, failed: ActiveStrategy) -> tuple[ActiveStrategy, Crossed] | None:
        """Probation's previous version, live again: its own state at the swap plus a replay -- or, when
        its export failed at the swap and killed its worker (no state at the swap), a fresh worker on its
        own last kept state plus a replay, or a warm-up, said so. None if it cannot be brought back."""
        if p.exported or p.old.runner.alive:
            back = resume_previous(engine=self.engine, loader=self.loader, probation=p)
            return None if back is None else (back, own_at_swap(back))
        p.old.runner.close()
        return self._bring_back(p.old.spec, failed, why=f"state not carried: {p.old.version} could not export "
                                                        "its state at the swap")

    def _bring_back(self, spec: str, failed: ActiveStrategy, why: str = "") -> tuple[ActiveStrategy, Crossed] | None:
        """A fresh worker of a previous version after ``failed`` kept failing: another version of the
        same strategy resumes its own state (never the failing version's), another strategy warms up."""
        if parse_spec(spec).name != failed.name:
            back = self._bring_up(spec, "rollback")
            return None if back is None else (back, ("own", f"another strategy: {back.name} resumed its own "
                                                             "last state or warmed up"))
        try:
            return bring_back_own(engine=self.engine, loader=self.loader, versions=self.own_states, spec=spec,
                                  why=why or f"state not carried ({failed.version} kept failing)")
        except (LoadError, StrategyFault) as exc:
            logger.error("rollback to {} failed: {}", spec, exc)
            return None

    def _auto_rollback(self, failed: ActiveStrategy, fault: StrategyFault) -> bool:
        """During probation: back to the previous version at once, with its own state at the swap."""
        t0 = time.perf_counter()
        p = self.versions.fail_probation()
        failed.runner.close()
        reason = f"{failed.spec} failed during probation: {fault}"
        self.doomed.add(failed.spec)
        brought = self.resume_previous(p, failed)
        if brought is None:
            self.engine.journal.end_probation(outcome="failed", reason=reason)
            self.versions.remember_first(p.old.spec)
            self.engine.record_swap_outcome(kind="auto-rollback", from_spec=failed.spec, to_spec=p.old.spec,
                                            ok=False, reason=f"{reason}; {p.old.spec} could not be brought back")
            self.engine.pause_automatically(f"{reason}; {p.old.spec} could not be brought back: not opening "
                                            "positions")
            return False
        back, crossed = brought
        self.versions.change(Change("auto-rollback", failed, back, t0, "end", reason=reason,
                                    sha256=back.wheel_sha256, crossed=crossed))
        logger.error("automatic rollback to {} (its own state at the swap, plus a replay): {}", back.spec, reason)
        return True


def own_at_swap(back: ActiveStrategy) -> Crossed:
    """A rollback during probation: the previous version's own state, never the failed version's."""
    return "own", f"{back.version} resumed its own state at the swap plus a replay of the candles since"
