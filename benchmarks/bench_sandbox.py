"""Cost of the sandbox: one 9-candle batch through a worker vs in-process pluggy vs a plain call.

Run: ``.venv/bin/python benchmarks/bench_sandbox.py [--rounds N]``. Prints p50/p99 round trips,
their ratios, the worker's RSS and the spawn + handshake time. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from liveswap.api import Candle, Context, Intent, hookimpl  # noqa: E402
from liveswap.runners.base import Batch  # noqa: E402
from liveswap.runners.inprocess import InProcessRunner  # noqa: E402
from liveswap.sandbox.runner import SandboxRunner  # noqa: E402
from sandbox.conftest import install_strategy, nine_candles  # noqa: E402

BODY = """
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        if candle.close > candle.open:
            return [Intent(market=candle.market, side="up", stake=1.0)]
        return None
"""


class Strategy:
    @hookimpl
    def on_candle(self, candle: Candle, ctx: Context) -> list[Intent] | None:
        if candle.close > candle.open:
            return [Intent(market=candle.market, side="up", stake=1.0)]
        return None


def plain(batch: Batch) -> list[list[Intent] | None]:
    strategy = PLAIN
    return [strategy.on_candle(c, x) for c, x in batch.candles]


PLAIN = Strategy()


def timings(call: Callable[[], object], rounds: int) -> list[float]:
    for _ in range(min(200, rounds)):
        call()
    out = []
    for _ in range(rounds):
        began = time.perf_counter()
        call()
        out.append(time.perf_counter() - began)
    return sorted(out)


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--spawns", type=int, default=10)
    args = parser.parse_args()
    batch = nine_candles()
    with tempfile.TemporaryDirectory() as tmp:
        target = install_strategy(Path(tmp), "bench", "1.0.0", BODY)
        spawn_times = []
        for _ in range(args.spawns):
            began = time.perf_counter()
            runner = SandboxRunner("bench", "1.0.0", target, scratch_root=Path(tmp) / "s").start()
            spawn_times.append(time.perf_counter() - began)
            runner.close()
        runner = SandboxRunner("bench", "1.0.0", target, scratch_root=Path(tmp) / "s").start()
        try:
            inproc = InProcessRunner(Strategy, name="bench", version="1.0.0")
            assert runner.run_batch(batch).outputs == inproc.run_batch(batch).outputs
            results = {
                "plain function call": timings(lambda: plain(batch), args.rounds),
                "in-process pluggy (InProcessRunner)": timings(lambda: inproc.run_batch(batch), args.rounds),
                "sandbox worker (SandboxRunner)": timings(lambda: runner.run_batch(batch), args.rounds),
            }
            here = sorted(os.sched_getaffinity(0))[0]
            os.sched_setaffinity(0, {here})
            pinned = SandboxRunner("bench", "1.0.0", target, scratch_root=Path(tmp) / "s", cpus={here}).start()
            results["sandbox, host + worker on one CPU (cpus=)"] = timings(lambda: pinned.run_batch(batch), args.rounds)
            pinned.close()
            rss = runner.rss_bytes() or 0
            isolated = runner.network_isolated
        finally:
            runner.close()
    base50 = pct(results["plain function call"], 0.5)
    print(f"one 9-candle batch, {args.rounds} rounds (python {sys.version.split()[0]})")
    print(f"{'':42} {'p50 us':>9} {'p99 us':>9} {'x plain':>8}")
    for label, values in results.items():
        p50, p99 = pct(values, 0.5), pct(values, 0.99)
        print(f"{label:42} {p50 * 1e6:9.1f} {p99 * 1e6:9.1f} {p50 / base50:8.1f}")
    inproc50 = pct(results["in-process pluggy (InProcessRunner)"], 0.5)
    for label in ("sandbox worker (SandboxRunner)", "sandbox, host + worker on one CPU (cpus=)"):
        print(f"{label} / in-process p50: {pct(results[label], 0.5) / inproc50:.1f}x")
    print(f"worker RSS: {rss / 1024 / 1024:.1f} MiB (network isolated: {isolated})")
    print(f"spawn + handshake: median {statistics.median(spawn_times) * 1e3:.1f} ms, "
          f"max {max(spawn_times) * 1e3:.1f} ms over {args.spawns}")


if __name__ == "__main__":
    main()
