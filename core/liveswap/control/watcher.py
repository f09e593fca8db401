"""The host side of ``control.json``: notice a change, validate the whole file, apply it between batches.

:class:`ControlWatcher` is a step between two batches (``liveswap.host.Host.steps``). The engine calls it after every
candle batch and from its idle loop (which wakes at least every 200 ms), and each call costs one
``stat``: the file is read only when its inode, size or mtime changed. Then:

1. the whole file is validated (:mod:`liveswap.home.control`); a bad file is refused with its
   field path and reason in ``status.control_error`` and the log, and the last good desired
   state stays in force;
2. params go to the running strategy's ``on_params`` (a strategy that raises there refuses the
   params, which keep their previous value; a risk limit above the host's start-up ceiling is held
   likewise: the rest of the generation applies, and later generations are never blocked by it),
   then pause, paused markets, params and risk limits
   become the engine's desired state at once (:meth:`Engine.apply_desired`): the next batch's
   intents and ``Context.params`` see them; the host's own automatic pause is not touched;
3. a new ``active`` or ``rollback`` request goes to the hot swap (a :class:`SwapRequester`, the
   host's ``SwapManager``);
4. a changed ``candidate`` goes to the rollout (a :class:`CandidateRequester`, the host's
   ``liveswap.rollout.controller.RolloutController``): start, promote or stop the candidate;
   each of 3 and 4 is :class:`~liveswap.control.progress.Work` under way until it took effect or
   was refused, and ``observed_generation`` -- hence when ``--wait`` returns -- waits for it
   (:mod:`liveswap.control.progress`, the one place that decides it);
5. the generation is recorded in the journal (applied or refused, with the reason) and a status
   is written at once, so ``liveswap ... --wait`` returns without waiting for a heartbeat.
"""

from __future__ import annotations

import enum
import json
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from loguru import logger

from liveswap.control.progress import Progress, Work
from liveswap.engine import ActiveStrategy, Desired
from liveswap.exceptions import ControlError
from liveswap.home import CandidateRequest, ControlDoc, HomePaths, Refusal, load_control
from liveswap.runners import StrategyFault
from liveswap.settings import RiskLimits
from liveswap.specs import parse_spec

if TYPE_CHECKING:
    from liveswap.engine import Engine
    from liveswap.journal import Journal

RECENT_REFUSALS = 20
NO_SWAP = "hot swap not available in this host"

Signature = tuple[int, int, int] | None
"""A file's (inode, size, mtime_ns), None when there is no file."""


class _Unseen(enum.Enum):
    """Not looked at yet (distinct from None: "no file", "no candidate")."""

    UNSEEN = enum.auto()


UNSEEN = _Unseen.UNSEEN
Outcome = Work | str | None
"""What a request handed on became: None (took effect), :class:`Work` (under way), else the refusal."""


class SwapRequester(Protocol):
    """The host's swap machinery (``liveswap.swap.manager.SwapManager``): asynchronous; ``done``
    is called once, from the engine thread, with None (done) or the one-line refusal."""

    def request(self, *, kind: Any, spec: str | None, generation: int, done: Callable[[str | None], None]) -> None:
        ...


class CandidateRequester(Protocol):
    """The host's rollout (``liveswap.rollout.controller.RolloutController``): asynchronous like the
    swap; ``done`` is called once, from the engine thread, with None or the one-line refusal."""

    def request(self, ask: CandidateRequest | None, *, generation: int, done: Callable[[str | None], None]) -> None:
        ...


@dataclass(frozen=True, slots=True)
class SwapRequest:
    """What the control watcher asks of the swap: ``spec`` is ``"name==version"`` or ``"name"``
    (newest compatible); for a rollback it is None ("the version active before the current one")
    or the ``name==version`` asked for."""

    kind: Literal["activate", "rollback"]
    spec: str | None
    generation: int


def unapplied_active(doc: ControlDoc | None, journal: Journal) -> str | None:
    """The ``active`` a starting host should load: set in a generation no run of this home handled yet."""
    if doc is None or doc.active is None or doc.generation <= journal.last_control_generation():
        return None
    return doc.active


def desired_from(doc: ControlDoc, base_risk: RiskLimits) -> Desired:
    """The engine's :class:`Desired` for a valid control file (risk: the host's settings + overrides).

    The settings the host started with are ceilings: an override may lower a limit, never raise it
    (a limit above its ceiling is held at the ceiling here; :func:`above_ceiling` names it so the
    watcher can refuse the generation)."""
    risk = doc.risk_limits(base_risk)
    capped = RiskLimits(stake_cap=min(risk.stake_cap, base_risk.stake_cap),
                        max_open_positions=min(risk.max_open_positions, base_risk.max_open_positions),
                        daily_loss_limit=min(risk.daily_loss_limit, base_risk.daily_loss_limit))
    return Desired(paused=doc.paused, paused_markets=set(doc.paused_markets), params=dict(doc.params),
                   risk=capped, generation=doc.generation, resume_request=doc.resume_request)


def over_ceiling(doc: ControlDoc, ceiling: RiskLimits) -> dict[str, tuple[float, float]]:
    """Each risk override above the limit the host started with: ``{key: (asked, ceiling)}``."""
    asked = doc.risk_limits(ceiling).model_dump()
    top = ceiling.model_dump()
    return {key: (asked[key], top[key]) for key in top if asked[key] > top[key]}


def above_ceiling(doc: ControlDoc, ceiling: RiskLimits) -> str | None:
    """One line naming every risk override above the limit the host started with, and how to undo it; or None."""
    over = over_ceiling(doc, ceiling)
    if not over:
        return None
    named = "; ".join(f"risk.{key} {asked:g} is above {top:g}" for key, (asked, top) in over.items())
    undo = " ".join(f"risk.{key}=null" for key in over)
    return (f"refused: {named}, the limit the host started with (settings): at run time a risk limit may only be "
            f"lowered; the previous limit stays (undo: liveswap set {undo})")


def runs(active: ActiveStrategy, spec: str) -> bool:
    """True if ``active`` is what ``spec`` (``name`` or ``name==version``) asks for."""
    name, version = parse_spec(spec)
    return active.name == name and (version is None or active.version == version)


def _signature(path: Path) -> Signature:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class ControlWatcher:
    """The step between two batches that applies ``state/control.json``; see the module docstring."""

    __name__ = "control_watcher"

    def __init__(self, state_dir: Path, *, started_with: ControlDoc | None = None,
                 swaps: SwapRequester | None = None, rollouts: CandidateRequester | None = None) -> None:
        self.state_dir = state_dir
        self.path = HomePaths(state_dir).control
        self.swaps = swaps
        self.rollouts = rollouts
        self._candidate_key: str | None | _Unseen = UNSEEN
        self.progress = Progress()
        self.started_with = started_with
        self.last_good: ControlDoc | None = started_with
        self.refusals: deque[Refusal] = deque(maxlen=RECENT_REFUSALS)
        self._seen: Signature | _Unseen = UNSEEN
        self._started = False
        self._rereading = False
        self._recorded_upto = 0
        self._swap_key: tuple[str | None, int | None] | None = None
        self._rollback_upto = 0
        self.control_error: str | None = None
        """Why the last control.json was refused as a whole, or what of it is held back (``control_error`` in
        status.json), or None."""
        self._refused_risk: str | None = None
        self._refused_params: tuple[dict[str, Any], str] | None = None

    # ---- the callback -----------------------------------------------------------------------

    def __call__(self, engine: Engine) -> None:
        first = not self._started
        if first:
            self._start(engine)
        self._rereading = first
        sig = _signature(self.path)
        if sig == self._seen:
            return
        had_file = self._seen is not None and self._seen is not UNSEEN
        self._seen = sig
        if sig is None:
            if had_file:
                logger.warning("state/control.json was removed; generation {} stays in force",
                               engine.desired.generation)
            return
        self.apply_file(engine)
        engine.heartbeat()

    def _start(self, engine: Engine) -> None:
        """What a previous run of this home already handled, from the journal."""
        self._started = True
        self._recorded_upto = engine.journal.last_control_generation()
        self._rollback_upto = self._recorded_upto
        doc = self.started_with
        if doc is not None and doc.active is not None and (
                runs(engine.active, doc.active) or doc.generation <= self._recorded_upto):
            # the host started with it, or decided on it before this restart (e.g. rolled it back)
            self._swap_key = (doc.active, doc.active_request)

    # ---- applying ---------------------------------------------------------------------------

    def apply_file(self, engine: Engine) -> None:
        """Load control.json with the home's own loader and apply it (a bad file is refused)."""
        try:
            doc = load_control(self.state_dir, engine.markets)
        except ControlError as exc:
            self._refuse_file(engine, str(exc), exc.generation)
            return
        if doc is not None:
            self.apply(engine, doc)

    def apply(self, engine: Engine, doc: ControlDoc) -> None:
        """Make ``doc`` the desired state of ``engine`` (see the module docstring).

        A part the host refuses (a risk limit above its ceiling, params the strategy refuses) keeps its previous
        value and is reported once, in the generation that asked for it; the rest of that generation, and every
        later one, applies: a refused field never blocks a pause, a resume or a rollback."""
        gen = doc.generation
        before = engine.desired
        desired, held = self._held_back(engine, doc, before)
        changes = _describe(before, desired)
        engine.apply_desired(desired, reason=f"control generation {gen}: {changes or 'no change'}")
        self.control_error = " ".join(reason for _, reason in held.values()) or None
        self.last_good = doc
        outcome = self._swap(engine, doc)
        if not isinstance(outcome, str):
            outcome = self._candidate(engine, doc) or outcome
        news = [reason for new, reason in held.values() if new]
        if isinstance(outcome, str):
            news.append(outcome)
        if news:
            self._refuse(engine, gen, "; ".join(news), partial=bool(changes) or not isinstance(outcome, str))
        elif outcome is None:
            self._record(engine, gen, True, changes or "no change")
        self.progress.applied(gen)
        logger.info("control generation {} applied: {}{}", gen, changes or "no change",
                    "" if outcome is None else "; swap in progress" if isinstance(outcome, Work) else
                    f"; swap refused: {outcome}")

    def _held_back(self, engine: Engine, doc: ControlDoc, before: Desired) -> tuple[Desired, dict[str, Any]]:
        """``doc``'s desired state with what the host refuses held at its previous value, and what was held:
        ``{"risk" | "params": (newly refused in this generation, reason)}``."""
        desired = desired_from(doc, engine.settings.risk)
        held: dict[str, Any] = {}
        over = over_ceiling(doc, engine.settings.risk)
        if over:
            desired.risk = desired.risk.model_copy(update={k: getattr(before.risk, k) for k in over})
            key = repr(sorted(over.items()))
            held["risk"] = (key != self._refused_risk, above_ceiling(doc, engine.settings.risk))
            self._refused_risk = key
        else:
            self._refused_risk = None
        if desired.params != before.params:
            refused = self._params_refused(engine, desired.params)
            if refused is not None:
                held["params"] = refused
                desired.params = dict(before.params)
        return desired, held

    def _params_refused(self, engine: Engine, params: dict[str, Any]) -> tuple[bool, str] | None:
        """Hand new params to the strategy's ``on_params``: None if it took them, else (newly refused, why).
        Params it refused are not offered again (a later generation keeps them out without a new refusal)."""
        if self._refused_params is not None and params == self._refused_params[0]:
            return False, self._refused_params[1]
        try:
            engine.active.runner.on_params(dict(params))
        except StrategyFault as exc:
            reason = (f"{engine.active.spec} refused the params in on_params: {exc}; the previous params stay "
                      "(liveswap set KEY=null removes a param)")
            self._refused_params = (dict(params), reason)
            return True, reason
        self._refused_params = None
        return None

    @property
    def observed_generation(self) -> int | None:
        """The control generation the host has reached (None: none applied by this run yet); when
        ``--wait`` returns is decided there (:mod:`liveswap.control.progress`)."""
        return self.progress.observed

    def _swap(self, engine: Engine, doc: ControlDoc) -> Outcome:
        request = self._swap_request(engine, doc)
        if request is None:
            return None
        logger.info("control generation {}: {} {}", doc.generation, request.kind, request.spec or "(previous)")
        if self.swaps is None:
            return NO_SWAP
        return self._request_swap(engine, request)

    def _candidate(self, engine: Engine, doc: ControlDoc) -> Outcome:
        """Hand a changed ``candidate`` to the rollout; its :class:`Work` while under way."""
        key = None if doc.candidate is None else doc.candidate.model_dump_json()
        if key == self._candidate_key:
            return None
        self._candidate_key = key
        if self.rollouts is None:
            return None if doc.candidate is None else "shadow and canary are not available in this host"
        gen = doc.generation
        work = Work(gen, "candidate")
        self.progress.start(work)
        what = "candidate removed" if doc.candidate is None else f"candidate {doc.candidate.spec}"

        def done(reason: str | None) -> None:
            self.progress.finish(work)
            if self.progress.under_way(Work(gen, "swap")):
                return  # the generation's swap records it when it is over
            if reason is None:
                self._record(engine, gen, True, f"{what}: done")
            else:
                self._refuse(engine, gen, reason)
            engine.heartbeat()

        try:
            self.rollouts.request(doc.candidate, generation=gen, done=done)
        except Exception as exc:  # noqa: BLE001 - a rollout that blows up is a refusal, never a host crash
            logger.exception("candidate request for generation {} failed", gen)
            if self.progress.under_way(work):
                done(f"candidate failed: {type(exc).__name__}: {exc}")
        return work if self.progress.under_way(work) else None

    def _request_swap(self, engine: Engine, request: SwapRequest) -> Work:
        """Hand ``request`` to the asynchronous swap manager; its outcome is recorded when it is over."""
        gen = request.generation
        work = Work(gen, "swap")
        self.progress.start(work)

        def done(reason: str | None) -> None:
            self.progress.finish(work)
            if reason is None:
                self._record(engine, gen, True, f"{request.kind} {request.spec or '(previous)'}: done")
            else:
                self._refuse(engine, gen, reason)
            engine.heartbeat()

        try:
            assert self.swaps is not None
            self.swaps.request(kind=request.kind, spec=request.spec, generation=gen, done=done)
        except Exception as exc:  # noqa: BLE001 - a swap that blows up is a refusal, never a host crash
            logger.exception("swap for generation {} failed", gen)
            if self.progress.under_way(work):
                done(f"{request.kind} failed: {type(exc).__name__}: {exc}")
        return work

    def _swap_request(self, engine: Engine, doc: ControlDoc) -> SwapRequest | None:
        if doc.rollback is not None:
            if doc.rollback.request <= self._rollback_upto:
                return None
            self._rollback_upto = doc.rollback.request
            spec = None if doc.rollback.to is None else f"{engine.active.name}=={doc.rollback.to}"
            return SwapRequest(kind="rollback", spec=spec, generation=doc.generation)
        key = (doc.active, doc.active_request)
        if doc.active is None or key == self._swap_key:
            return None
        self._swap_key = key
        if parse_spec(doc.active).version is not None and runs(engine.active, doc.active):
            return None  # already running exactly that
        return SwapRequest(kind="activate", spec=doc.active, generation=doc.generation)

    # ---- refusals and records ---------------------------------------------------------------

    def _refuse_file(self, engine: Engine, reason: str, generation: int | None) -> None:
        self.control_error = reason
        logger.error("{}; keeping generation {}", reason, engine.desired.generation)
        if generation is not None:
            self._refuse(engine, generation, reason, log=False)

    def _refuse(self, engine: Engine, generation: int, reason: str, *, log: bool = True,
                partial: bool = False) -> None:
        if log:
            logger.warning("control generation {} refused{}: {}", generation, " in part" if partial else "", reason)
        self.refusals.append(Refusal(generation=generation, reason=reason, partial=partial))
        self._record(engine, generation, False, reason)

    def _record(self, engine: Engine, generation: int, ok: bool, reason: str) -> None:
        if self._rereading and generation <= self._recorded_upto:
            return  # the start-up re-read of a generation a previous run already recorded
        engine.journal.record_control(generation=generation, ok=ok, reason=reason)
        self._recorded_upto = max(self._recorded_upto, generation)


def _describe(before: Desired, after: Desired) -> str:
    parts = []
    if before.paused != after.paused:
        parts.append("paused" if after.paused else "resumed")
    for m in sorted(after.paused_markets - before.paused_markets):
        parts.append(f"paused {m}")
    for m in sorted(before.paused_markets - after.paused_markets):
        parts.append(f"resumed {m}")
    if before.params != after.params:
        parts.append(f"params {json.dumps(after.params, sort_keys=True)}")
    if before.risk != after.risk:
        changed = {k: v for k, v in after.risk.model_dump().items() if getattr(before.risk, k) != v}
        parts.append("risk " + ", ".join(f"{k}={v}" for k, v in changed.items()))
    return "; ".join(parts)
