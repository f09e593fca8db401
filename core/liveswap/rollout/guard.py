"""The guard after a promotion (Argo Rollouts' background analysis, the other way round).

When a candidate has been promoted, the version it replaced keeps deciding hypothetically -- a
shadow of the old version beside the new active one -- for ``guard_batches`` paired batches,
judged by the same paired, anytime-valid money judge with the roles swapped: the observation is
(old - new) PnL per dollar per batch. The declared loss guard:

* **behind beyond the margin** -- the judge's lower bound of (old - new) clears ``-margin``: the
  new version makes less than the old one by more than the rollout's margin (false rate alpha);
* **drawdown** -- the new version's realized drawdown since the promotion exceeds
  ``guard_max_drawdown`` USD (if declared);

either rolls back to the replaced version (a swap that keeps the old version's shadow state,
journaled with the numbers); the guard otherwise ends when the judge's upper bound says the old
version is worse by more than the margin, or at ``guard_batches`` (the new version is kept).

**A guard survives a restart.** It is a candidate row in the journal (mode ``guard``, its own
analysis, snapshots and hypothetical book, like any shadow); :func:`open_guard` finds the one a
previous run left open and the controller resumes it from its newest snapshot while the promoted
version is still the active one (if another version is active by then, the guard ends as
``replaced``). **``reject`` during a guard ends the guard and keeps the new version** (outcome
``kept``, "ended by the operator"): the operator has seen the promotion and chooses to stop
watching it; going back is ``undo``/``rollback``, never a side effect of a reject.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from liveswap.journal import Journal
from liveswap.journal import candidates as cj
from liveswap.rollout.slot import CandidateSlot
from liveswap.rollout.spec import AnalysisSpec

GUARD_MODE = "guard"
GUARD_GENERATION = -1  # a guard is started by the host, never by a control.json generation
Action = Literal["rollback", "kept"]
Verdict = Literal["promote", "rollback", "kept", "rejected"]


@dataclass(frozen=True, slots=True)
class Guard:
    """A guard running: the promoted version (now active) and the rollout's declaration."""

    promoted: str
    replaced: str
    spec: AnalysisSpec


def guard_spec(spec: AnalysisSpec) -> AnalysisSpec | None:
    """The analysis of the old version's shadow after a promotion under ``spec`` (None: no guard)."""
    if spec.guard_batches <= 0:
        return None
    return spec.with_overrides(min_edge=-spec.margin, horizon=spec.guard_batches, min_bets=1,
                               max_bets=10 ** 9, guard_batches=0).model_copy(
        update={"max_candles": None, "max_drawdown": None, "max_pnl_shortfall": None, "max_fault_rate": None})


def guard_action(guard: Guard, slot: CandidateSlot) -> tuple[Action, str] | None:
    """What the guard does after a batch: roll back, keep the new version (the guard ends), or nothing."""
    limit = guard.spec.guard_max_drawdown
    drawdown = slot.comparison.active.max_drawdown
    if limit is not None and drawdown > limit:
        return "rollback", (f"guard: {guard.promoted} drew down {drawdown:.2f} USD since its promotion > "
                            f"guard_max_drawdown {limit:g}; back to {guard.replaced}")
    if not slot.analysis.done:
        return None
    money = slot.analysis.money()
    if slot.analysis.verdict == "successful":
        return "rollback", (f"guard: {guard.promoted} is behind {guard.replaced} beyond the margin "
                            f"{guard.spec.margin:+g}: {guard.replaced} minus {guard.promoted} is "
                            f"{money['estimate']:+.4f} per batch, lower bound {money['lower']:+.4f} > "
                            f"{-guard.spec.margin:+g} after {money['batches']} paired batches "
                            f"(alpha {money['alpha']:g})")
    return "kept", f"guard ended, {guard.promoted} kept: {slot.analysis.reason}"


def verdict_action(slot: CandidateSlot, *, guard: Guard | None, auto_promote: bool) -> tuple[Verdict, str] | None:
    """What the controller does after a batch: a guard's rollback or end (:func:`guard_action`); with
    ``auto_promote``, a successful verdict promotes and a failed one rejects; else nothing."""
    if guard is not None:
        return guard_action(guard, slot)
    if not auto_promote or not slot.analysis.done:
        return None
    if slot.analysis.verdict == "successful":
        return "promote", slot.analysis.reason
    if slot.analysis.verdict == "failed":
        return "rejected", f"auto: {slot.analysis.reason}"
    return None


def open_guard(journal: Journal, *, active: str) -> tuple[int, Guard] | None:
    """The guard a previous run of this home left running (its candidate id), to resume while its
    promoted version is ``active``; one whose promoted version is no longer active is ended (``replaced``)."""
    row = cj.open_candidate(journal)
    if row is None or row["mode"] != GUARD_MODE:
        return None
    guard = Guard(promoted=str(row["active"]), replaced=str(row["spec"]),
                  spec=AnalysisSpec.parse(json.loads(row["analysis"])))
    if guard.promoted != active:
        cj.end(journal, int(row["id"]), outcome="replaced", verdict="inconclusive", figures={},
               reason=f"guard ended: {guard.promoted} is no longer the active version ({active})")
        return None
    return int(row["id"]), guard


def end_resumed_guard(journal: Journal, candidate_id: int, guard: Guard) -> None:
    """``reject`` while a guard is still resuming: it ends, the promoted version kept."""
    cj.end(journal, candidate_id, outcome="kept", verdict="inconclusive", figures={},
           reason=f"guard ended by the operator: {guard.promoted} kept")
