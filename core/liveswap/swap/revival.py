"""Bringing a version to the present without trading: what rollbacks and restarts stand on.

* :class:`Probation` -- what a swap keeps while the new version is on probation: the previous
  version (its warm worker) and *its own* state as exported at the swap.
* :func:`resume_previous` -- the previous version, live again: its own state at the swap plus a
  replay of the journal's batches since, on its warm worker if that still answers, else on a
  freshly started one. Never the newer version's state.
* :func:`warm_up` -- another strategy (a different NAME), without foreign state: its own shelved
  state plus a replay, else the journal's recent candles (decided, not traded).
* :func:`bring_up` -- a fresh worker of a spec, brought to the present (restarts, and rollbacks
  after probation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.runners import StrategyFault
from liveswap.swap.loader import LoadError, VersionLoader
from liveswap.swap.shelf import StateShelf
from liveswap.swap.staging import State, import_state

__all__ = ["Probation", "bring_up", "resume_previous", "warm_up", "warm_without_state"]


@dataclass(slots=True)
class Probation:
    """The previous version during a probation, and what it needs to take over again."""

    old: ActiveStrategy
    old_state_at_swap: State
    swap_batch_end: int
    batches_left: int
    exported: bool = True
    """False when ``old``'s export failed at the swap: it has no state at the swap to resume."""


def resume_previous(*, engine: Engine, loader: VersionLoader, probation: Probation) -> ActiveStrategy | None:
    """The previous version, live, with its own state at the swap plus a replay of the batches
    since: its warm worker if it still answers, else a freshly started one; None if neither."""
    p = probation
    until = engine.cursor or p.swap_batch_end
    for warm in ((True, False) if p.old.runner.alive else (False,)):
        target: ActiveStrategy | None = p.old if warm else None
        try:
            if target is None:
                target = loader.load(p.old.spec)
                target.runner.setup(dict(engine.desired.params))
                target.since = time.time()
            if p.old_state_at_swap is not None:
                import_state(target.runner, p.old_state_at_swap, p.old.version)
            engine.replay_into(target.runner, p.swap_batch_end, until)
            return target
        except (LoadError, StrategyFault) as exc:
            logger.error("{} worker of {} cannot resume: {}", "warm" if warm else "fresh", p.old.spec, exc)
            if target is not None:
                target.runner.close()
    return None


def warm_up(*, engine: Engine, shelf: StateShelf, target: ActiveStrategy) -> bool:
    """Bring another strategy (a different NAME) to the present without foreign state: its own
    shelved state plus a replay since (True), else the journal's recent candles (decided, not traded)."""
    until = engine.cursor
    if until is None:
        return False
    kept = shelf.get(target.name)
    if kept is not None and kept.batch_end <= until:
        if kept.state is not None:
            import_state(target.runner, kept.state, kept.version)
        engine.replay_into(target.runner, kept.batch_end, until)
        return True
    warm_without_state(engine=engine, target=target)
    return False


def warm_without_state(*, engine: Engine, target: ActiveStrategy) -> None:
    """Warm ``target`` on the journal's recent candles (``warmup_seconds``; decided, not traded), as
    a new home is: what a version with no state it can read starts from."""
    until = engine.cursor
    if until is None:
        return
    first = engine.journal.first_batch_end()
    engine.replay_into(target.runner, max(until - engine.settings.warmup_seconds, (first or until) - 1), until)


def bring_up(*, engine: Engine, loader: VersionLoader, shelf: StateShelf, spec: str) -> ActiveStrategy:
    """A fresh worker of ``spec`` brought to the present (restarts and rollbacks after probation):
    the active strategy's snapshot plus a replay, or another strategy warmed up (:func:`warm_up`)."""
    target = loader.load(spec)
    try:
        target.runner.setup(dict(engine.desired.params))
        if target.name == engine.active.name:
            engine.restore_strategy(target)
        else:
            warm_up(engine=engine, shelf=shelf, target=target)
    except StrategyFault:
        target.runner.close()
        raise
    return target
