"""The ``chunk`` request through real sandboxed workers: the hooks in live order, the stop at the
first batch that trades, and every fault of a hostile strategy caught and named like live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from liveswap.exceptions import StrategyFault
from liveswap.sandbox.chunk_runner import ChunkRunner

from tests.sandbox.conftest import FAST, install_strategy

MARKETS = ("BTC-5m", "ETH-5m")


def batches(n: int, start: int = 300) -> list[tuple[int, list[tuple[object, ...]]]]:
    return [(end, [(m, "5m", end - 300, end, 100.0, 101.0, 99.0, 100.5, 1.0, 0.5) for m in MARKETS])
            for end in range(start, start + 300 * n, 300)]


@pytest.fixture
def chunky(tmp_path: Path) -> Iterator[object]:
    runners: list[ChunkRunner] = []

    def _spawn(body: str, hook_timeout: float = 2.0) -> ChunkRunner:
        target = install_strategy(tmp_path / "versions", "strat", "1.0.0", body)
        runner = ChunkRunner("strat", "1.0.0", target, limits=FAST, hook_timeout=hook_timeout,
                             scratch_root=tmp_path / "scratch")
        runners.append(runner)
        return runner.start()

    yield _spawn
    for runner in runners:
        runner.close()


def run(runner: ChunkRunner, n: int, **kw: object) -> tuple[int, list[object] | None]:
    args = {"balance": 1000.0, "params": {"k": 1}, "positions": {}, "fills": [], "settlements": [], **kw}
    return runner.run_chunk(batches=batches(n), **args)  # type: ignore[arg-type]


RECORDER = '''
class Strategy:
    def __init__(self):
        self.calls = []

    @hookimpl
    def on_fill(self, fill):
        self.calls.append(["fill", fill.order_id])

    @hookimpl
    def on_settle(self, settlement):
        self.calls.append(["settle", settlement.order_id, settlement.pnl])

    @hookimpl
    def on_candle(self, candle, ctx):
        ctx.params["k"] += 1  # each candle's context is its own, as live
        self.calls.append([candle.market, ctx.now, ctx.balance, len(ctx.open_positions), ctx.params["k"]])
        if ctx.now == 1500 and candle.market == "ETH-5m":
            return [Intent(candle.market, "up", 2.0)]
        return None

    @hookimpl
    def export_state(self):
        return {"calls": self.calls}
'''


def test_a_chunk_stops_after_the_first_batch_that_trades_with_hooks_in_live_order(chunky) -> None:  # type: ignore[no-untyped-def]
    runner = chunky(RECORDER)
    pos = {"order_id": "x", "market": "BTC-5m"}
    settles = {2: (1001.5, {"BTC-5m": []}, [("x", "BTC-5m", "up", True, 2.0, 1.5, 900)])}  # at batch 900
    done, outputs = run(runner, 10, positions={"BTC-5m": [pos]}, fills=[("o1", "BTC-5m", "up", 1.0, 0.5, 2.0, 0)],
                        events=settles)
    assert done == 5 and outputs is not None
    assert outputs[0] is None and outputs[1][0].market == "ETH-5m" and outputs[1][0].stake == 2.0
    calls = runner.export_state()["calls"]  # type: ignore[index]
    assert calls[0] == ["fill", "o1"]
    assert calls[1:3] == [["BTC-5m", 300, 1000.0, 1, 2], ["ETH-5m", 300, 1000.0, 0, 2]]
    assert calls[5:8] == [["settle", "x", 1.5], ["BTC-5m", 900, 1001.5, 0, 2], ["ETH-5m", 900, 1001.5, 0, 2]]
    assert [c[1] for c in calls[1:] if c[0] != "settle"] == [300, 300, 600, 600, 900, 900, 1200, 1200, 1500, 1500]
    assert calls[-1] == ["ETH-5m", 1500, 1001.5, 0, 2]  # the settlement's balance holds to the run's end
    assert run(runner, 3) == (3, None)  # nothing to trade: every batch decided


def test_a_fault_mid_chunk_names_the_batches_decided_before_it(chunky) -> None:  # type: ignore[no-untyped-def]
    runner = chunky('''
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        if ctx.now == 1200:
            raise ValueError("no")
        return []
''')
    with pytest.raises(StrategyFault) as caught:
        run(runner, 10)
    assert caught.value.kind == "exception" and "ValueError: no" in caught.value.reason
    assert runner.chunk_done == 3 and not runner.alive


def test_a_hung_batch_is_a_timeout_after_slow_batches_within_the_limit(chunky) -> None:  # type: ignore[no-untyped-def]
    runner = chunky('''
import time
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        time.sleep(0.15 if ctx.now < 1800 else 60)  # batches of 0.3 s within the 0.5 s limit, then a hang
        return []
''', hook_timeout=0.5)
    with pytest.raises(StrategyFault) as caught:
        run(runner, 12)
    assert caught.value.kind == "timeout"
    assert runner.chunk_done == 5  # the slow batches inside the limit were fine: progress kept the deadline


def forger(written: str) -> str:
    """A strategy that writes ``written`` (a Python expression of bytes) to every descriptor it has, as if
    it were the worker's reply, then spins. The forged frame comes at once, so the 5 s hook limit these
    tests use is only room for a loaded machine to get there."""
    return f"""
import os, struct
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        for fd in range(3, 4096):  # the host's pipe may carry any number: a host with many files open
            try:
                os.write(fd, {written})
            except OSError:
                pass
        while True:
            pass
"""

@pytest.mark.parametrize("reply", [
    b'{"progress":99}',  # more batches than were sent
    b'{"progress":1e9}',
    b'{"ok":[0,null]}',
    b'{"ok":[2,null]}',  # stopped early without outputs
    b'{"ok":[1,[[["__intent__","BTC-5m","up",1.0,null,""]]]]}',  # outputs of the wrong length
])
def test_a_worker_faking_chunk_replies_is_a_protocol_fault(chunky, reply: bytes) -> None:  # type: ignore[no-untyped-def]
    runner = chunky(forger(f"struct.pack('>I', len({reply!r})) + {reply!r}"), hook_timeout=5.0)
    with pytest.raises(StrategyFault) as caught:
        run(runner, 4)
    assert caught.value.kind == "protocol", caught.value
    assert not runner.alive


def test_an_output_that_cannot_cross_is_garbage_at_its_batch(chunky) -> None:  # type: ignore[no-untyped-def]
    runner = chunky('''
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return [object()] if ctx.now == 900 else []
''')
    with pytest.raises(StrategyFault) as caught:
        run(runner, 10)
    assert caught.value.kind == "garbage" and "cannot cross the sandbox" in caught.value.reason
    assert runner.chunk_done == 2


def test_a_chunk_reply_larger_than_a_live_batch_reply_is_refused_from_its_header(chunky) -> None:  # type: ignore[no-untyped-def]
    """The chunk's replies go through the same bounded reader as a live batch's: a worker announcing a
    frame larger than a live reply of the run's largest batch is killed before its bytes are read."""
    runner = chunky(forger("struct.pack('>I', 64 * 1024 * 1024)"), hook_timeout=5.0)  # announces 64 MiB, no more
    with pytest.raises(StrategyFault) as caught:
        run(runner, 4)
    assert caught.value.kind == "garbage" and "more than the" in caught.value.reason, caught.value
    assert not runner.alive
