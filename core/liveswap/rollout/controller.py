"""``RolloutController``: the one candidate control.json asks for -- start, run, promote, stop.

Lifecycle of a candidate (``candidate`` in control.json, one at a time):

* **preparing** -- on a thread, the swap's own preparation (:class:`~liveswap.swap.pending.Preparation`):
  load the version through the same :class:`~liveswap.swap.loader.VersionLoader` (registry
  checks, isolated install, sandboxed worker), then ``setup(params)``. The active version keeps trading.
* **starting** (between two batches) -- a new candidate takes the active version's exported state
  when it is the same strategy (``import_state(state, from_version)``), else it is warmed up on
  the journal's recent candles (decided, not traded). A candidate a previous run of this home
  was shadowing resumes from its newest snapshot instead, and decides the batches since.
* **running** -- after every batch the slot (:mod:`.slot`) decides the new batches.
* **ended** -- promoted (a hot swap that keeps the candidate's own state: its worker becomes
  the active one, no export, no import, no warm-up), rejected, or replaced; journaled with the
  verdict, its reason and the figures. With ``auto_promote`` a successful verdict promotes and a
  failed one rejects; an inconclusive one waits for the operator.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from loguru import logger

from liveswap.engine.active import ActiveStrategy
from liveswap.engine.canary import Canary
from liveswap.exceptions import StrategyFault
from liveswap.home.control import CandidateRequest
from liveswap.journal import candidates as cj
from liveswap.money import from_micros
from liveswap.registry.crossing import decide
from liveswap.rollout.hypothetical import OutcomeLookup
from liveswap.rollout.slot import CandidateSlot
from liveswap.rollout.spec import AnalysisSpec, AnalysisSpecError
from liveswap.swap.loader import VersionLoader
from liveswap.swap.pending import Done, Preparation

if TYPE_CHECKING:
    from liveswap.engine.loop import Engine



def _ignore(_reason: str | None) -> None:
    """A ``done`` for a request whose outcome another callback reports."""


@dataclass(slots=True, kw_only=True)
class _Preparing(Preparation):
    """A candidate on its way: the swap's own preparation (load, ``setup(params)``), plus the ask."""

    ask: CandidateRequest
    analysis: AnalysisSpec
    done: Done
    resume_id: int | None = None

    def drop(self) -> None:
        """This candidate was replaced or rejected before it started: stop it once it is loaded."""
        self.done("replaced before it started")
        prepared = self.cancel()
        if prepared is not None:
            prepared.runner.close()


class Promoter(Protocol):
    """What promotion needs of the swap manager (``SwapManager.adopt``)."""

    def adopt(self, *, new: ActiveStrategy, generation: int, done: Done, reason: str = "") -> None: ...


class RolloutController:
    def __init__(self, engine: Engine, loader: VersionLoader, promoter: Promoter, *,
                 outcome: OutcomeLookup | None = None, snapshot_every: int = 10) -> None:
        self.engine = engine
        self.loader = loader
        self.promoter = promoter
        self._outcome = outcome
        self._snapshot_every = snapshot_every
        self.slot: CandidateSlot | None = None
        self.ask: CandidateRequest | None = None
        self.since: float | None = None
        self._preparing: _Preparing | None = None
        self._promoting = False
        self._promote_done: list[Done] = []
        self._last: dict[str, Any] | None = None  # the last candidate that ended, for status
        self._closed = False  # the host stopped: the candidate resumes at the next start
        self._lock = threading.Lock()
        self._last = _ended(cj.history(engine.journal, 1))

    # ---- requests (from the control watcher, on the engine thread) ----------------------------

    def request(self, ask: CandidateRequest | None, *, generation: int, done: Done) -> None:
        """Apply control.json's ``candidate``: start, keep, promote or stop (reject) one.

        ``done`` is called once, on the engine thread: None when it took effect, else the refusal."""
        if ask is None:
            if self._preparing is not None:
                self._preparing.drop()
                self._preparing = None
            if self.slot is not None:
                self._end("rejected", "rejected by the operator")
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
        if ask.mode == "canary":
            refusal = self._canary_refusal(ask)
            if refusal is not None:
                done(refusal)
                return
        try:
            spec = AnalysisSpec.parse(ask.analysis)
        except AnalysisSpecError as exc:
            done(exc.reason)
            return
        previous = cj.by_generation(self.engine.journal, ask.request)
        resume_id = None
        if previous is not None:
            if previous["ended_at"] is not None:  # a previous run of this home finished it
                promoted = previous["outcome"] == "promoted"
                done(None if ask.promote is None or promoted else
                     f"candidate {ask.spec} already ended: {previous['outcome']} ({previous['reason']})")
                return
            resume_id = int(previous["id"])
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
            slot.catch_up(until=cursor, desired=engine.desired)
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
                    self._warm(strategy, active, int(row["start_batch"]))
                logger.info("candidate {} resumes at batch {}", strategy.spec, slot.cursor)
            else:
                start_batch = engine.cursor or 0
                self._warm(strategy, active, start_batch)
                cid = cj.start(engine.journal, spec=strategy.spec, mode=p.ask.mode, markets=p.ask.markets,
                               active=active.spec, generation=p.ask.request, start_batch=start_batch,
                               analysis=p.analysis.model_dump(), auto_promote=p.ask.auto_promote,
                               balance=engine.ledger.balance)
                row = cj.candidate(engine.journal, cid)
                assert row is not None
                slot = self._slot(p, strategy, cid, active.spec, from_micros(row["balance_micros"]), start_batch,
                                  row["settlement_rowid"])
                slot.snapshot()
                logger.info("candidate {} shadows {} from batch {}", strategy.spec, active.spec, start_batch)
        except StrategyFault as exc:
            strategy.runner.close()
            self.ask = None
            p.done(f"candidate {strategy.spec} cannot start: {exc}")
            return
        self.slot, self.since = slot, float(row["started_at"])
        p.done(None)

    def _slot(self, p: _Preparing, strategy: ActiveStrategy, cid: int, active_spec: str, balance: Decimal,
              start_batch: int, settlement_rowid: int) -> CandidateSlot:
        return CandidateSlot(journal=self.engine.journal, candidate_id=int(cid), strategy=strategy,
                             active_spec=active_spec, analysis=p.analysis, markets=self.engine.markets,
                             paper=self.engine.settings.paper, balance=balance, start_batch=int(start_batch),
                             settlement_rowid=int(settlement_rowid), outcome=self._outcome,
                             snapshot_every=self._snapshot_every,
                             canary_markets=frozenset(p.ask.markets) if p.ask.mode == "canary" else frozenset())

    def _warm(self, strategy: ActiveStrategy, active: ActiveStrategy, start_batch: int) -> None:
        """The active version's state if it is the same strategy and the declarations let it cross
        (converted down if the active version writes what the candidate reads), else a warm-up on
        recent candles."""
        crossing = decide(active.state_decl, strategy.state_decl) if strategy.name == active.name else None
        if crossing is not None and crossing.carries:
            state = active.runner.export_state_json(crossing.export_schema)
            if state is not None:
                strategy.runner.import_state_json(state, active.version)
            return
        if crossing is not None:
            logger.info("candidate {}: {}", strategy.spec, crossing.describe(active.version, strategy.version))
        since = start_batch - self.engine.settings.warmup_seconds
        self.engine.replay_into(strategy.runner, since, start_batch)

    # ---- promotion and the end --------------------------------------------------------------------

    def _promote(self) -> None:
        """Make the candidate the active version now (we are between two batches): a swap that
        keeps the candidate's own state. Its worker has decided every batch the active one has."""
        slot = self.slot
        if slot is None or self._promoting:
            return
        engine = self.engine
        if engine.cursor is not None and engine.cursor > slot.cursor:
            slot.catch_up(until=engine.cursor, desired=engine.desired)
        self._promoting = True  # from the next batch a promoted canary trades every market
        slot.snapshot()
        reason = slot.analysis.reason if slot.analysis.done else "promoted by the operator before a verdict"

        def finished(refusal: str | None) -> None:
            self._promoting = False
            if refusal is None:
                self._end("promoted", reason, close=False)
            callbacks, self._promote_done = self._promote_done, []
            for cb in callbacks:
                cb(refusal)

        verdict = slot.analysis.verdict
        self.promoter.adopt(new=slot.strategy, generation=engine.desired.generation, done=finished,
                            reason=f"candidate {verdict}: {reason}"[:300])

    def _end(self, outcome: str, reason: str, *, close: bool = True) -> None:
        slot = self.slot
        if slot is None:
            return
        if outcome != "promoted" and not slot.analysis.done:
            slot.analysis.terminate(slot.comparison, f"{outcome} by the operator")
        self._last = self.status()
        assessment = slot.analysis.assess(slot.comparison)
        cj.end(self.engine.journal, slot.candidate_id, outcome=outcome, verdict=slot.analysis.verdict,
               reason=reason, figures={**slot.figures(), "analysis": assessment.to_dict()})
        if self._last is not None:
            self._last.update(phase=outcome, ended_reason=reason, bets_to_decision=None, ended_at=time.time())
        logger.info("candidate {} {}: {} ({})", slot.spec, outcome, slot.analysis.verdict, reason)
        if close:
            slot.strategy.runner.close()
        self.slot, self.ask = None, None

    def close(self) -> None:
        """Host shutdown: a final snapshot of the candidate, then stop its worker."""
        slot = self.slot
        self._closed = True
        if slot is not None:
            try:
                slot.snapshot()
            finally:
                slot.strategy.runner.close()
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
        slot, ask, p = self.slot, self.ask, self._preparing
        if slot is None:
            if p is not None:
                return {"spec": p.ask.spec, "mode": p.ask.mode, "markets": list(p.ask.markets), "phase": "preparing",
                        "since": None, "verdict": "running", "reason": "loading the candidate"}
            return self._last
        assessment = slot.analysis.assess(slot.comparison)
        cand, act = slot.comparison.candidate, slot.comparison.active
        return {
            "spec": slot.spec, "mode": ask.mode if ask else "shadow", "markets": list(ask.markets) if ask else [],
            "phase": "stopped" if self._closed else "promoting" if self._promoting else "running",
            "since": self.since,
            "auto_promote": bool(ask and ask.auto_promote), "cursor": slot.cursor,
            "bets": cand.bets, "win_rate": _round(cand.win_rate), "pnl": round(cand.pnl, 6),
            "verdict": assessment.verdict, "reason": assessment.reason,
            "bets_to_decision": assessment.bets_to_decision,
            "active": {"spec": act.spec, "bets": act.bets, "win_rate": _round(act.win_rate), "pnl": round(act.pnl, 6)},
            "figures": slot.figures(), "analysis": assessment.to_dict(),
            "decide_ms_p50": _p50(slot.decide_ms), "last_fault": slot.last_fault, "updated_at": time.time(),
        }


def _ended(rows: list[Any]) -> dict[str, Any] | None:
    """The status of the newest candidate a previous run of this home ended, from the journal."""
    if not rows or rows[0]["ended_at"] is None:
        return None
    row = rows[0]
    figures = json.loads(row["figures"]) if row["figures"] else {}
    cand = figures.get("candidate", {})
    return {"spec": row["spec"], "mode": row["mode"], "markets": json.loads(row["markets"]), "phase": row["outcome"],
            "since": row["started_at"], "ended_at": row["ended_at"], "verdict": row["verdict"] or "running",
            "reason": (figures.get("analysis") or {}).get("reason", ""), "ended_reason": row["reason"],
            "bets": cand.get("bets", 0), "win_rate": cand.get("win_rate"), "pnl": cand.get("pnl", 0.0),
            "active": figures.get("active"), "figures": figures or None, "analysis": figures.get("analysis"),
            "bets_to_decision": None}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _p50(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[len(ordered) // 2], 3)
