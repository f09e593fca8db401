"""Candles per second through the engine on the embedded default (nine markets).

Measures the whole candle path (strategy round trip, validation, risk, journal commit, paper
broker, settlement) for three runners side by side:

* in-process runner (the baseline later issues compare against),
* sandboxed worker (the production path),
* in-process runner with a no-op journal, to show what the durable journal costs.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--batches N]``. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import NoWriteJournal, batches, paper_engine, threshold_wheel  # noqa: E402
from liveswap.api import Intent, hookimpl  # noqa: E402
from liveswap.engine.active import ActiveStrategy  # noqa: E402
from liveswap.journal import Journal  # noqa: E402
from liveswap.registry.registry import Registry  # noqa: E402
from liveswap.runners.inprocess import InProcessRunner  # noqa: E402
from liveswap.sandbox.runner import SandboxRunner  # noqa: E402
from liveswap.settings import Settings, load_settings  # noqa: E402
from loguru import logger  # noqa: E402

RISE = 0.001  # the strategy bets up after a close 0.1 % above the last one


class Simple:
    """The threshold strategy of ``_common.THRESHOLD_STRATEGY``, in process."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        prev = self.last.get(candle.market)
        self.last[candle.market] = candle.close
        if prev is not None and candle.close > prev * (1 + RISE):
            return [Intent(candle.market, "up", 1.0)]
        return []


def sandboxed(settings: Settings) -> ActiveStrategy:
    threshold_wheel(settings.registry_dir, "1.0.0", RISE)
    registry = Registry.from_settings(settings)
    installed = registry.install(registry.resolve("bench"))
    return ActiveStrategy(SandboxRunner("bench", "1.0.0", installed.path).start(), "bench", "1.0.0")


def in_process(settings: Settings) -> ActiveStrategy:
    return ActiveStrategy(InProcessRunner(Simple, name="bench", version="1.0.0"), "bench", "1.0.0")


def run(kind: str, n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        engine = paper_engine(load_settings(Path(tmp)), sandboxed if kind == "sandboxed" else in_process,
                              NoWriteJournal if kind == "in-process, no journal" else Journal)
        groups = batches(engine, n)
        t0 = time.perf_counter()
        for end, group in groups:
            engine.process_batch(end, group, now=end)
        elapsed = time.perf_counter() - t0
        engine.active.runner.close()
        engine.journal.close()
        return sum(len(g) for _, g in groups) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=600)
    args = parser.parse_args()
    logger.remove()
    print(f"engine throughput, nine synthetic markets, {args.batches} batches, {os.cpu_count()} cores")
    rates = {kind: run(kind, args.batches) for kind in ("in-process", "in-process, no journal", "sandboxed")}
    base = rates["in-process"]
    print(f"{'runner':28} {'candles/s':>10} {'vs in-process':>14}")
    for kind, rate in rates.items():
        print(f"{kind:28} {rate:10.0f} {rate / base:13.2f}x")


if __name__ == "__main__":
    main()
