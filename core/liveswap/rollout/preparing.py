"""A candidate on its way, and what promoting it needs of the swap manager.

:class:`Preparing` is the swap's own preparation (:class:`~liveswap.swap.pending.Preparation`:
load the version, ``setup(params)``, on a thread) plus the control.json ask it answers, its
analysis and, for a guard after a promotion, the :class:`~liveswap.rollout.guard.Guard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from liveswap.engine.active import ActiveStrategy
from liveswap.home.control import CandidateRequest
from liveswap.rollout.guard import Guard
from liveswap.rollout.spec import AnalysisSpec
from liveswap.swap.pending import Done, Preparation

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
