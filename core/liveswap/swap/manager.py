"""``SwapManager``: every change of the active version, and what happens when a version fails.

A swap, like an OTP release upgrade, in named steps:

* :meth:`SwapManager.request` -- **prepare**, on a background thread while the old version keeps
  deciding: resolve and load the version (registry checks, isolated install, sandboxed worker,
  handshake), ``setup(params)``, then -- for a version of the same strategy -- decide how state
  crosses from the two declared ``__liveswap_state__`` (:mod:`liveswap.swap.handover`) and, when
  it does, **stage** the state hand-over (:mod:`liveswap.swap.staging`): ``export_state()`` of
  the old version (or ``export_state(schema=N)``, converted down), holding its call gate, and
  ``import_state(state, from_version)`` into the new one.
* :meth:`SwapManager._commit` -- **commit**, at a batch boundary: if nothing went through the old
  version since the staged export, flip the active pointer; else hand the state over again now
  (export, import), then flip. Journal the swap (the journal is where the active version is
  persisted). Any failure before the flip aborts and changes nothing. Its blocking time is
  ``pause_ms``: the commit up to the flip plus any time trading waited for a staged export.
  Between two sandboxed workers the state is relayed as the old worker's JSON bytes, never
  parsed nor re-encoded by the host.
* **probation** -- for ``probation_batches`` batches the old worker stays warm; a fault of the
  new one (crash, time-out, memory, exception, malformed output) rolls back to the old one at
  once, and the faulted batch is decided again by the old one, so it is decided exactly once.

A rollback -- automatic or the operator's, during probation or after -- always lands on a live
worker of the previous version holding *its own* state as exported at the swap, plus a replay of
the journal's batches since: the warm worker if it still answers, else a freshly started one. The
previous version never receives the failed version's state. Probations and their outcomes are
journaled (``probations``); a host start refuses to resume a version whose probation failed or
during whose probation the host died ``max_probation_crashes`` times (:mod:`liveswap.swap.startup`).

A state that does not cross (declared: the target reads none of the layouts the source writes)
is not handed over: the target resumes its own last state plus a replay, or warms up
(:func:`~liveswap.swap.handover.resume_own`; every version's state is kept when it stops trading,
:mod:`liveswap.swap.ownstate`). A rollback after probation always lands the same way when the
state is refused or cannot be converted; an activation is refused instead. How state crossed is
journaled with every change (``swap_states``) and shown as ``last_swap.state``.

Switching to another strategy NAME never hands it the old strategy's state: the old one's state
is shelved under its name (:mod:`liveswap.swap.shelf`) and the new one resumes its own shelved
state, or is warmed on the journal's recent candles (decided, not traded) as a new home is.

A failed, invalid, oversized or hung ``export_state`` is the *source's* fault and never blocks a
swap away from it: the target starts as if the state did not cross -- its own last state plus a
replay, or a warm-up (another strategy: its own shelved state or a warm-up) -- and the sentence
journaled and shown (``--wait``, ``history``, ``last_swap.state``) blames the source. Nothing of
the source is kept as its state. Only a fault of the *target* (load, setup, params, import,
warm-up) refuses a swap, changing nothing (a source killed by its export is then restarted).

A second request while one is being prepared supersedes it: the first gets its answer
("superseded") and its worker is stopped.

Outside probation a failing worker is restarted from the last snapshot plus a replay of the
journal since (at most ``max_restarts`` in ``restart_window`` seconds); past that the host rolls
back to the previous version or, with none, pauses opening positions and says why.

Every path ends in :meth:`~liveswap.swap.change.Versions.change`, the one way the active version
changes (activate, record, probation, ``previous``).

The pieces: :mod:`~liveswap.swap.change` (the change itself, probation, the rollback order),
:mod:`~liveswap.swap.faults` (restarts and automatic rollbacks),
:mod:`~liveswap.swap.pending` (a request and its preparation),
:mod:`~liveswap.swap.staging` (the state hand-over before the flip), :mod:`~liveswap.swap.revival`
(bringing a version back: probation's previous version, warm-ups, fresh workers) and
:mod:`~liveswap.swap.shelf` (other strategies' states).
"""

from __future__ import annotations

import time

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.home import ProbationInfo
from liveswap.runners import StrategyFault
from liveswap.sandbox import Supervisor
from liveswap.swap.change import Change, Versions
from liveswap.swap.faults import Faults
from liveswap.swap.handover import Crossed, HandOver, hand_over, keep_own, plan, start_apart
from liveswap.swap.loader import VersionLoader
from liveswap.swap.ownstate import VersionStates
from liveswap.swap.pending import Done, Pending, SwapKind, fresh
from liveswap.swap.revival import Probation
from liveswap.swap.shelf import Shelved, StateShelf
from liveswap.swap.staging import State


class SwapManager:
    def __init__(self, engine: Engine, loader: VersionLoader, *, probation_batches: int = 30,
                 max_restarts: int = 3, restart_window: float = 60.0) -> None:
        self.engine = engine
        self.loader = loader
        self.restarts = Supervisor(max_restarts, restart_window)
        self.versions = Versions(engine, probation_batches=probation_batches, restarts=self.restarts)
        self.shelf = StateShelf(engine.state_dir)
        self.own_states = VersionStates(engine.state_dir)
        self._pending: Pending | None = None
        self.faults = Faults(engine, loader, versions=self.versions, shelf=self.shelf, own_states=self.own_states)
        self._last_tick_cursor = engine.cursor

    @property
    def previous(self) -> list[str]:
        """The rollback order: the versions active before the current one, newest first."""
        return list(self.versions.previous)

    @property
    def _probation(self) -> Probation | None:
        return self.versions.probation

    # ---- requests ---------------------------------------------------------------------------

    def request(self, *, kind: SwapKind, spec: str | None, generation: int, done: Done) -> None:
        """Start an activation or rollback; ``done`` reports the outcome (from the engine thread).
        A request still pending is superseded: it is answered at once and its worker stopped."""
        target = spec
        if kind == "rollback":
            target = self._rollback_target(spec)
            if target is None:
                self._refuse(kind, spec or "previous version", generation, done, "nothing to roll back to")
                return
        assert target is not None
        self._supersede(generation)
        active = self.engine.active
        if target == active.spec and kind == "activate":
            done(None)  # exactly this version is active: nothing to do
            return
        if kind == "rollback" and self._probation is not None and target == self._probation.old.spec:
            self._pending = Pending.of(kind, target, generation, done, prepared=self._probation.old)
            return
        pending = self._pending = Pending(kind=kind, spec=target, generation=generation, done=done)
        pending.start(engine=self.engine, loader=self.loader, name=f"prepare {target}")

    def _supersede(self, generation: int) -> None:
        old, self._pending = self._pending, None
        if old is None:
            return
        self._stop_unless_warm(old.cancel())
        self._refuse(old.kind, old.spec, old.generation, old.done, f"superseded by generation {generation}")

    def _stop_unless_warm(self, prepared: ActiveStrategy | None) -> None:
        """Stop a prepared worker nobody will use -- unless it is probation's warm previous version."""
        if prepared is not None and (self._probation is None or prepared is not self._probation.old):
            prepared.runner.close()

    def adopt(self, *, new: ActiveStrategy, generation: int, done: Done, reason: str = "",
              kind: SwapKind = "promote") -> None:
        """Commit ``new`` -- a running candidate (liveswap.rollout) -- now, between two batches: a
        swap that keeps ``new``'s own live state (no export into it, no import, no warm-up), with
        probation and rollback as for any swap. Only from the engine thread, between batches."""
        if self._pending is not None and not self._pending.finished:
            self._refuse(kind, new.spec, generation, done, f"a swap to {self._pending.spec} is being prepared")
            return
        self._pending = None
        self._commit(Pending.of(kind, new.spec, generation, done, prepared=new, keep_state=True, reason=reason))

    def _rollback_target(self, to: str | None) -> str | None:
        name = self.engine.active.name
        if to:
            return to if "==" in to else f"{name}=={to}"
        if self._probation is not None:
            return self._probation.old.spec
        return self.versions.previous[0] if self.versions.previous else None

    def wait_prepared(self, timeout: float = 30.0) -> bool:
        """Block until the pending request (if any) is prepared; for tests and benchmarks."""
        pending = self._pending
        return pending is None or pending.ready.wait(timeout)

    def _refuse(self, kind: str, spec: str, generation: int, done: Done, reason: str) -> None:
        logger.warning("{} {} refused: {}", kind, spec, reason)
        self.engine.record_swap_outcome(kind=kind, from_spec=self.engine.active.spec, to_spec=spec, ok=False,
                                        reason=reason, generation=generation)
        done(reason)

    # ---- between batches --------------------------------------------------------------------

    def tick(self, engine: Engine) -> None:
        advanced = engine.cursor != self._last_tick_cursor
        self._last_tick_cursor = engine.cursor
        if advanced:
            pending = self._pending
            self.versions.batch_done(rollback_waiting=pending is not None and self._probation is not None
                                     and pending.prepared is self._probation.old)
        pending = self._pending
        if pending is None or not pending.finished:
            return
        self._pending = None
        if pending.error is not None or pending.prepared is None:
            self._refuse(pending.kind, pending.spec, pending.generation, pending.done, pending.error or "not prepared")
        elif pending.prepared.spec == engine.active.spec:  # ``activate NAME``: its newest is the one running
            self._stop_unless_warm(pending.prepared)
            logger.info("{} {}: {} is already the newest compatible version", pending.kind, pending.spec,
                        engine.active.spec)
            pending.done(None)
        else:
            self._commit(pending)

    def _commit(self, pending: Pending) -> None:
        engine = self.engine
        old, new = engine.active, pending.prepared
        assert new is not None
        probation = self._probation
        if probation is not None and new is probation.old:
            self._rollback_in_probation(pending, probation)
            return
        staged = pending.staged
        same_name = old.name == new.name
        t0 = time.perf_counter()
        if pending.params is not None and pending.params != engine.desired.params:
            try:  # the operator changed them while the new version was being prepared
                new.runner.on_params(dict(engine.desired.params))
            except StrategyFault as exc:
                self._refuse_prepared(pending, f"{new.spec} refused the operator's new params: {exc}")
                return
        staged_in_time = staged is not None and staged.current(old)
        crossing = pending.crossing if pending.crossing is not None else plan(old, new)
        if crossing is not None and not pending.keep_state:  # another version of the same strategy
            handed = hand_over(engine=engine, versions=self.own_states, old=old, new=new, crossing=crossing,
                               landing=self._fresh if pending.kind == "rollback" else None, staged=staged)
            pending.prepared = new = handed.target
            if handed.refusal is not None or handed.crossed is None:
                self._refuse_handover(pending, old, handed)
                return
            state, crossed, exported = handed.state, handed.crossed, handed.export_fault is None
            export_ms, import_ms = handed.exchange.export_ms, handed.exchange.import_ms
        else:  # a promotion (its own live state) or another strategy (its own, or a warm-up)
            moved = self._start_apart(pending, old, new)
            if moved is None:
                return
            state, export_ms, import_ms, crossed, exported = moved
        new.since = time.time()  # before the flip: whoever sees the new version sees its start
        held_up_ms = staged.held_up_ms() if staged is not None else 0.0
        pause_ms = self.versions.change(Change(
            pending.kind, old, new, t0, "start", reason=pending.reason, generation=pending.generation,
            sha256=new.wheel_sha256, held_up_ms=held_up_ms, state=state, crossed=crossed, exported=exported))
        self.faults.doomed.discard(new.spec)
        if exported and not same_name:  # a failed export keeps its last good state as it was
            self.shelf.put(Shelved(old.name, old.version, engine.cursor or 0, state))
        elif exported:  # what it exported now is its own last state, should it come back later
            keep_own(self.own_states, version=old, batch_end=engine.cursor or 0, state=state)
        if staged_in_time:
            logger.info("{} {} -> {} committed between batches (pause {:.2f} ms: the flip, plus {:.2f} ms trading "
                        "waited for the state hand-over staged before it: export {:.2f}, import {:.2f}); {}",
                        pending.kind, old.spec, new.spec, pause_ms, held_up_ms, export_ms, import_ms, crossed[1])
        else:
            logger.info("{} {} -> {} committed between batches (pause {:.2f} ms: export {:.2f}, import {:.2f}); {}",
                        pending.kind, old.spec, new.spec, pause_ms, export_ms, import_ms, crossed[1])
        engine.take_snapshot()
        pending.done(None)

    def _start_apart(self, pending: Pending, old: ActiveStrategy,
                     new: ActiveStrategy) -> tuple[State, float, float, Crossed, bool] | None:
        """A promotion's or another strategy's start at the flip (:func:`~liveswap.swap.handover.start_apart`);
        None when the new version could not be warmed up (refused; a source its export killed restarts)."""
        try:
            return start_apart(engine=self.engine, shelf=self.shelf, old=old, new=new, keep_state=pending.keep_state)
        except StrategyFault as exc:
            self._refuse_prepared(pending, f"{new.spec} could not be warmed up: {exc}")
            if old is self.engine.active and not old.runner.alive:
                self.faults.restart_active(StrategyFault("crash", f"{old.spec} died exporting its state"))
            return None

    def _fresh(self, dead: ActiveStrategy) -> ActiveStrategy:
        """A new worker of ``dead``'s version (a rollback landing after a hand-over killed it)."""
        return fresh(self.loader, dead, params=dict(self.engine.desired.params))

    def _refuse_handover(self, pending: Pending, old: ActiveStrategy, handed: HandOver) -> None:
        """The state could not cross and the swap is refused: nothing changes (the old version is
        restarted if its failed export -- its own, or converted down -- killed it)."""
        self._refuse_prepared(pending, handed.refusal or "the state could not be handed over")
        fault = handed.export_fault or handed.exchange.writes_fault
        if fault is not None and old is self.engine.active and not old.runner.alive:
            self.faults.restart_active(StrategyFault(fault.kind, f"export_state failed: {fault}"))

    def _refuse_prepared(self, pending: Pending, reason: str) -> None:
        assert pending.prepared is not None
        pending.prepared.runner.close()
        self._refuse(pending.kind, pending.prepared.spec, pending.generation, pending.done, reason)

    def _rollback_in_probation(self, pending: Pending, p: Probation) -> None:
        """The operator rolls back during probation: the previous version resumes (its own state at
        the swap plus a replay, :func:`~liveswap.swap.revival.resume_previous`)."""
        t0 = time.perf_counter()
        failed = self.engine.active
        brought = self.faults.resume_previous(p, failed)
        if brought is None:
            self._refuse(pending.kind, p.old.spec, pending.generation, pending.done,
                         f"{p.old.spec} could not be brought back; {failed.spec} keeps trading")
            return
        back, crossed = brought
        self.versions.change(Change(pending.kind, failed, back, t0, "end", generation=pending.generation,
                                    sha256=back.wheel_sha256, crossed=crossed))
        self.engine.take_snapshot()
        pending.done(None)

    # ---- faults (liveswap.swap.faults) ------------------------------------------------------

    def on_fault(self, fault: StrategyFault) -> bool:
        """The active version failed deciding a batch. True if another runner now stands ready
        to decide the same batch (the engine retries it once)."""
        return self.faults.on_fault(fault)

    @property
    def in_probation(self) -> bool:
        return self._probation is not None

    def in_probation_now(self) -> bool:
        """A new version is on probation (the engine then treats any malformed intent as a fault)."""
        return self._probation is not None

    def probation_info(self) -> ProbationInfo | None:
        """``probation`` in status.json."""
        return self.versions.probation_info()

    def close(self) -> None:
        """Stop the warm and prepared workers. A probation stopped this way is journaled as
        ``interrupted`` (a clean stop is not a host death)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            self._stop_unless_warm(pending.cancel())
        self.versions.interrupt()
