"""``RolloutController``: the one candidate control.json asks for -- start, run, promote, stop.

Lifecycle of a candidate (``candidate`` in control.json, one at a time):

* **preparing** -- on a thread, the swap's own preparation (:class:`~liveswap.swap.pending.Preparation`):
  load the version through the same :class:`~liveswap.swap.loader.VersionLoader` (registry
  checks, isolated install, sandboxed worker), then ``setup(params)``. The active version keeps trading.
* **starting** (between two batches) -- a new candidate takes the active version's exported state
  when it is the same strategy (``import_state(state, from_version)``), else it is warmed up on
  the journal's recent candles (decided, not traded). A candidate a previous run of this home
  was shadowing resumes from its newest snapshot instead, and decides the batches since.
* **running** -- after every batch the slot (:mod:`.slot`) decides the new batches: a shadow on
  its own thread (:mod:`.offpath`), off the active version's path; a canary's score on the engine's.
* **ended** -- promoted (a hot swap that keeps the candidate's own state: its worker becomes
  the active one, no export, no import, no warm-up), rejected, or replaced; journaled with the
  verdict, its reason and the figures. With ``auto_promote`` a successful verdict promotes and a
  failed one rejects; an inconclusive one waits for the operator.
* **guarded** -- after a promotion the replaced version shadows the promoted one and rolls it
  back if it loses (:mod:`.guard`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from loguru import logger

from liveswap.engine import Canary
from liveswap.home import CandidateRequest
from liveswap.journal import candidates as cj
from liveswap.rollout.guard import GUARD_MODE, Guard, end_resumed_guard, guard_spec, open_guard, verdict_action
from liveswap.rollout.hypothetical import BookLookup, OutcomeLookup
from liveswap.rollout.offpath import PROMOTE_WAIT, ShadowRun
from liveswap.rollout.preparing import Preparing, Promoter, Refusal, SwapKind, admit, ignore
from liveswap.rollout.report import ended_status, preparing_status, running_status
from liveswap.rollout.slot import CandidateSlot
from liveswap.rollout.spec import AnalysisSpec
from liveswap.rollout.starting import SlotOpener
from liveswap.swap import Done, VersionLoader

if TYPE_CHECKING:
    from liveswap.engine import Engine


class RolloutController:
    def __init__(self, engine: Engine, loader: VersionLoader, promoter: Promoter, *,
                 outcome: OutcomeLookup | None = None, snapshot_every: int = 10,
                 books: BookLookup | None = None) -> None:
        self.engine, self.loader, self.promoter = engine, loader, promoter
        self._opener = SlotOpener(engine, outcome, books, snapshot_every)
        self.slot: CandidateSlot | None = None
        self._run: ShadowRun | None = None  # how the slot decides (a shadow: off the engine thread)
        self._guard: Guard | None = None  # the running candidate is the guard after a promotion
        self.ask: CandidateRequest | None = None
        self.since: float | None = None
        self._preparing: Preparing | None = None
        self._promoting = False
        self._promote_done: list[Done] = []
        self._last: dict[str, Any] | None = None  # the last candidate that ended, for status
        self._closed = False  # the host stopped: the candidate resumes at the next start
        self._resume_guard()

    # ---- requests (from the control watcher, on the engine thread) ----------------------------

    def request(self, ask: CandidateRequest | None, *, generation: int, done: Done) -> None:
        """Apply control.json's ``candidate``: start, keep, promote or stop (reject) one.

        ``done`` is called once, on the engine thread: None when it took effect, else the refusal."""
        if ask is None:
            self._reject()
            done(None)
            return
        current = self._preparing.ask if self._preparing is not None else self.ask
        if current is not None and (current.spec, current.request) == (ask.spec, ask.request):
            wants_promotion = ask.promote is not None and ask.promote > (current.promote or -1)
            self.ask = ask
            if self._preparing is not None:
                self._preparing.ask = ask
            if wants_promotion:
                self._promote_done.append(done)
                if self.slot is not None:
                    self._promote()
                return  # promoted once the candidate has started
            done(None)
            return
        admitted = admit(self.engine, ask)
        if isinstance(admitted, Refusal):
            done(admitted.answer)
            return
        spec, resume_id = admitted
        if self.slot is not None:
            self._end("replaced", f"replaced by {ask.spec}")
        if self._preparing is not None:
            self._preparing.drop()
        self.ask = ask
        if ask.promote is not None and ask.promote > ask.request:
            self._promote_done.append(done)
            done = ignore
        preparing = self._preparing = Preparing(spec=ask.spec, ask=ask, analysis=spec, done=done,
                                                 resume_id=resume_id)
        preparing.start(engine=self.engine, loader=self.loader, name=f"prepare candidate {ask.spec}")

    def _reject(self) -> None:
        """``reject``: the candidate ends as rejected; during a guard, the guard ends and the promoted
        version is kept (outcome ``kept``, see :mod:`.guard`)."""
        p, self._preparing = self._preparing, None
        if p is not None:
            p.drop()
            if p.guard is not None and p.resume_id is not None:  # a guard resuming after a restart
                end_resumed_guard(self.engine.journal, p.resume_id, p.guard)
                self._last = ended_status(cj.history(self.engine.journal, 1))
            self.ask = None
        if self.slot is not None and self._guard is not None:
            self._end("kept", f"guard ended by the operator: {self._guard.promoted} kept")
        elif self.slot is not None:
            self._end("rejected", "rejected by the operator")

    def wait_prepared(self, timeout: float = 30.0) -> bool:
        """Block until a candidate being prepared is ready (tests and benchmarks)."""
        p = self._preparing
        return p is None or p.ready.wait(timeout)

    def wait_caught_up(self, timeout: float = 30.0) -> bool:
        """Block until a shadow has decided every batch the engine has (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while not (self._run is None or self._run.caught_up(self.engine.cursor)):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    # ---- between batches ------------------------------------------------------------------------

    def tick(self, engine: Engine) -> None:
        p = self._preparing
        if p is not None and p.finished:
            self._preparing = None
            self._start(p)
            if self.slot is not None and self._promote_done:
                self._promote()
        slot, run = self.slot, self._run
        if slot is None or run is None or self._promoting:
            return
        cursor = engine.cursor
        if cursor is not None and cursor > slot.cursor:
            run.advance(until=cursor, desired=engine.desired)  # a shadow's thread: returns at once
        self._act_on_verdict(slot)

    def _act_on_verdict(self, slot: CandidateSlot) -> None:
        """A guard's rollback or end; with ``auto_promote``, a successful verdict promotes, a failed one rejects."""
        action = verdict_action(slot, guard=self._guard, auto_promote=bool(self.ask and self.ask.auto_promote))
        if action is not None and action[0] in ("promote", "rollback"):
            self._promote(kind=action[0], reason=action[1])
        elif action is not None:
            self._end(action[0], action[1])

    def _start(self, p: Preparing) -> None:
        if p.error is not None or p.prepared is None:
            self.ask = None
            p.done(f"candidate {p.ask.spec}: {p.error or 'not prepared'}")
            return
        opened = self._opener.open(p, p.prepared)
        if isinstance(opened, str):
            self.ask = None
            p.done(opened)
            return
        slot, row = opened
        self.slot, self.since, self._guard = slot, float(row["started_at"]), p.guard
        self._run = ShadowRun(slot)
        p.done(None)

    # ---- promotion and the end --------------------------------------------------------------------

    def _promote(self, *, kind: SwapKind = "promote", reason: str | None = None) -> None:
        """Make the candidate the active version now (we are between two batches): a swap that
        keeps the candidate's own state. Its worker has decided every batch the active one has.
        A guard's rollback is the same swap, back to the replaced version (``kind="rollback"``)."""
        slot = self.slot
        if slot is None or self._promoting:
            return
        engine = self.engine
        if not self._take_from_thread(slot):
            return
        if engine.cursor is not None and engine.cursor > slot.cursor:
            slot.catch_up(until=engine.cursor, desired=engine.desired)
        self._promoting = True  # from the next batch a promoted canary trades every market
        slot.snapshot()
        guard = self._guard
        if reason is None:
            reason = slot.analysis.reason if slot.analysis.done else "promoted by the operator before a verdict"
        why = reason

        def finished(refusal: str | None) -> None:
            self._promoting = False
            if refusal is None:
                self._end("rolled back" if guard else "promoted", why, close=False)
                if guard is None:
                    self._start_guard(replaced=slot.comparison.active.spec, promoted=slot.spec,
                                      spec=slot.analysis_spec)
            elif self._run is not None:
                self._run.restart()  # it goes on shadowing
            callbacks, self._promote_done = self._promote_done, []
            for cb in callbacks:
                cb(refusal)

        verdict = slot.analysis.verdict
        self.promoter.adopt(new=slot.strategy, generation=engine.desired.generation, done=finished, kind=kind,
                            reason=(reason if guard else f"candidate {verdict}: {reason}")[:300])

    def _take_from_thread(self, slot: CandidateSlot) -> bool:
        """Stop a shadow's thread after the batch it is deciding (its worker goes to the engine);
        False, with the promotion refused, if it is still busy after ``PROMOTE_WAIT``."""
        if self._run is None or self._run.take():
            return True
        reason = f"candidate {slot.spec} is still deciding a batch after {PROMOTE_WAIT:g} s (slow or hung): " \
                 "not promoted"
        logger.warning(reason)
        callbacks, self._promote_done = self._promote_done, []
        for cb in callbacks:
            cb(reason)
        return False

    def _start_guard(self, *, replaced: str, promoted: str, spec: AnalysisSpec) -> None:
        """After a promotion: the replaced version shadows the promoted one (see :mod:`.guard`)."""
        analysis = guard_spec(spec)
        if analysis is not None and self.slot is None and self._preparing is None:
            self._prepare_guard(Guard(promoted, replaced, spec), analysis)

    def _resume_guard(self) -> None:
        """At start: the guard a previous run left running resumes while its promoted version is active."""
        found = open_guard(self.engine.journal, active=self.engine.active.spec)
        if found is not None:
            self._prepare_guard(found[1], found[1].spec, resume_id=found[0])
        self._last = ended_status(cj.history(self.engine.journal, 1))

    def _prepare_guard(self, guard: Guard, analysis: AnalysisSpec, *, resume_id: int | None = None) -> None:
        preparing = self._preparing = Preparing.for_guard(guard, analysis, resume_id=resume_id)
        self.ask = preparing.ask
        logger.info("guard: {} shadows {} for {} paired batches", guard.replaced, guard.promoted, analysis.horizon)
        preparing.start(engine=self.engine, loader=self.loader, name=f"prepare guard {guard.replaced}")

    def _end(self, outcome: str, reason: str, *, close: bool = True) -> None:
        slot = self.slot
        if slot is None:
            return
        if self._run is not None:
            self._run.stop(close_worker=close)  # closing its worker ends a call it hangs in
        if outcome != "promoted" and not slot.analysis.done:
            slot.analysis.terminate(slot.comparison, f"{outcome} by the operator")
        self._last = self.status()
        assessment = slot.analysis.assess(slot.comparison)
        cj.end(self.engine.journal, slot.candidate_id, outcome=outcome, verdict=slot.analysis.verdict,
               reason=reason, figures={**slot.figures(), "analysis": assessment.to_dict()})
        if self._last is not None:
            self._last.update(phase=outcome, ended_reason=reason, ended_at=time.time())
        logger.info("candidate {} {}: {} ({})", slot.spec, outcome, slot.analysis.verdict, reason)
        if close:
            slot.strategy.runner.close()
        slot.close_journal()
        self.slot, self.ask, self._run, self._guard = None, None, None, None

    def close(self) -> None:
        """Host shutdown: a final snapshot of the candidate, then stop its worker."""
        self._closed = True
        if self._run is not None:
            self._run.shutdown()
        p = self._preparing
        prepared = p.cancel() if p is not None else None
        if prepared is not None:
            prepared.runner.close()

    # ---- what the engine and status.json pull ---------------------------------------------------

    def canary(self) -> Canary | None:
        """The candidate trading its markets for real: a running canary, not being promoted, not
        stopped. Once it ends (or while its promotion commits) its markets go back to the active version."""
        slot = self.slot
        if slot is None or slot.mode != "canary" or self._promoting or self._closed:
            return None
        return Canary(slot.strategy, slot.canary_markets)

    def status(self) -> dict[str, Any] | None:
        slot, p, run = self.slot, self._preparing, self._run
        if slot is None:
            return self._last if p is None else preparing_status(p.ask, guard=p.guard is not None)
        return self._status(slot) if run is None else run.shown(lambda: self._status(slot))

    def _status(self, slot: CandidateSlot) -> dict[str, Any]:
        ask = self.ask
        return running_status(
            slot, mode=GUARD_MODE if self._guard else ask.mode if ask else "shadow",
            guard_of=self._guard.promoted if self._guard else None, markets=list(ask.markets) if ask else [],
            phase="stopped" if self._closed else "promoting" if self._promoting else "running", since=self.since,
            auto_promote=bool(ask and ask.auto_promote))
