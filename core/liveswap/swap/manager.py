"""``SwapManager``: every change of the active version, and what happens when a version fails.

A swap, like an OTP release upgrade, in named steps:

* :meth:`SwapManager.request` -- **prepare**, on a background thread while the old version keeps
  deciding: resolve and load the version (registry checks, isolated install, sandboxed worker,
  handshake), then ``setup(params)``.
* :meth:`SwapManager._commit` -- **commit**, at a batch boundary: ``export_state()`` of the old,
  ``import_state(state, from_version)`` of the new, flip the active pointer, journal the swap
  (the journal is where the active version is persisted). Any failure before the flip aborts and
  changes nothing. Its blocking time is ``pause_ms``. Between two sandboxed workers the state is
  relayed as the old worker's JSON bytes, never parsed nor re-encoded by the host (see
  :func:`export_state`), so the pause grows with the state's size only by one encode in the old
  worker, one decode in the new one and two pipe copies.
* **probation** -- for ``probation_batches`` batches the old worker stays warm; a fault of the
  new one (crash, time-out, memory, exception, malformed output) rolls back to the old one at
  once, and the faulted batch is decided again by the old one, so it is decided exactly once.

Outside probation a failing worker is restarted from the last snapshot plus a replay of the
journal since (at most ``max_restarts`` in ``restart_window`` seconds); past that the host rolls
back to the previous version or, with none, pauses opening positions and says why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from loguru import logger

from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.home.status import ProbationInfo
from liveswap.runners.base import Runner, StrategyFault
from liveswap.sandbox.supervisor import Supervisor
from liveswap.swap.loader import LoadError, VersionLoader

SwapKind = Literal["activate", "rollback", "promote"]
State = dict[str, Any] | bytes | None
"""An exported strategy state: a dict, or a sandboxed worker's JSON bytes of one, relayed unparsed."""
Done = Callable[[str | None], None]
"""Called once a request is over: None when it took effect, else the one-line refusal."""


@dataclass(slots=True)
class _Pending:
    kind: SwapKind
    spec: str
    generation: int
    done: Done
    prepared: ActiveStrategy | None = None
    error: str | None = None
    finished: bool = False
    ready: threading.Event = field(default_factory=threading.Event)
    keep_state: bool = False  # a promoted candidate: its own live state, no import
    reason: str = ""  # journaled with the swap (a promotion's verdict)


@dataclass(slots=True)
class _Probation:
    old: ActiveStrategy
    old_state_at_swap: State
    swap_batch_end: int
    batches_left: int
    new_state: State
    new_state_batch_end: int


def export_state(runner: Runner) -> State:
    """The runner's exported state as JSON bytes (a sandboxed worker's, which the host does not parse)."""
    return runner.export_state_json()


def import_state(runner: Runner, state: State, from_version: str) -> None:
    """Give ``state`` (from :func:`export_state`) to ``runner``: JSON bytes go to a sandboxed worker as
    they are (it parses them; the strategy's ``import_state`` gets a dict either way)."""
    if state is None:
        return
    if isinstance(state, bytes):
        runner.import_state_json(state, from_version)
        return
    runner.import_state(state, from_version)


class SwapManager:
    def __init__(self, engine: Engine, loader: VersionLoader, *, probation_batches: int = 30,
                 max_restarts: int = 3, restart_window: float = 60.0) -> None:
        self.engine = engine
        self.loader = loader
        self.probation_batches = probation_batches
        self.restarts = Supervisor(max_restarts, restart_window)
        self.previous: list[str] = engine.journal.active_history()[1:]
        self._pending: _Pending | None = None
        self._probation: _Probation | None = None
        self._last_tick_cursor = engine.cursor
        self._lock = threading.Lock()
        engine.add_between_batches(self.tick)
        engine.set_fault_handler(self.on_fault)

    # ---- requests ---------------------------------------------------------------------------

    def request(self, *, kind: SwapKind, spec: str | None, generation: int, done: Done) -> None:
        """Start an activation or rollback; ``done`` reports the outcome (from the engine thread)."""
        target = spec
        if kind == "rollback":
            target = self._rollback_target(spec)
            if target is None:
                self._refuse(kind, spec or "previous version", generation, done, "nothing to roll back to")
                return
        assert target is not None
        if self._pending is not None and not self._pending.finished:
            self._refuse(kind, target, generation, done, f"a swap to {self._pending.spec} is still being prepared")
            return
        active = self.engine.active
        if target in (active.spec, active.name) and kind == "activate":
            done(None)  # already active: nothing to do
            return
        if kind == "rollback" and self._probation is not None and target == self._probation.old.spec:
            self._pending = _Pending(kind, target, generation, done, prepared=self._probation.old, finished=True)
            return
        pending = self._pending = _Pending(kind, target, generation, done)
        threading.Thread(target=self._prepare, args=(pending,), name=f"prepare {target}", daemon=True).start()

    def adopt(self, *, new: ActiveStrategy, generation: int, done: Done, reason: str = "") -> None:
        """Commit ``new`` -- a running candidate (liveswap.rollout) -- now, between two batches: a
        swap that keeps ``new``'s own live state (no export into it, no import, no warm-up), with
        probation and rollback as for any swap. Only from the engine thread, between batches."""
        if self._pending is not None and not self._pending.finished:
            self._refuse("promote", new.spec, generation, done, f"a swap to {self._pending.spec} is being prepared")
            return
        self._pending = None
        self._commit(_Pending("promote", new.spec, generation, done, prepared=new, finished=True, keep_state=True,
                              reason=reason))

    def _rollback_target(self, to: str | None) -> str | None:
        name = self.engine.active.name
        if to:
            return to if "==" in to else f"{name}=={to}"
        if self._probation is not None:
            return self._probation.old.spec
        return self.previous[0] if self.previous else None

    def _prepare(self, pending: _Pending) -> None:
        try:
            new = self.loader.load(pending.spec)
            new.runner.setup(dict(self.engine.desired.params))
            pending.prepared = new
        except (LoadError, StrategyFault) as exc:
            pending.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a broken version never takes the host down
            logger.exception("preparing {} failed", pending.spec)
            pending.error = f"{type(exc).__name__}: {exc}"
        pending.finished = True
        pending.ready.set()

    def wait_prepared(self, timeout: float = 30.0) -> bool:
        """Block until the pending request (if any) is prepared; for tests and benchmarks."""
        pending = self._pending
        return pending is None or pending.finished or pending.ready.wait(timeout)

    def _refuse(self, kind: str, spec: str, generation: int, done: Done, reason: str) -> None:
        logger.warning("{} {} refused: {}", kind, spec, reason)
        self.engine.record_swap_outcome(kind=kind, from_spec=self.engine.active.spec, to_spec=spec, ok=False,
                                        reason=reason, generation=generation)
        done(reason)

    # ---- between batches --------------------------------------------------------------------

    def tick(self, engine: Engine) -> None:
        advanced = engine.cursor != self._last_tick_cursor
        self._last_tick_cursor = engine.cursor
        if advanced and self._probation is not None:
            self._probation_step()
        pending = self._pending
        if pending is not None and pending.finished:
            self._pending = None
            if pending.error is not None or pending.prepared is None:
                self._refuse(pending.kind, pending.spec, pending.generation, pending.done,
                             pending.error or "not prepared")
            else:
                self._commit(pending)

    def _probation_step(self) -> None:
        p = self._probation
        assert p is not None
        try:
            p.new_state = export_state(self.engine.active.runner)
            p.new_state_batch_end = self.engine.cursor or p.new_state_batch_end
        except StrategyFault as exc:
            # the next batch will meet the same fault; the fault handler rolls back then
            logger.warning("probation: {} could not export its state: {}", self.engine.active.spec, exc)
        p.batches_left -= 1
        self._set_probation(p)
        if p.batches_left <= 0:
            logger.info("probation passed: {} is permanent; stopping {}", self.engine.active.spec, p.old.spec)
            self._set_probation(None)
            p.old.runner.close()

    def _commit(self, pending: _Pending) -> None:
        engine = self.engine
        old, new = engine.active, pending.prepared
        assert new is not None
        probation = self._probation
        back_to_warm = probation is not None and new is probation.old
        t0 = time.perf_counter()
        try:
            state = export_state(old.runner)
        except StrategyFault as exc:
            state = None
            logger.warning("commit: {} could not export its state ({}); {} starts without it", old.spec, exc,
                           new.spec)
        try:
            if state is not None and not pending.keep_state:
                import_state(new.runner, state, old.version)
        except StrategyFault as exc:
            if not back_to_warm:
                new.runner.close()
                self._refuse(pending.kind, new.spec, pending.generation, pending.done,
                             f"{new.spec} refused the state of {old.spec}: {exc}")
                return
            assert probation is not None
            try:  # the warm version resumes from its own state at the swap, plus a replay
                if probation.old_state_at_swap is not None:
                    import_state(new.runner, probation.old_state_at_swap, new.version)
                engine.replay_into(new.runner, probation.swap_batch_end, engine.cursor or probation.swap_batch_end)
            except StrategyFault as exc2:
                self._refuse(pending.kind, new.spec, pending.generation, pending.done,
                             f"{new.spec} can neither take the state of {old.spec} ({exc}) nor resume ({exc2})")
                return
        new.since = time.time()
        engine.activate(new)
        pause_ms = (time.perf_counter() - t0) * 1000
        engine.record_swap_outcome(kind=pending.kind, from_spec=old.spec, to_spec=new.spec, ok=True,
                                   reason=pending.reason, pause_ms=pause_ms,
                                   generation=pending.generation, sha256=new.wheel_sha256)
        self.restarts.reset()
        if back_to_warm:
            self._set_probation(None)
            old.runner.close()  # the version that was on probation
        else:
            if probation is not None:
                probation.old.runner.close()
            if self.probation_batches > 0:
                self._set_probation(_Probation(old, state, engine.cursor or 0, self.probation_batches, None,
                                               engine.cursor or 0))
            else:
                self._set_probation(None)
                old.runner.close()
        self.previous = [old.spec] + [s for s in self.previous if s not in (old.spec, new.spec)]
        logger.info("{} {} -> {} committed between batches (pause {:.2f} ms)", pending.kind, old.spec, new.spec,
                    pause_ms)
        engine.take_snapshot()
        pending.done(None)

    # ---- faults -----------------------------------------------------------------------------

    def on_fault(self, fault: StrategyFault) -> bool:
        """The active version failed deciding a batch. True if another runner now stands ready
        to decide the same batch (the engine retries it once)."""
        engine = self.engine
        failed = engine.active
        t0 = time.perf_counter()
        if self._probation is not None:
            return self._auto_rollback(failed, fault)
        failed.runner.close()
        if self.restarts.record_failure(time.monotonic()):
            try:
                restarted = self.loader.load(failed.spec)
                restarted.runner.setup(dict(engine.desired.params))
                engine.restore_strategy(restarted)
            except (LoadError, StrategyFault) as exc:
                logger.error("restart of {} failed: {}", failed.spec, exc)
            else:
                restarted.since = failed.since
                engine.activate(restarted)
                engine.record_swap_outcome(kind="restart", from_spec=failed.spec, to_spec=restarted.spec, ok=True,
                                           reason=str(fault), pause_ms=_ms_since(t0))
                logger.warning("{} failed ({}); restarted from its last snapshot", failed.spec, fault)
                return True
        reason = f"{failed.spec} keeps failing ({self.restarts.reason()}); last: {fault}"
        if self.previous:
            target = self.previous[0]
            try:
                back = self.loader.load(target)
                back.runner.setup(dict(engine.desired.params))
                engine.restore_strategy(back)
            except (LoadError, StrategyFault) as exc:
                logger.error("rollback to {} failed: {}", target, exc)
            else:
                engine.activate(back)
                self.previous = [s for s in self.previous if s != target]
                engine.record_swap_outcome(kind="auto-rollback", from_spec=failed.spec, to_spec=back.spec, ok=True,
                                           reason=reason, pause_ms=_ms_since(t0))
                logger.error("rolled back to {}: {}", back.spec, reason)
                self.restarts.reset()
                return True
        engine.pause_automatically(f"{reason}; nothing to roll back to: not opening positions")
        logger.error("pausing: {}; nothing to roll back to", reason)
        return False

    def _auto_rollback(self, failed: ActiveStrategy, fault: StrategyFault) -> bool:
        engine = self.engine
        t0 = time.perf_counter()
        p = self._probation
        assert p is not None
        self._set_probation(None)
        failed.runner.close()
        old = p.old
        how = "its own state at the swap, plus a replay"
        try:
            if p.new_state is None:
                raise StrategyFault("exception", f"{failed.spec} exported no state")
            import_state(old.runner, p.new_state, failed.version)
            engine.replay_into(old.runner, p.new_state_batch_end, engine.cursor or p.new_state_batch_end)
            how = f"the state {failed.spec} last exported"
        except StrategyFault as exc:
            logger.warning("{} cannot take over the state of {} ({}); replaying since the swap", old.spec,
                           failed.spec, exc)
            try:
                if p.old_state_at_swap is not None:
                    import_state(old.runner, p.old_state_at_swap, old.version)
                engine.replay_into(old.runner, p.swap_batch_end, engine.cursor or p.swap_batch_end)
            except StrategyFault as exc2:
                logger.error("{} cannot resume either: {}", old.spec, exc2)
                engine.activate(old)
                return False
        engine.activate(old)
        reason = f"{failed.spec} failed during probation: {fault}"
        engine.record_swap_outcome(kind="auto-rollback", from_spec=failed.spec, to_spec=old.spec, ok=True,
                                   reason=reason, pause_ms=_ms_since(t0))
        self.previous = [s for s in self.previous if s != old.spec]
        logger.error("automatic rollback to {} (resumed from {}): {}", old.spec, how, reason)
        return True

    def _set_probation(self, p: _Probation | None) -> None:
        self._probation = p
        self.engine.set_probation(ProbationInfo(old=p.old.spec, batches_left=p.batches_left) if p is not None else None)

    @property
    def in_probation(self) -> bool:
        return self._probation is not None

    def close(self) -> None:
        if self._probation is not None:
            self._probation.old.runner.close()
            self._set_probation(None)


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
