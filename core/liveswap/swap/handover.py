"""How a swap between two versions of one strategy hands the state over, decided before it starts.

:func:`plan` is the decision (:func:`liveswap.registry.crossing.decide` on the two versions'
declared ``__liveswap_state__``): carried directly, converted down (the source's
``export_state(schema=N)``), not at all, or -- a side declares nothing -- left to the target's
``import_state`` at run time. When the state does not cross, :func:`resume_own` starts the target
from its own last state of that strategy (:class:`~liveswap.swap.ownstate.VersionStates`) plus a
replay of the batches since, or warms it up without state.

What happened is a :data:`Crossed` -- ``(mode, sentence)`` -- journaled with the swap
(``swap_states``), shown by ``history``, ``activate --wait``/``rollback --wait`` and in
``last_swap.state`` of ``status.json``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from liveswap.engine import ActiveStrategy, Engine
from liveswap.exceptions import LoadError
from liveswap.registry import Crossing, decide
from liveswap.runners import StrategyFault
from liveswap.swap.loader import VersionLoader
from liveswap.swap.ownstate import VersionStates
from liveswap.swap.revival import warm_up, warm_without_state
from liveswap.swap.shelf import StateShelf
from liveswap.swap.staging import Exchange, Staged, State, exchange_now, export_for, export_state, import_state

__all__ = ["Crossed", "HandOver", "bring_back_own", "carried", "hand_over", "keep_own", "plan", "resume_own",
           "short_fault", "start_apart"]

Crossed = tuple[str, str]
"""``(mode, sentence)``: mode ``direct``, ``converted``, ``carried`` (undeclared, accepted at run
time), ``own`` (the target's own last state plus a replay), ``warm-up`` or ``kept`` (a candidate's
own live state)."""


def plan(old: ActiveStrategy, new: ActiveStrategy) -> Crossing | None:
    """The crossing between two versions of the same strategy; None for another strategy or the same version."""
    if old.name != new.name or old.spec == new.spec:
        return None
    return decide(old.state_decl, new.state_decl)


def carried(crossing: Crossing, old: ActiveStrategy, new: ActiveStrategy) -> Crossed:
    """What a state that crossed is called: ``direct``, ``converted`` or (undeclared) ``carried``."""
    if crossing.mode == "runtime":
        return "carried", f"state carried: {new.version}'s import_state took {old.version}'s state (undeclared)"
    return crossing.mode, crossing.describe(old.version, new.version)


def keep_own(versions: VersionStates, *, version: ActiveStrategy, batch_end: int, state: State) -> None:
    """``version`` stops trading: its state as exported now is its own last state from now on."""
    decl = version.state_decl
    versions.put(name=version.name, version=version.version, schema=decl.schema if decl else None,
                 batch_end=batch_end, state=state)


def resume_own(*, engine: Engine, versions: VersionStates, target: ActiveStrategy, why: str) -> Crossed:
    """Bring ``target`` to the present without the source's state: its own last state of the strategy
    (or one of a schema it declares it reads) plus a replay of the batches since, else a warm-up
    without state. Raises :class:`StrategyFault` only when even the warm-up fails."""
    until = engine.cursor
    decl = target.state_decl
    kept = versions.own(name=target.name, version=target.version, reads=decl.reads if decl else None)
    if kept is not None and until is not None and kept.batch_end <= until:
        try:
            if kept.state is not None:
                import_state(target.runner, kept.state, kept.version)
            engine.replay_into(target.runner, kept.batch_end, until)
        except StrategyFault as exc:
            if not target.runner.alive:
                raise
            logger.warning("{} cannot resume its kept state ({}); it warms up without state", target.spec, exc)
        else:
            whose = ("its own last state" if kept.version == target.version
                     else f"the last state of {kept.version} (schema {kept.schema}, which it reads)")
            return "own", f"{why}: {target.version} resumed {whose} plus a replay of the candles since"
    warm_without_state(engine=engine, target=target)
    return "warm-up", f"{why}: {target.version} has no state of its own; it warmed up without state on recent candles"


@dataclass(slots=True)
class HandOver:
    """The state hand-over of a swap between two versions of one strategy, at its flip.

    ``state``: the old version's own export (kept as its own last state, and what probation gives it
    back), None if it could not export; ``crossed``: how the new version got its state, None when
    the swap is refused (``refusal``, one line; ``export_fault`` when the old version's own export
    failed, which may have killed it)."""

    exchange: Exchange
    target: ActiveStrategy
    crossed: Crossed | None = None
    refusal: str | None = None

    @property
    def state(self) -> State:
        return self.exchange.state

    @property
    def export_fault(self) -> StrategyFault | None:
        return self.exchange.export_fault


def hand_over(*, engine: Engine, versions: VersionStates, old: ActiveStrategy, new: ActiveStrategy,
              crossing: Crossing, landing: Callable[[ActiveStrategy], ActiveStrategy] | None,
              staged: Staged | None) -> HandOver:
    """Carry ``old``'s state into ``new`` as ``crossing`` says (using the staged hand-over if it is
    still current), or start ``new`` from its own state. ``landing`` (a rollback): whatever fails to
    cross, ``new`` resumes its own state instead of the swap being refused -- on a fresh worker
    (``landing(new)``) if the refused hand-over killed it; ``HandOver.target`` is the one to activate.
    An export of ``old`` that fails (its own or converted down, ``Exchange.source_fault``) is
    ``old``'s fault: every swap away from it lands that way, blaming it, so a version whose export
    always fails (invalid, oversized, raising, hung) never holds the operator hostage; a refusal
    by ``new`` (its ``import_state``) still changes nothing unless it is a rollback."""
    if staged is not None and (not staged.exchange.ok or staged.current(old)):
        exchange = staged.exchange
    elif crossing.carries:
        exchange = exchange_now(old=old, new=new, schema=crossing.export_schema)
    else:
        exchange = Exchange()
        export_for(exchange, old.runner, None)  # not handed over: kept as the old version's own state
    if crossing.carries and exchange.ok:
        return HandOver(exchange, new, carried(crossing, old, new))
    if exchange.source_fault is not None:  # the source's fault: it never holds a swap away from it hostage
        why = _failure(exchange, old, new, landing=True)
        logger.error("{} -> {}: {}; {} starts from its own state", old.spec, new.spec, why, new.version)
    elif not crossing.carries:
        why = crossing.not_carried(old.version, new.version)
    elif landing is not None:
        why = _failure(exchange, old, new, landing=True)
    else:
        return HandOver(exchange, new, refusal=_failure(exchange, old, new, landing=False))
    try:
        if landing is not None and not new.runner.alive:
            new = landing(new)
        return HandOver(exchange, new, resume_own(engine=engine, versions=versions, target=new, why=why))
    except (LoadError, StrategyFault) as exc:
        return HandOver(exchange, new, refusal=f"{new.spec} could not be brought up on its own state ({why}): {exc}")


def _failure(exchange: Exchange, old: ActiveStrategy, new: ActiveStrategy, *, landing: bool) -> str:
    """Why the state did not cross, in one line (``landing``: said of a rollback that lands anyway)."""
    if exchange.export_fault is not None:  # the source's fault: always said of a swap that lands
        return f"state not carried: {old.spec} could not export its state ({short_fault(exchange.export_fault)})"
    if exchange.writes_fault is not None:
        writes = list(old.state_decl.writes) if old.state_decl else []
        said = f"{old.spec} does not honour its declared writes {writes}"
        if landing:
            return f"state not carried: {said}: {short_fault(exchange.writes_fault)}"
        return f"{said}: {exchange.writes_fault}"
    if landing:
        return f"{new.version}'s import_state refused {old.version}'s state ({exchange.import_fault})"
    return f"{new.spec} refused the state of {old.spec}: {exchange.import_fault}"


def bring_back_own(*, engine: Engine, loader: VersionLoader, versions: VersionStates, spec: str,
                   why: str) -> tuple[ActiveStrategy, Crossed]:
    """A fresh worker of ``spec`` on its own last state plus a replay (or a warm-up): an automatic
    rollback after probation never hands the failing version's state over. Raises
    :class:`LoadError` or :class:`StrategyFault` (the worker is then stopped)."""
    target = loader.load(spec)
    try:
        target.runner.setup(dict(engine.desired.params))
        return target, resume_own(engine=engine, versions=versions, target=target, why=why)
    except StrategyFault:
        target.runner.close()
        raise


def start_apart(*, engine: Engine, shelf: StateShelf, old: ActiveStrategy, new: ActiveStrategy,
                keep_state: bool) -> tuple[State, float, float, Crossed, bool]:
    """A start that takes no state from ``old`` -- a promoted candidate (``keep_state``: its own live
    state) or another strategy (its own shelved state plus a replay, or a warm-up) -- at the flip:
    ``(old's state, export ms, warm-up ms, what new started from, whether old's export worked)``.
    ``old``'s failed export is its own fault: the start goes on (``new`` never needed that state)
    and the sentence blames it. Raises :class:`StrategyFault` when ``new`` cannot be warmed up."""
    t0 = time.perf_counter()
    state, blame = None, ""
    try:
        state = export_state(old.runner)
    except StrategyFault as exc:
        blame = f"{old.spec} could not export its state ({short_fault(exc)}), so it is not kept; "
        logger.error("{} -> {}: {}", old.spec, new.spec, blame.rstrip("; "))
    t1 = time.perf_counter()
    if keep_state:  # a promoted candidate keeps its own live state: no import, no warm-up
        crossed: Crossed = ("kept", f"{blame}{new.version} keeps its own live state (a candidate)")
    elif warm_up(engine=engine, shelf=shelf, target=new):
        crossed = ("own", f"{blame}another strategy: {new.name} resumed its own last state plus a replay")
    else:
        crossed = ("warm-up", f"{blame}another strategy: {new.name} warmed up without state on recent candles")
    return state, (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000, crossed, not blame


def short_fault(fault: StrategyFault, limit: int = 300) -> str:
    """A strategy's fault in a sentence that is journaled and shown: one line, at most ``limit`` characters."""
    text = " ".join(str(fault).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
