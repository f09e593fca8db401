"""Cost of the sandbox: one 9-candle batch through a worker vs in-process pluggy vs a plain call.

Run: ``.venv/bin/python benchmarks/bench_sandbox.py [--rounds N] [--spawns N]``. Prints p50/p99
round trips and spawn-to-first-decision times of the full sandbox (level ``strict``: bubblewrap,
own uid, Landlock, seccomp) beside level ``none`` (a plain child process with rlimits, as before
issue 13), their ratios, and each worker tree's RSS. Figures only, no assertions.
"""

from __future__ import annotations

import argparse
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
from liveswap.sandbox.limits import SandboxLimits  # noqa: E402
from liveswap.sandbox.policy import probe  # noqa: E402
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


def spawn_to_first_decision(target: Path, scratch: Path, limits: SandboxLimits, n: int) -> list[float]:
    """Seconds from ``SandboxRunner.start()`` to the first batch's intents back in the host."""
    out = []
    batch = nine_candles()
    for _ in range(n):
        began = time.perf_counter()
        runner = SandboxRunner("bench", "1.0.0", target, limits=limits, scratch_root=scratch).start()
        runner.run_batch(batch)
        out.append(time.perf_counter() - began)
        runner.close()
    return sorted(out)


LEVELS = {
    "sandbox worker (SandboxRunner)": SandboxLimits(),  # the default: strict, every layer
    "sandbox level none (before issue 13)": SandboxLimits(level="none"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--spawns", type=int, default=10)
    args = parser.parse_args()
    batch = nine_candles()
    refused = probe(SandboxLimits()).refused
    if refused:
        print(f"strict sandbox unavailable here, measuring level none only: {refused}")
        LEVELS.pop("sandbox worker (SandboxRunner)")
    results: dict[str, list[float]] = {}
    spawns: dict[str, list[float]] = {}
    layers: dict[str, str] = {}
    rss: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        target = install_strategy(Path(tmp), "bench", "1.0.0", BODY)
        scratch = Path(tmp) / "s"
        inproc = InProcessRunner(Strategy, name="bench", version="1.0.0")
        results["plain function call"] = timings(lambda: plain(batch), args.rounds)
        results["in-process pluggy (InProcessRunner)"] = timings(lambda: inproc.run_batch(batch), args.rounds)
        for label, limits in LEVELS.items():
            spawns[label] = spawn_to_first_decision(target, scratch, limits, args.spawns)
            runner = SandboxRunner("bench", "1.0.0", target, limits=limits, scratch_root=scratch).start()
            try:
                assert runner.run_batch(batch).outputs == inproc.run_batch(batch).outputs
                results[label] = timings(lambda runner=runner: runner.run_batch(batch), args.rounds)
                rss[label] = runner.rss_bytes() or 0
                layers[label] = ", ".join(runner.layers) or "rlimits only"
            finally:
                runner.close()
    base50 = pct(results["plain function call"], 0.5)
    print(f"one 9-candle batch, {args.rounds} rounds (python {sys.version.split()[0]})")
    print(f"{'':42} {'p50 us':>9} {'p99 us':>9} {'x plain':>8}")
    for label, values in results.items():
        p50, p99 = pct(values, 0.5), pct(values, 0.99)
        print(f"{label:42} {p50 * 1e6:9.1f} {p99 * 1e6:9.1f} {p50 / base50:8.1f}")
    print(f"\nspawn to first decision (start + one 9-candle batch), {args.spawns} spawns")
    for label, values in spawns.items():
        print(f"{label:42} median {statistics.median(values) * 1e3:7.1f} ms  max {values[-1] * 1e3:7.1f} ms")
    for label in LEVELS:
        print(f"{label}: tree RSS {rss[label] / 1024 / 1024:.1f} MiB; layers: {layers[label]}")
    full, today = "sandbox worker (SandboxRunner)", "sandbox level none (before issue 13)"
    if full in results:
        print(f"\nfull sandbox / before, round trip p50: {pct(results[full], 0.5) / pct(results[today], 0.5):.2f}x "
              f"(p99 {pct(results[full], 0.99) / pct(results[today], 0.99):.2f}x; goal <= 1.5x)")
        print(f"full sandbox / before, spawn to first decision: "
              f"{statistics.median(spawns[full]) / statistics.median(spawns[today]):.2f}x "
              f"({statistics.median(spawns[full]) * 1e3:.0f} ms; goal <= 100 ms)")


if __name__ == "__main__":
    main()
