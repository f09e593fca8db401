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

from _common import NoWriteJournal  # noqa: E402
from liveswap.api import Intent, hookimpl  # noqa: E402
from liveswap.brokers.paper import PaperBroker  # noqa: E402
from liveswap.engine.active import ActiveStrategy  # noqa: E402
from liveswap.engine.loop import Engine  # noqa: E402
from liveswap.feeds.synthetic import SyntheticFeed  # noqa: E402
from liveswap.host import outcome_lookup  # noqa: E402
from liveswap.journal import Journal  # noqa: E402
from liveswap.registry.registry import Registry  # noqa: E402
from liveswap.runners.inprocess import InProcessRunner  # noqa: E402
from liveswap.sandbox.runner import SandboxRunner  # noqa: E402
from liveswap.settings import load_settings  # noqa: E402
from loguru import logger  # noqa: E402

from tests.support.engine_helpers import T0, ManualClock  # noqa: E402
from tests.support.wheelkit import make_wheel  # noqa: E402

STRATEGY = '''
from liveswap.api import hookimpl, Intent
class Strategy:
    def __init__(self):
        self.last = {}
    @hookimpl
    def on_candle(self, candle, ctx):
        prev = self.last.get(candle.market)
        self.last[candle.market] = candle.close
        if prev is not None and candle.close > prev * 1.001:
            return [Intent(candle.market, "up", 1.0)]
        return []
'''


class Simple:
    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        prev = self.last.get(candle.market)
        self.last[candle.market] = candle.close
        if prev is not None and candle.close > prev * 1.001:
            return [Intent(candle.market, "up", 1.0)]
        return []


def run(kind: str, batches: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        settings = load_settings(home)
        settings.state_dir.mkdir(parents=True)
        feed = SyntheticFeed(settings.markets, seed=7)
        clock = ManualClock(T0)
        broker = PaperBroker(settings.state_dir / "paper.sqlite", settings.paper, outcome_lookup(feed, clock))
        journal_cls = NoWriteJournal if kind == "in-process, no journal" else Journal
        journal = journal_cls(settings.state_dir / "journal.sqlite")
        if kind == "sandboxed":
            make_wheel(home / "registry", "bench-strategy", "1.0.0", ep="bench", module="bench_strategy",
                       body=STRATEGY)
            registry = Registry.from_settings(settings)
            installed = registry.install(registry.resolve("bench"))
            runner: Any = SandboxRunner("bench", "1.0.0", installed.path).start()
        else:
            runner = InProcessRunner(Simple, name="bench", version="1.0.0")
        active = ActiveStrategy(runner, "bench", "1.0.0")
        engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active)
        engine.recover(T0)
        candles = feed.closed_candles(T0, T0 + batches * 300)
        from itertools import groupby

        groups = [(end, list(g)) for end, g in groupby(candles, key=lambda c: c.end)]
        t0 = time.perf_counter()
        for end, group in groups:
            engine.process_batch(end, group, now=end)
        elapsed = time.perf_counter() - t0
        runner.close()
        journal.close()
        return len(candles) / elapsed


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
