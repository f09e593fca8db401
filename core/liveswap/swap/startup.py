"""Which version a host start resumes: the start-up half of the swap's policy.

In order (:func:`liveswap.host.build_engine` walks it):

1. :func:`refuse_crash_loop` -- the version the journal names is not resumed when its probation
   failed, or when the host died ``max_probation_crashes`` times during it: the previous version
   starts instead, and the journal records the rollback (``history``) and why;
2. :func:`start_version` -- control.json's ``active`` if it was changed while the host was down
   (and loads), else the version the journal says was active, else the configured strategy;
3. :func:`recover` -- the engine recovers with it; a version started on another version's snapshot
   that it cannot take (its declaration reads none of that version's layouts, or its
   ``import_state`` refuses it) resumes its own last state plus a replay instead
   (:func:`start_from_own_state`); a version that cannot resume at all (its snapshot or the replay
   since faults) never blocks the start: the next version this home ran takes over;
4. :func:`record_start` -- the journal names the version that started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.exceptions import HostError, LoadError
from liveswap.fsutil import atomic_write_json
from liveswap.home import HomePaths, Snapshot, SwapInfo, read_snapshot
from liveswap.journal import Journal
from liveswap.registry import decide
from liveswap.runners import StrategyFault
from liveswap.swap.loader import VersionLoader
from liveswap.swap.ownstate import VersionStates

__all__ = ["Refused", "initial_spec", "recover", "record_start", "refuse_crash_loop", "start_version"]


@dataclass(frozen=True, slots=True)
class Refused:
    """A start that did not resume the version the journal names: the one it started instead, and why."""

    instead: str
    reason: str

    def as_last_swap(self) -> SwapInfo:
        """How status.json shows it (``last_swap``) until the first swap of this run."""
        return SwapInfo(kind="auto-rollback", from_=None, to=self.instead, ok=True, reason=self.reason,
                        pause_ms=None, generation=None, at=time.time())


def initial_spec(journal: Journal, default: str) -> str:
    """The version to start with: the one the journal says was active (persisted at every commit
    and rollback), else ``default`` (``--strategy`` / ``liveswap.toml``)."""
    history = journal.active_history()
    return history[0] if history else default


def refuse_crash_loop(journal: Journal, *, max_probation_crashes: int) -> Refused | None:
    """The refusal to resume the version the journal names, if its probation failed (it was rolled
    back, or the previous version could not come back) or the host died ``max_probation_crashes``
    times during it. The journal then records the rollback (``history``) and the probation's end."""
    history = journal.active_history()
    if not history:
        return None
    spec = history[0]
    reason = previous = None
    open_probation = journal.open_probation()
    if open_probation is not None and open_probation["spec"] == spec:
        deaths = journal.count_host_death()
        if deaths >= max_probation_crashes:
            reason = (f"{spec} was on probation when the host died {deaths} time(s) "
                      f"(max_probation_crashes = {max_probation_crashes})")
            journal.end_probation(outcome="host-died", reason=reason)
            previous = str(open_probation["previous"])
        else:
            logger.warning("{} was on probation when the host died ({} of {} allowed)", spec, deaths,
                           max_probation_crashes)
    last = journal.probation_outcome(spec)
    if reason is None and last is not None and last["outcome"] == "failed":
        reason = f"{spec} failed its probation: {last['reason']}"
        previous = str(last["previous"])
    if reason is None or previous is None:
        return None
    refused = Refused(previous, f"{reason}; starting {previous} instead")
    logger.error("not resuming: {}", refused.reason)
    journal.record_swap(kind="auto-rollback", from_version=spec, to_version=previous, ok=True,
                        reason=refused.reason, batch_end=journal.last_batch_end())
    return refused


def start_version(journal: Journal, loader: VersionLoader, *, asked: str | None, default: str) -> ActiveStrategy:
    """``asked`` (control.json's ``active``, changed since this home last ran) if it loads, else
    :func:`initial_spec`. A refusal of ``asked`` lands in the journal: the control watcher retries
    it as a swap. Raises :class:`HostError` when not even that loads."""
    if asked is not None:
        try:
            return loader.load(asked)
        except LoadError as exc:
            logger.error("control.json asks for {}: {}; starting {}", asked, exc, initial_spec(journal, default))
    spec = initial_spec(journal, default)
    try:
        return loader.load(spec)
    except LoadError as exc:
        journal.close()
        raise HostError(f"cannot start {spec}: {exc}") from exc


def recover(make_engine: Callable[[ActiveStrategy, Refused | None], Engine], active: ActiveStrategy,
            refused: Refused | None, *, journal: Journal, loader: VersionLoader, fresh_cursor: int) -> Engine:
    """A recovered engine around ``active`` -- or, when ``active`` cannot resume (its snapshot or the
    replay since faults), around the next version this home ran; ``make_engine`` is told the
    :class:`Refused` that says why (else the start's own, ``refused``). Raises :class:`HostError`
    when no version this home ran can resume."""
    tried: list[str] = []
    refused_snapshot = False
    while True:
        engine = make_engine(active, refused)
        start_from_own_state(engine, active, loader, forced=refused_snapshot)
        try:
            engine.recover(fresh_cursor)
            return engine
        except StrategyFault as exc:
            active.runner.close()
            if not refused_snapshot and another_versions_snapshot(engine.state_dir, active):
                refused_snapshot = True  # its import_state refused that version's state: its own, then
                logger.error("{} cannot resume from {}: {}; it resumes its own state", active.spec,
                             "the snapshot of another version", exc)
                try:
                    active = loader.load(active.spec)
                    continue
                except LoadError as exc2:
                    exc = StrategyFault("load", str(exc2))
            refused_snapshot = False
            tried.append(active.spec)
            fallback = next((s for s in journal.active_history() if s not in tried), None)
            reason = f"{active.spec} cannot resume from its snapshot: {exc}"
            if fallback is None:
                journal.close()
                raise HostError(reason) from exc
            logger.error("{}; starting {} instead", reason, fallback)
            try:
                active = loader.load(fallback)
            except LoadError as exc2:
                journal.close()
                raise HostError(f"{reason}; {fallback} does not load either: {exc2}") from exc2
            journal.end_probation(outcome="failed", reason=reason)
            refused = Refused(active.spec, f"{reason}; starting {active.spec} instead")
            journal.record_swap(kind="auto-rollback", from_version=tried[-1], to_version=active.spec, ok=True,
                                reason=refused.reason, batch_end=journal.last_batch_end(), sha256=active.wheel_sha256)


def another_versions_snapshot(state_dir: Path, active: ActiveStrategy) -> Snapshot | None:
    """The snapshot, when it is another version's of the same strategy (a start that changed version)."""
    snap = read_snapshot(state_dir)
    if snap is None or snap.name != active.name or snap.version == active.version:
        return None
    return snap


def start_from_own_state(engine: Engine, active: ActiveStrategy, loader: VersionLoader, *, forced: bool) -> None:
    """A start on another version than the snapshot's, that cannot take that state (declared -- it
    reads none of the layouts the snapshot's version exports -- or ``forced``: its ``import_state``
    refused it): the snapshot becomes its own last state (kept at its last swap, or one of a layout
    it reads), else a warm-up point, so :meth:`Engine.recover` resumes it from there plus a replay."""
    snap = another_versions_snapshot(engine.state_dir, active)
    if snap is None:
        return
    if not forced and decide(loader.declared(f"{snap.name}=={snap.version}"), active.state_decl).mode in (
            "direct", "runtime"):
        return  # it reads that state (or its import_state decides)
    decl = active.state_decl
    own = VersionStates(engine.state_dir).own(name=active.name, version=active.version,
                                              reads=decl.reads if decl else None)
    end, first = engine.journal.last_batch_end(), engine.journal.first_batch_end()
    if own is not None and end is not None and own.batch_end <= end:
        start = Snapshot(own.batch_end, active.name, active.version, own.state, time.time())
    elif end is not None and first is not None:
        start = Snapshot(max(first - 1, end - engine.settings.warmup_seconds), active.name, active.version, None,
                         time.time())
    else:
        return
    logger.warning("{} does not take {}'s state: it resumes {} plus a replay since {}", active.spec, snap.version,
                   "its own last state" if start.state is not None else "without state", start.batch_end)
    atomic_write_json(HomePaths(engine.state_dir).snapshot, start.to_dict(), make_parents=False)


def record_start(journal: Journal, active: ActiveStrategy, *, cursor: int | None) -> None:
    """The journal names the version this start runs: the first of a new home, or the one
    control.json asked for while the host was down."""
    history = journal.active_history()
    if not history:
        journal.record_swap(kind="start", from_version=None, to_version=active.spec, ok=True,
                            reason="first version of this home", batch_end=cursor, sha256=active.wheel_sha256)
    elif history[0] != active.spec:  # control.json asked for another version while the host was down
        journal.record_swap(kind="activate", from_version=history[0], to_version=active.spec, ok=True,
                            reason="control.json at start", batch_end=cursor, sha256=active.wheel_sha256)
