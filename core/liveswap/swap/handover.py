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

from loguru import logger

from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.registry.crossing import Crossing, decide
from liveswap.runners.base import StrategyFault
from liveswap.swap.ownstate import VersionStates
from liveswap.swap.revival import warm_without_state
from liveswap.swap.staging import State, import_state

__all__ = ["Crossed", "carried", "keep_own", "plan", "resume_own"]

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
