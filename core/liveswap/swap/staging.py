"""Staging a swap's state hand-over before its flip, so the flip itself is all trading waits for.

A swap between two versions of one strategy hands the old version's state to the new one
(``export_state`` then ``import_state``). Done at the flip, that hand-over *is* the pause: an
encode in the old worker, two pipe crossings, a decode in the new one (milliseconds at 100 KB).
Staged, it happens on the swap's preparing thread, while the old version keeps trading:

1. hold the old version's :class:`~liveswap.runners.gate.CallGate` and export its state;
2. let go (a batch due now is decided at once, by the old version) and import the state into the
   new version, which trades nothing yet;
3. at the flip, between two batches on the engine's thread, the staged state is still the old
   version's state if nothing has gone through its gate since (``calls`` unchanged): then the flip
   is only the pointer change. Otherwise the hand-over is done again at the flip, as before.

What staging cost trading is measured, not assumed: the time the engine's thread waited for the
old version's gate while the export held it (``held_up_ms``) is added to the swap's pause.

:func:`export_state` and :func:`import_state` are the hand-over itself, shared with the
synchronous path: between two sandboxed workers the state travels as the old worker's JSON bytes,
never parsed nor re-encoded by the host.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from liveswap.engine.active import ActiveStrategy
from liveswap.runners.base import Runner, StrategyFault
from liveswap.runners.gate import GateMark

__all__ = ["Staged", "State", "export_state", "import_state", "stage"]

State = dict[str, Any] | bytes | None
"""An exported strategy state: a dict, or a sandboxed worker's JSON bytes of one, relayed unparsed."""


def export_state(runner: Runner, schema: int | None = None) -> State:
    """The runner's exported state as JSON bytes (a sandboxed worker's, which the host does not parse);
    ``schema``: an older layout the version declared in ``writes`` (a down-conversion)."""
    return runner.export_state_json(schema)


def import_state(runner: Runner, state: State, from_version: str) -> None:
    """Give ``state`` (from :func:`export_state`) to ``runner``: JSON bytes go to a sandboxed worker as
    they are (it parses them; the strategy's ``import_state`` gets a dict either way)."""
    if state is None:
        return
    if isinstance(state, bytes):
        runner.import_state_json(state, from_version)
        return
    runner.import_state(state, from_version)


@dataclass(slots=True)
class Staged:
    """A hand-over done ahead of the flip: ``old``'s state as exported, already imported into the
    new version -- unless ``export_fault`` or ``import_fault`` says which side failed."""

    old: ActiveStrategy
    state: State
    mark: GateMark
    waited_s: float
    """``old``'s gate's ``waited_s`` when staging began."""
    export_ms: float
    import_ms: float
    export_fault: StrategyFault | None = None
    import_fault: StrategyFault | None = None

    def current(self, active: ActiveStrategy) -> bool:
        """True while ``state`` is still the state of the version trading now: it is the one the
        state came from and nothing went through its gate since the export."""
        return (active is self.old and self.export_fault is None and self.import_fault is None
                and self.old.runner.gate.calls == self.mark.calls)

    def held_up_ms(self) -> float:
        """How long calls into the old version (trading) waited for the staging's export."""
        return max(0.0, self.old.runner.gate.waited_s - self.waited_s) * 1000


def stage(*, old: ActiveStrategy, new: ActiveStrategy, schema: int | None = None) -> Staged:
    """Export ``old``'s state (holding its gate; ``schema``: converted down to that declared layout)
    and import it into ``new``; a fault of either side is kept in the result, never raised (the
    engine's thread decides what it means)."""
    gate = old.runner.gate
    waited = gate.waited_s
    t0 = time.perf_counter()
    with gate.hold() as mark:
        try:
            state = export_state(old.runner, schema)
        except StrategyFault as exc:
            return Staged(old, None, mark, waited, _ms_since(t0), 0.0, export_fault=exc)
    t1 = time.perf_counter()
    try:
        import_state(new.runner, state, old.version)
    except StrategyFault as exc:
        return Staged(old, state, mark, waited, (t1 - t0) * 1000, _ms_since(t1), import_fault=exc)
    return Staged(old, state, mark, waited, (t1 - t0) * 1000, _ms_since(t1))


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
