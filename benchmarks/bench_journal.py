"""What durability costs: journal writes per decision batch, and snapshot time by state size.

1. The candle path (``Engine.process_batch``: settle, strategy round trip, validation, risk,
   journal, paper broker) on nine markets with a strategy that bets $1 on every candle, timed per
   batch: with the batch's decisions+orders commit at ``synchronous=FULL`` (durable before send:
   one fsync per batch, what the host does), side by side with the same commit at ``NORMAL``
   (liveswap 1.0) and with a journal whose writes are no-ops. The batch commit
   (``write_batch``) is timed alone, and all journal writes of a batch together
   (``write_batch`` + ``record_order_results`` + ``record_settlements``, the last two FULL).
2. Snapshots: ``export_state`` + atomic write (temp file, fsync, rename, fsync of the folder)
   of a 1 KB, 100 KB and 1 MB strategy state.

Run: ``.venv/bin/python benchmarks/bench_journal.py [--batches N] [--snapshots N]``. Prints p50
and p99 in milliseconds; asserts nothing. Figures depend on the disk's fsync latency.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
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
from liveswap.fsutil import atomic_write_json  # noqa: E402
from liveswap.home.snapshots import Snapshot  # noqa: E402
from liveswap.host import outcome_lookup  # noqa: E402
from liveswap.journal import Journal  # noqa: E402
from liveswap.runners.inprocess import InProcessRunner  # noqa: E402
from liveswap.settings import load_settings  # noqa: E402
from loguru import logger  # noqa: E402

from tests.support.engine_helpers import T0, ManualClock  # noqa: E402


class EveryCandle:
    """Bets $1 on every candle, so every batch journals orders, fills and settlements."""

    def __init__(self, state_bytes: int = 0) -> None:
        self.pad = "x" * state_bytes

    @hookimpl
    def on_candle(self, candle: Any, ctx: Any) -> list[Intent]:
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]

    @hookimpl
    def export_state(self) -> dict[str, Any]:
        return {"pad": self.pad}


class TimedJournal(Journal):
    """The real journal; the time of its per-batch writes is summed into ``current`` (the batch
    commit alone into ``batch``)."""

    current = 0.0
    batch = 0.0

    def _timed(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kw)
        finally:
            self.current += time.perf_counter() - t0

    def write_batch(self, *args: Any, **kw: Any) -> None:
        t0 = time.perf_counter()
        self._timed(super().write_batch, *args, **kw)
        self.batch += time.perf_counter() - t0

    def record_order_results(self, *args: Any, **kw: Any) -> None:
        self._timed(super().record_order_results, *args, **kw)

    def record_settlements(self, *args: Any, **kw: Any) -> Any:
        return self._timed(super().record_settlements, *args, **kw)


def engine_on(home: Path, journal_cls: type[Journal], batch_sync: str = "FULL") -> Engine:
    settings = load_settings(home, risk={"max_open_positions": 100, "daily_loss_limit": 1e9},
                             paper={"starting_balance": 1e9})
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    feed = SyntheticFeed(settings.markets, seed=settings.seed)
    clock = ManualClock(T0)
    broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    journal = journal_cls(settings.state_dir / "journal.sqlite", batch_sync=batch_sync)
    active = ActiveStrategy(InProcessRunner(EveryCandle(), name="bench", version="1.0.0"), "bench", "1.0.0")
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active)
    engine.recover(T0)
    return engine


def time_batches(engine: Engine, batches: int) -> tuple[list[float], list[float], list[float], int]:
    """Per-batch times (ms) of process_batch, of the journal writes inside it and of the batch
    commit alone; orders sent."""
    assert engine.cursor is not None
    candles = engine.feed.closed_candles(engine.cursor, engine.cursor + batches * 300)
    by_end: dict[int, list[Any]] = {}
    for c in candles:
        by_end.setdefault(c.end, []).append(c)
    whole, journal_ms, commit_ms, orders = [], [], [], 0
    for end, group in sorted(by_end.items())[:batches]:
        engine.clock.t = end  # type: ignore[attr-defined]
        if isinstance(engine.journal, TimedJournal):
            engine.journal.current = engine.journal.batch = 0.0
        t0 = time.perf_counter()
        report = engine.process_batch(end, group, now=end)
        whole.append((time.perf_counter() - t0) * 1000)
        if isinstance(engine.journal, TimedJournal):
            journal_ms.append(engine.journal.current * 1000)
            commit_ms.append(engine.journal.batch * 1000)
        orders += report.orders
    return whole, journal_ms, commit_ms, orders


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def bench_candle_path(batches: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        full = engine_on(Path(tmp) / "full", TimedJournal, "FULL")
        normal = engine_on(Path(tmp) / "normal", TimedJournal, "NORMAL")
        bare = engine_on(Path(tmp) / "bare", NoWriteJournal)
        whole, jms, cms, orders = time_batches(full, batches)
        whole_n, jms_n, cms_n, _ = time_batches(normal, batches)
        whole_bare, _, _, orders_bare = time_batches(bare, batches)
        for e in (full, normal, bare):
            e.journal.close()
    print(f"candle path, {batches} batches of 5-9 candles, every candle bets ({orders} orders; "
          f"{orders_bare} without journal)")
    print(f"{'per batch, ms':44} {'p50':>8} {'p99':>8} {'mean':>8}")
    rows = [("batch commit (write_batch), FULL", cms), ("batch commit (write_batch), NORMAL", cms_n),
            ("all journal writes, batch commit FULL", jms), ("all journal writes, batch commit NORMAL", jms_n),
            ("process_batch, batch commit FULL", whole), ("process_batch, batch commit NORMAL", whole_n),
            ("process_batch, no journal writes", whole_bare)]
    for name, xs in rows:
        print(f"{name:44} {pct(xs, 0.5):8.3f} {pct(xs, 0.99):8.3f} {statistics.fmean(xs):8.3f}")
    print(f"{'FULL - NORMAL per batch (the fsync)':44} {pct(cms, 0.5) - pct(cms_n, 0.5):8.3f} "
          f"{pct(cms, 0.99) - pct(cms_n, 0.99):8.3f} {statistics.fmean(cms) - statistics.fmean(cms_n):8.3f}")
    return_ratio = statistics.fmean(whole) / statistics.fmean(whole_bare)
    print(f"{'ratio process_batch FULL / no journal':44} {pct(whole, 0.5) / pct(whole_bare, 0.5):7.2f}x "
          f"{pct(whole, 0.99) / pct(whole_bare, 0.99):7.2f}x {return_ratio:7.2f}x")


def bench_snapshots(reps: int) -> None:
    print(f"\nsnapshot: export_state + atomic write (fsync'd), {reps} each")
    print(f"{'state size':12} {'export p50':>11} {'write p50':>10} {'total p50':>10} {'total p99':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size, label in ((1_000, "1 KB"), (100_000, "100 KB"), (1_000_000, "1 MB")):
            runner = InProcessRunner(EveryCandle(size), name="bench", version="1.0.0")
            exports, writes, totals = [], [], []
            for i in range(reps):
                t0 = time.perf_counter()
                state = runner.export_state()
                t1 = time.perf_counter()
                atomic_write_json(Path(tmp) / "snapshot.json",
                                  Snapshot(i, "bench", "1.0.0", state, time.time()).to_dict())
                t2 = time.perf_counter()
                exports.append((t1 - t0) * 1000)
                writes.append((t2 - t1) * 1000)
                totals.append((t2 - t0) * 1000)
            print(f"{label:12} {pct(exports, 0.5):11.3f} {pct(writes, 0.5):10.3f} {pct(totals, 0.5):10.3f} "
                  f"{pct(totals, 0.99):10.3f}")
    print("(the engine pays export_state on the candle path; the write runs on a background thread)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=600)
    p.add_argument("--snapshots", type=int, default=50)
    args = p.parse_args()
    logger.remove()
    bench_candle_path(args.batches)
    bench_snapshots(args.snapshots)


if __name__ == "__main__":
    main()
