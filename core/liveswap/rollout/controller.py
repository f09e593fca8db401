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

import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol

from loguru import logger

from liveswap.engine import ActiveStrategy, Canary
from liveswap.exceptions import StrategyFault
from liveswap.home import CandidateRequest
from liveswap.journal import Journal
from liveswap.journal import candidates as cj
from liveswap.money import from_micros
from liveswap.registry import decide
from liveswap.rollout.guard import GUARD_GENERATION, GUARD_MODE, Guard, guard_action, guard_spec
from liveswap.rollout.hypothetical import BookLookup, OutcomeLookup
from liveswap.rollout.offpath import ShadowThread
from liveswap.rollout.report import ended_status, running_status
from liveswap.rollout.slot import CandidateSlot
from liveswap.rollout.spec import AnalysisSpec, AnalysisSpecError
from liveswap.swap import Done, Preparation, VersionLoader

if TYPE_CHECKING:
    from liveswap.engine import Engine

SwapKind = Literal["promote", "rollback"]  # what a promotion is journaled as (a guard's: a rollback)
PROMOTE_WAIT = 10.0  # seconds a promotion or an end waits for a shadow to finish the batch it is deciding
STATUS_WAIT = 0.05  # seconds the status waits for a busy shadow before showing its last figures



def _ignore(_reason: str | None) -> None:
    """A ``done`` for a request whose outcome another callback reports."""


@dataclass(slots=True, kw_only=True)
class _Preparing(Preparation):
    """A candidate on its way: the swap's own preparation (load, ``setup(params)``), plus the ask."""

    ask: CandidateRequest
    analysis: AnalysisSpec
    done: Done
    resume_id: int | None = None
    guard: Guard | None = None  # the replaced version, shadowing the version promoted over it

    def drop(self) -> None:
        """This candidate was replaced or rejected before it started: stop it once it is loaded."""
        self.done("replaced before it started")
        prepared = self.cancel()
        if prepared is not None:
            prepared.runner.close()


class Promoter(Protocol):
    """What promotion needs of the swap manager (``SwapManager.adopt``)."""

    def adopt(self, *, new: ActiveStrategy, generation: int, done: Done, reason: str = "",
              kind: SwapKind = "promote") -> None: ...


class RolloutController:
    def __init__(self, engine: Engine, loader: VersionLoader, promoter: Promoter, *,
                 outcome: OutcomeLookup | None = None, snapshot_every: int = 10,
                 books: BookLookup | None = None) -> None:
        self.engine = engine
        self.loader = loader
        self.promoter = promoter
        self._outcome = outcome
        self._books = books
        self._snapshot_every = snapshot_every
        self.slot: CandidateSlot | None = None
        self._thread: ShadowThread | None = None  # a shadow decides off the engine thread
        self._shown: dict[str, Any] | None = None  # the last status, shown while the shadow is busy
        self._guard: Guard | None = None  # the running candidate is the guard after a promotion
        self.ask: CandidateRequest | None = None
        self.since: float | None = None
        self._preparing: _Preparing | None = None
        self._promoting = False
        self._promote_done: list[Done] = []
        self._last: dict[str, Any] | None = None  # the last candidate that ended, for status
        self._closed = False  # the host stopped: the candidate resumes at the next start
        self._lock = threading.Lock()
        self._last = ended_status(cj.history(engine.journal, 1))

    # ---- requests (from the control watcher, on the engine thread) ----------------------------

    def request(self, ask: CandidateRequest | None, *, generation: int, done: Done) -> None:
        """Apply control.json's ``candidate``: start, keep, promote or stop (reject) one.

        ``done`` is called once, on the engine thread: None when it took effect, else the refusal."""
        if ask is None:
            self._stop(done)
            return
        current = self._preparing.ask if self._preparing is not None else self.ask
        if current is not None and (current.spec, current.request) == (ask.spec, ask.request):
            self._same(current, ask, done)
            return
        refusal = self._canary_refusal(ask) if ask.mode == "canary" else None
        if refusal is not None:
            done(refusal)
            return
        try:
            spec = AnalysisSpec.parse(ask.analysis)
        except AnalysisSpecError as exc:
            done(exc.reason)
            return
        previous = cj.by_generation(self.engine.journal, ask.request)
        if previous is not None and previous["ended_at"] is not None:  # a previous run of this home finished it
            promoted = previous["outcome"] == "promoted"
            done(None if ask.promote is None or promoted else
                 f"candidate {ask.spec} already ended: {previous['outcome']} ({previous['reason']})")
            return
        self._replace(ask, spec, None if previous is None else int(previous["id"]), done)

    def _stop(self, done: Done) -> None:
        """control.json has no candidate: stop the one being prepared or running (rejected)."""
        if self._preparing is not None:
            self._preparing.drop()
            self._preparing = None
        if self.slot is not None:
            self._end("rejected", "rejected by the operator")
        done(None)

    def _same(self, current: CandidateRequest, ask: CandidateRequest, done: Done) -> None:
        """The same candidate asked again: keep it; promote it if the promotion request is new."""
        wants_promotion = ask.promote is not None and ask.promote > (current.promote or -1)
        self.ask = ask
        if self._preparing is not None:
            self._preparing.ask = ask
        if not wants_promotion:
            done(None)
            return
        self._promote_done.append(done)
        if self.slot is not None:
            self._promote()  # else promoted once the candidate has started

    def _replace(self, ask: CandidateRequest, spec: AnalysisSpec, resume_id: int | None, done: Done) -> None:
        """A new candidate: the one running or being prepared ends (replaced); this one is prepared."""
        if self.slot is not None:
            self._end("replaced", f"replaced by {ask.spec}")
        if self._preparing is not None:
            self._preparing.drop()
        self.ask = ask
        if ask.promote is not None and ask.promote > ask.request:
            self._promote_done.append(done)
            done = _ignore
        preparing = self._preparing = _Preparing(spec=ask.spec, ask=ask, analysis=spec, done=done,
                                                 resume_id=resume_id)
        preparing.start(engine=self.engine, loader=self.loader, name=f"prepare candidate {ask.spec}")

    def _canary_refusal(self, ask: CandidateRequest) -> str | None:
        known = self.engine.markets
        unknown = [m for m in ask.markets if m not in known]
        if unknown:
            return f"canary: unknown market(s) {', '.join(unknown)}"
        if len(set(ask.markets)) >= len(known):
            return "canary: the active version must keep at least one market"
        version = ask.spec.partition("==")[2]
        if version and version == self.engine.active.version:
            return (f"canary: {ask.spec} has the active version's version number {version} (the host tells "
                    "their fills apart by version)")
        return None

    def wait_prepared(self, timeout: float = 30.0) -> bool:
        """Block until a candidate being prepared is ready (tests and benchmarks)."""
        p = self._preparing
        return p is None or p.ready.wait(timeout)

    def wait_caught_up(self, timeout: float = 30.0) -> bool:
        """Block until a shadow has decided every batch the engine has (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while True:
            slot, thread, cursor = self.slot, self._thread, self.engine.cursor
            if slot is None or thread is None or not thread.alive or cursor is None or slot.cursor >= cursor:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)

    # ---- between batches ------------------------------------------------------------------------

    def tick(self, engine: Engine) -> None:
        p = self._preparing
        if p is not None and p.finished:
            self._preparing = None
            self._start(p)
            if self.slot is not None and self._promote_done:
                self._promote()
        slot = self.slot
        if slot is None or self._promoting:
            return
        cursor = engine.cursor
        if cursor is not None and cursor > slot.cursor:
            if self._thread is not None:
                self._thread.advance(until=cursor, desired=engine.desired)  # returns at once
            else:
                slot.catch_up(until=cursor, desired=engine.desired)  # a canary only keeps the score
        self._act_on_verdict(slot)

    def _act_on_verdict(self, slot: CandidateSlot) -> None:
        """A guard's rollback or end; with ``auto_promote``, a successful verdict promotes, a failed one rejects."""
        if self._guard is not None:
            action = guard_action(self._guard, slot)
            if action is not None and action[0] == "rollback":
                self._promote(kind="rollback", reason=action[1])
            elif action is not None:
                self._end("kept", action[1])
            return
        ask = self.ask
        if ask is not None and ask.auto_promote and slot.analysis.done:
            verdict = slot.analysis.verdict
            if verdict == "successful":
                self._promote()
            elif verdict == "failed":
                self._end("rejected", f"auto: {slot.analysis.reason}")

    def _start(self, p: _Preparing) -> None:
        if p.error is not None or p.prepared is None:
            self.ask = None
            p.done(f"candidate {p.ask.spec}: {p.error or 'not prepared'}")
            return
        engine, strategy = self.engine, p.prepared
        active = engine.active
        if p.ask.mode == "canary" and strategy.version == active.version:
            strategy.runner.close()
            self.ask = None
            p.done(f"canary: {strategy.spec} has the active version's version number (fills are told apart by "
                   "version)")
            return
        try:
            if p.resume_id is not None:
                row = cj.candidate(engine.journal, p.resume_id)
                assert row is not None
                slot = self._slot(p, strategy, row["id"], row["active"], from_micros(row["balance_micros"]),
                                  row["start_batch"], row["settlement_rowid"])
                if not slot.resume():
                    slot.warm_window = self._warm(strategy, active, int(row["start_batch"]),
                                                  defer=slot.mode != "canary")
                logger.info("candidate {} resumes at batch {}", strategy.spec, slot.cursor)
            else:
                start_batch = engine.cursor or 0
                warm = self._warm(strategy, active, start_batch, defer=p.ask.mode != "canary")
                cid = cj.start(engine.journal, spec=strategy.spec, mode=GUARD_MODE if p.guard else p.ask.mode,
                               markets=p.ask.markets, active=active.spec,
                               generation=GUARD_GENERATION if p.guard else p.ask.request, start_batch=start_batch,
                               analysis=p.analysis.model_dump(), auto_promote=p.ask.auto_promote,
                               balance=engine.ledger.balance)
                row = cj.candidate(engine.journal, cid)
                assert row is not None
                slot = self._slot(p, strategy, cid, active.spec, from_micros(row["balance_micros"]), start_batch,
                                  row["settlement_rowid"])
                slot.warm_window = warm  # a shadow warms up on its own thread, then snapshots
                slot.snapshot()
                logger.info("candidate {} shadows {} from batch {}", strategy.spec, active.spec, start_batch)
        except StrategyFault as exc:
            strategy.runner.close()
            self.ask = None
            p.done(f"candidate {strategy.spec} cannot start: {exc}")
            return
        self.slot, self.since, self._guard = slot, float(row["started_at"]), p.guard
        if slot.mode != "canary":
            self._thread = ShadowThread(slot)
        p.done(None)

    def _slot(self, p: _Preparing, strategy: ActiveStrategy, cid: int, active_spec: str, balance: Decimal,
              start_batch: int, settlement_rowid: int) -> CandidateSlot:
        shadow = p.ask.mode != "canary"  # a shadow works on its own thread, through its own connection
        journal = Journal(self.engine.journal.path) if shadow else self.engine.journal
        return CandidateSlot(journal=journal, own_journal=shadow, candidate_id=int(cid), strategy=strategy,
                             active_spec=active_spec, analysis=p.analysis, markets=self.engine.markets,
                             paper=self.engine.settings.paper, balance=balance, start_batch=int(start_batch),
                             settlement_rowid=int(settlement_rowid), outcome=self._outcome, books=self._books,
                             snapshot_every=self._snapshot_every,
                             canary_markets=frozenset(p.ask.markets) if p.ask.mode == "canary" else frozenset())

    def _warm(self, strategy: ActiveStrategy, active: ActiveStrategy, start_batch: int, *,
              defer: bool) -> tuple[int, int] | None:
        """The active version's state if it is the same strategy and the declarations let it cross
        (converted down if the active version writes what the candidate reads), else a warm-up on
        recent candles: returned as ``(since, until)`` for a shadow's own thread to do (``defer``),
        so a slow candidate's warm-up never holds the active version back; done here for a canary.
        An active version that cannot export its state never blocks a candidate: it warms up instead."""
        crossing = decide(active.state_decl, strategy.state_decl) if strategy.name == active.name else None
        if crossing is not None and crossing.carries:
            try:
                state = active.runner.export_state_json(crossing.export_schema)
            except StrategyFault as exc:  # the active version's fault: the candidate warms up without it
                logger.error("candidate {}: {} could not export its state ({}); it warms up without state",
                             strategy.spec, active.spec, exc)
            else:
                if state is not None:
                    strategy.runner.import_state_json(state, active.version)
                return None
        if crossing is not None:
            logger.info("candidate {}: {}", strategy.spec, crossing.describe(active.version, strategy.version))
        since = start_batch - self.engine.settings.warmup_seconds
        if defer:
            return since, start_batch
        self.engine.replay_into(strategy.runner, since, start_batch)
        return None

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
            elif slot.mode != "canary":
                self._thread = ShadowThread(slot)  # it goes on shadowing
            callbacks, self._promote_done = self._promote_done, []
            for cb in callbacks:
                cb(refusal)

        verdict = slot.analysis.verdict
        self.promoter.adopt(new=slot.strategy, generation=engine.desired.generation, done=finished, kind=kind,
                            reason=(reason if guard else f"candidate {verdict}: {reason}")[:300])

    def _take_from_thread(self, slot: CandidateSlot) -> bool:
        """Stop a shadow's thread after the batch it is deciding (its worker goes to the engine);
        False, with the promotion refused, if it is still busy after ``PROMOTE_WAIT``."""
        thread = self._thread
        if thread is None:
            return True
        with thread.held(PROMOTE_WAIT) as got:
            if not got:
                self._refuse_promotion(f"candidate {slot.spec} is still deciding a batch after {PROMOTE_WAIT:g} s "
                                       "(slow or hung): not promoted")
                return False
            thread.stopping()  # the thread takes no more batches
        thread.stop(PROMOTE_WAIT)
        self._thread = None
        return True

    def _start_guard(self, *, replaced: str, promoted: str, spec: AnalysisSpec) -> None:
        """After a promotion: the replaced version shadows the promoted one (see :mod:`.guard`)."""
        analysis = guard_spec(spec)
        if analysis is None or self.slot is not None or self._preparing is not None:
            return
        ask = CandidateRequest(spec=replaced, analysis=analysis.model_dump(), request=0)
        self.ask = ask
        preparing = self._preparing = _Preparing(spec=replaced, ask=ask, analysis=analysis, done=_ignore,
                                                 guard=Guard(promoted, replaced, spec))
        logger.info("guard: {} shadows {} for {} paired batches", replaced, promoted, spec.guard_batches)
        preparing.start(engine=self.engine, loader=self.loader, name=f"prepare guard {replaced}")

    def _refuse_promotion(self, reason: str) -> None:
        logger.warning(reason)
        callbacks, self._promote_done = self._promote_done, []
        for cb in callbacks:
            cb(reason)

    def _stop_thread(self, *, close_worker: bool) -> bool:
        """Stop the shadow's thread (closing its worker ends a call it hangs in); True once it ended."""
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.stopping()
        if close_worker and self.slot is not None:
            self.slot.strategy.runner.close()
        return thread.stop(PROMOTE_WAIT)

    def _end(self, outcome: str, reason: str, *, close: bool = True) -> None:
        slot = self.slot
        if slot is None:
            return
        self._stop_thread(close_worker=close)
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
        self.slot, self.ask, self._shown, self._guard = None, None, None, None

    def close(self) -> None:
        """Host shutdown: a final snapshot of the candidate, then stop its worker."""
        slot = self.slot
        self._closed = True
        if slot is not None:
            try:
                if self._stop_thread(close_worker=False):
                    slot.snapshot()  # else it hangs in its worker: it resumes from its last snapshot
            finally:
                slot.strategy.runner.close()
                slot.close_journal()
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
        slot, p, thread = self.slot, self._preparing, self._thread
        if slot is None:
            if p is not None:
                mode = GUARD_MODE if p.guard else p.ask.mode
                return {"spec": p.ask.spec, "mode": mode, "markets": list(p.ask.markets), "phase": "preparing",
                        "since": None, "verdict": "running", "reason": "loading the candidate"}
            return self._last
        if thread is None:
            return self._status(slot)
        with thread.held(STATUS_WAIT) as got:
            if got:
                self._shown = self._status(slot)
        return self._shown

    def _status(self, slot: CandidateSlot) -> dict[str, Any]:
        ask = self.ask
        return running_status(
            slot, mode=GUARD_MODE if self._guard else ask.mode if ask else "shadow",
            guard_of=self._guard.promoted if self._guard else None, markets=list(ask.markets) if ask else [],
            phase="stopped" if self._closed else "promoting" if self._promoting else "running", since=self.since,
            auto_promote=bool(ask and ask.auto_promote))
