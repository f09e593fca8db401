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

from liveswap.engine import ActiveStrategy
from liveswap.runners import GateMark, Runner, StrategyFault

__all__ = ["Exchange", "Staged", "State", "exchange_now", "export_state", "import_state", "stage"]

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
class Exchange:
    """One state hand-over from an old version to a new one, and which side failed, if any.

    ``state`` is the old version's own export (what it keeps as its own last state, what probation
    gives it back); the new version is handed that, or -- converted down -- its
    ``export_state(schema=N)``."""

    state: State = None
    export_ms: float = 0.0
    import_ms: float = 0.0
    export_fault: StrategyFault | None = None
    """The old version's ``export_state()`` failed."""
    writes_fault: StrategyFault | None = None
    """Converting down failed: its ``export_state(schema=N)`` (declared in ``writes``) raised, or the
    new version's ``import_state`` refused what it returned."""
    import_fault: StrategyFault | None = None
    """The new version's ``import_state`` refused the old version's own state."""
    source_fault: StrategyFault | None = None
    """An export by the old version failed -- its own, or converted down: the source's fault, never
    the target's (a swap away from it still lands, :func:`~liveswap.swap.handover.hand_over`)."""

    @property
    def ok(self) -> bool:
        return self.export_fault is None and self.writes_fault is None and self.import_fault is None


def export_for(exchange: Exchange, runner: Runner, schema: int | None) -> tuple[bool, State]:
    """The old version's own state into ``exchange.state``, and what to hand over: the same, or its
    ``export_state(schema=N)``. ``(False, None)`` when either export failed (the fault is recorded)."""
    t0 = time.perf_counter()
    try:
        exchange.state = export_state(runner)
        handed = exchange.state if schema is None else _converted(exchange, runner, schema)
    except StrategyFault as exc:
        exchange.export_fault = exchange.source_fault = exc
        return False, None
    finally:
        exchange.export_ms = _ms_since(t0)
    return exchange.writes_fault is None, handed


def _converted(exchange: Exchange, runner: Runner, schema: int) -> State:
    try:
        return export_state(runner, schema)
    except StrategyFault as exc:
        exchange.writes_fault = exchange.source_fault = exc
        return None


def import_into(exchange: Exchange, runner: Runner, handed: State, *, from_version: str,
                converted: int | None) -> None:
    """``handed`` into the new version; its refusal is recorded (of a state ``converted`` down to
    that schema: a ``writes_fault`` of the old version)."""
    t0 = time.perf_counter()
    try:
        import_state(runner, handed, from_version)
    except StrategyFault as exc:
        if converted is not None:
            exchange.writes_fault = StrategyFault(exc.kind, f"{runner.version}'s import_state refused what "
                                                            f"export_state(schema={converted}) returned: {exc}")
        else:
            exchange.import_fault = exc
    finally:
        exchange.import_ms = _ms_since(t0)


def exchange_now(*, old: ActiveStrategy, new: ActiveStrategy, schema: int | None = None) -> Exchange:
    """The hand-over done at once (at the flip): export, then import; never raises."""
    exchange = Exchange()
    ok, handed = export_for(exchange, old.runner, schema)
    if ok:
        import_into(exchange, new.runner, handed, from_version=old.version, converted=schema)
    return exchange


@dataclass(slots=True)
class Staged:
    """A hand-over done ahead of the flip (``exchange``), and what the old version's gate saw."""

    old: ActiveStrategy
    exchange: Exchange
    mark: GateMark
    waited_s: float
    """``old``'s gate's ``waited_s`` when staging began."""

    def current(self, active: ActiveStrategy) -> bool:
        """True while the exported state is still the state of the version trading now: it is the
        one the state came from and nothing went through its gate since the export."""
        return active is self.old and self.exchange.ok and self.old.runner.gate.calls == self.mark.calls

    def held_up_ms(self) -> float:
        """How long calls into the old version (trading) waited for the staging's export."""
        return max(0.0, self.old.runner.gate.waited_s - self.waited_s) * 1000


def stage(*, old: ActiveStrategy, new: ActiveStrategy, schema: int | None = None) -> Staged:
    """Export ``old``'s state (holding its gate; ``schema``: also converted down to that declared
    layout, which is what ``new`` gets) and import it into ``new``; a fault of either side is kept in
    the result, never raised (the engine's thread decides what it means)."""
    gate = old.runner.gate
    waited = gate.waited_s
    exchange = Exchange()
    with gate.hold() as mark:
        ok, handed = export_for(exchange, old.runner, schema)
    if ok:
        import_into(exchange, new.runner, handed, from_version=old.version, converted=schema)
    return Staged(old, exchange, mark, waited)


def _ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
