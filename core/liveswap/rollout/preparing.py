"""A candidate on its way: its request admitted (:func:`admit`), its preparation, and what promoting
it needs of the swap manager.

:class:`Preparing` is the swap's own preparation (:class:`~liveswap.swap.pending.Preparation`:
load the version, ``setup(params)``, on a thread) plus the control.json ask it answers, its
analysis and, for a guard after a promotion, the :class:`~liveswap.rollout.guard.Guard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from liveswap.engine import ActiveStrategy
from liveswap.home import CandidateRequest
from liveswap.journal import candidates as cj
from liveswap.rollout.guard import Guard
from liveswap.rollout.spec import AnalysisSpec, AnalysisSpecError
from liveswap.swap import Done, Preparation

if TYPE_CHECKING:
    from liveswap.engine import Engine

SwapKind = Literal["promote", "rollback"]  # what a promotion is journaled as (a guard's: a rollback)


def ignore(_reason: str | None) -> None:
    """A ``done`` for a request whose outcome another callback reports."""


@dataclass(slots=True, kw_only=True)
class Preparing(Preparation):
    """A candidate on its way: the swap's own preparation (load, ``setup(params)``), plus the ask."""

    ask: CandidateRequest
    analysis: AnalysisSpec
    done: Done
    resume_id: int | None = None
    guard: Guard | None = None  # the replaced version, shadowing the version promoted over it

    @classmethod
    def for_guard(cls, guard: Guard, analysis: AnalysisSpec, *, resume_id: int | None = None) -> Preparing:
        """The replaced version, on its way to shadow the version promoted over it (a new guard or one resuming)."""
        ask = CandidateRequest(spec=guard.replaced, analysis=analysis.model_dump(), request=0)
        return cls(spec=guard.replaced, ask=ask, analysis=analysis, done=ignore, guard=guard, resume_id=resume_id)

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


@dataclass(frozen=True, slots=True)
class Refusal:
    """A candidate request that starts nothing: ``answer`` is its ``done`` (None: nothing to do)."""

    answer: str | None


def _canary_refusal(engine: Engine, ask: CandidateRequest) -> str | None:
    known = engine.markets
    unknown = [m for m in ask.markets if m not in known]
    if unknown:
        return f"canary: unknown market(s) {', '.join(unknown)}"
    if len(set(ask.markets)) >= len(known):
        return "canary: the active version must keep at least one market"
    version = ask.spec.partition("==")[2]
    if version and version == engine.active.version:
        return (f"canary: {ask.spec} has the active version's version number {version} (the host tells "
                "their fills apart by version)")
    return None


def admit(engine: Engine, ask: CandidateRequest) -> tuple[AnalysisSpec, int | None] | Refusal:
    """A new candidate request checked: its analysis and the journal id of the candidate a previous run
    of this home was running for it (to resume), or the :class:`Refusal` (a previous run finished it)."""
    refusal = _canary_refusal(engine, ask) if ask.mode == "canary" else None
    if refusal is not None:
        return Refusal(refusal)
    try:
        spec = AnalysisSpec.parse(ask.analysis)
    except AnalysisSpecError as exc:
        return Refusal(exc.reason)
    previous = cj.by_generation(engine.journal, ask.request)
    if previous is None:
        return spec, None
    if previous["ended_at"] is not None:  # a previous run of this home finished it
        promoted = previous["outcome"] == "promoted"
        return Refusal(None if ask.promote is None or promoted else
                       f"candidate {ask.spec} already ended: {previous['outcome']} ({previous['reason']})")
    return spec, int(previous["id"])
