"""The call gate: calls from two threads never interleave, and what a holder cost the callers
is counted (a swap adds it to its pause)."""

from __future__ import annotations

import threading

from liveswap.runners.gate import CallGate


def test_a_call_waits_for_a_holder_and_the_wait_is_counted() -> None:
    gate = CallGate()
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def holder() -> None:
        with gate.hold() as mark:
            with gate.call():  # a holder's own calls are re-entrant: no wait, but they count
                order.append("held call")
            holding.set()
            release.wait(5)
            order.append("holder done")
        order.append(f"mark {mark.calls}")

    t = threading.Thread(target=holder)
    t.start()
    assert holding.wait(5)
    threading.Timer(0.2, release.set).start()
    with gate.call():
        order.append("caller")
    t.join(5)
    assert order.index("held call") < order.index("holder done") < order.index("caller")
    assert "mark 1" in order  # the holder's mark counts its own call
    assert gate.calls == 2
    assert gate.waited_s >= 0.1  # the caller really waited for the holder


def test_calls_without_contention_wait_nothing() -> None:
    gate = CallGate()
    for _ in range(100):
        with gate.call():
            pass
    assert gate.calls == 100
    assert gate.waited_s == 0.0
