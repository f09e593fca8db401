"""Backtest speed and memory: candles per second through the sandbox against pluggy in process
and a plain call loop, where the time goes, host RSS on a million candles, and a live host's
decision latency while a backtest runs beside it.

1. **Speed, side by side, on the same candles** (nine markets, decoded once into memory; each the
   best of three runs):
   * a plain call loop: ``strategy.on_candle(Candle, Context)`` per candle (the floor);
   * pluggy in process: one ``StrategyPlugin.run_batch`` per batch, as the engine's in-process
     runner calls it (the target: the backtest must reach 1/3 of it);
   * the backtest: :class:`~liveswap.backtest.replay.VersionReplay` -- the sandboxed worker
     (bubblewrap, the production path), runs of batches per round trip, the paper broker;
   for a trivial strategy (never trades) and a trading one (a bet every ~30 candles).
2. **Where the time goes** in the sandboxed run: parsing the CSV, the host's encoding of the runs,
   the worker round trip (the pipe, the worker's decode, its strategy calls, its reply; beside it the
   same strategy's pluggy calls in process), fills (validate, risk, paper broker, ledger: the
   trading batches), bookkeeping (the rest of the host loop: settlements, contexts, counting).
3. **A million candles**: ``liveswap backtest`` (the real console script) on a CSV of 1,000,000
   candles: its wall time and its peak RSS (the worker's too).
4. **Beside a live host**: the decision latency (``Engine.process_batch``, sandboxed worker) of a
   live engine alone, then while the million-candle backtest runs.

Run: ``.venv/bin/python benchmarks/bench_backtest.py [--quick]``. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import BIN, batches, machine, paper_engine, pct, threshold_wheel  # noqa: E402
from liveswap.api import Candle, Context, Intent, hookimpl  # noqa: E402
from liveswap.backtest.replay import VersionReplay  # noqa: E402
from liveswap.backtest.run import desired_of, start_version  # noqa: E402
from liveswap.backtest.sources import csv_batches  # noqa: E402
from liveswap.feeds.csv_replay import COLUMNS  # noqa: E402
from liveswap.host import make_loader  # noqa: E402
from liveswap.markets import DEFAULT_MARKETS, Market  # noqa: E402
from liveswap.registry.registry import Registry  # noqa: E402
from liveswap.runners.base import Batch  # noqa: E402
from liveswap.runners.strategy_plugin import StrategyPlugin  # noqa: E402
from liveswap.sandbox import chunk_runner  # noqa: E402
from liveswap.settings import Settings, load_settings  # noqa: E402
from loguru import logger  # noqa: E402

from tests.support.wheelkit import make_wheel  # noqa: E402

T0 = 1_700_000_000 // 3600 * 3600
ROUNDS = 3
TRIVIAL = '''
from liveswap.api import hookimpl

class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return []
'''
TRADER = '''
from liveswap.api import Intent, hookimpl

class Strategy:
    def __init__(self):
        self.n = 0

    @hookimpl
    def on_candle(self, candle, ctx):
        self.n += 1
        if self.n % 31 == 0 and not ctx.open_positions:
            return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
        return []
'''


class Trivial:
    @hookimpl
    def on_candle(self, candle: Candle, ctx: Context) -> list[Intent]:
        return []


class Trader:
    def __init__(self) -> None:
        self.n = 0

    @hookimpl
    def on_candle(self, candle: Candle, ctx: Context) -> list[Intent]:
        self.n += 1
        if self.n % 31 == 0 and not ctx.open_positions:
            return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
        return []


def write_csv(path: Path, candles: int, seed: int = 1) -> int:
    """``candles`` candles of the nine default markets (a random walk, quoted up prices), in time order."""
    rng = random.Random(seed)
    markets = [Market.parse(m) for m in DEFAULT_MARKETS]
    price = {m.name: 100.0 for m in markets}
    n = 0
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        end = T0
        while n < candles:
            end += 300
            for m in markets:
                if end % m.seconds or n >= candles:
                    continue
                o = price[m.name]
                c = o * (1 + rng.gauss(0, 0.002))
                price[m.name] = c
                out.writerow([m.name, m.timeframe, end - m.seconds, end, f"{o:.4f}", f"{max(o, c):.4f}",
                              f"{min(o, c):.4f}", f"{c:.4f}", "10.0", f"{rng.uniform(0.3, 0.7):.3f}"])
                n += 1
    return n


def settings_for(home: Path) -> Settings:
    return load_settings(home, hook_timeout_seconds=30.0, risk={"daily_loss_limit": 1e9, "max_open_positions": 1000})


def plain_loop(data: list[tuple[int, list[tuple[Any, ...]]]], strategy: Any) -> float:
    t0 = time.perf_counter()
    for end, rows in data:
        for row in rows:
            strategy.on_candle(Candle(*row), Context(end, 1000.0, [], {}, "1.0.0"))
    return time.perf_counter() - t0


def pluggy_loop(data: list[tuple[int, list[tuple[Any, ...]]]], strategy: type) -> float:
    plugin = StrategyPlugin(strategy, name="bench", version="1.0.0")
    t0 = time.perf_counter()
    for end, rows in data:
        plugin.run_batch(Batch([(Candle(*row), Context(end, 1000.0, [], {}, "1.0.0")) for row in rows]))
    return time.perf_counter() - t0


class Timed:
    """Wraps a bound method and adds up the time spent in it."""

    def __init__(self, obj: Any, name: str) -> None:
        self.seconds = 0.0
        self._inner = getattr(obj, name)
        setattr(obj, name, self)

    def __call__(self, *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._inner(*args, **kw)
        finally:
            self.seconds += time.perf_counter() - t0


def sandboxed_run(settings: Settings, spec: str, data: list[tuple[int, list[tuple[Any, ...]]]]
                  ) -> tuple[float, dict[str, float], int]:
    runner = start_version(settings, Registry.from_settings(settings), spec)
    desired = desired_of(settings)
    replay = VersionReplay(runner=runner, settings=settings, desired=desired,
                           markets={m: Market.parse(m) for m in settings.markets})
    runner.setup({})
    chunk = Timed(runner, "run_chunk")
    trade = Timed(replay, "_trade")
    encode = Timed(chunk_runner.marshal, "dumps")  # the host's encoding of the runs
    try:
        t0 = time.perf_counter()
        replay.run(iter(data))
        total = time.perf_counter() - t0
    finally:
        chunk_runner.marshal.dumps = encode._inner  # type: ignore[attr-defined]
    bets = replay.figures.bets
    replay.close()
    return total, {"run_chunk": chunk.seconds, "trade": trade.seconds, "encode": encode.seconds}, bets


def speed(tmp: Path, candles: int) -> None:
    home = tmp / "speed"
    make_wheel(home / "registry", "trivial-strategy", "1.0.0", ep="trivial", module="trivial_strategy", body=TRIVIAL)
    make_wheel(home / "registry", "trader-strategy", "1.0.0", ep="trader", module="trader_strategy", body=TRADER)
    settings = settings_for(home)
    path = tmp / "speed.csv"
    write_csv(path, candles)
    t0 = time.perf_counter()
    data = list(csv_batches(path, markets=settings.markets))
    parse = time.perf_counter() - t0
    n = sum(len(rows) for _, rows in data)
    print(f"\n1. speed on {n:,} candles of nine markets ({len(data):,} batches), candles per second:")
    print(f"   {'strategy':<10}{'plain loop':>14}{'pluggy':>14}{'sandboxed':>14}{'sandboxed/pluggy':>19}{'bets':>8}")
    breakdown: dict[str, Any] = {}
    for name, cls, spec in (("trivial", Trivial, "trivial==1.0.0"), ("trader", Trader, "trader==1.0.0")):
        plain = min(plain_loop(data, cls()) for _ in range(ROUNDS))  # best of ROUNDS: the machine's noise out
        plug = min(pluggy_loop(data, cls) for _ in range(ROUNDS))
        total, parts, bets = min((sandboxed_run(settings, spec, data) for _ in range(ROUNDS)), key=lambda r: r[0])
        print(f"   {name:<10}{n / plain:>14,.0f}{n / plug:>14,.0f}{n / total:>14,.0f}{plug / total:>18.2f}x{bets:>8}")
        breakdown[name] = (total, parts, plug)
    print(f"\n2. where the time goes (sandboxed), microseconds per candle; parsing the CSV: "
          f"{parse / n * 1e6:.2f} us ({n / parse:,.0f} candles/s)")
    print("   (worker round trip: the pipe both ways, the worker's decode, its Candle/Context building and"
          " pluggy calls, its reply; the same strategy through pluggy in process beside it)")
    for name, (total, parts, plug) in breakdown.items():
        encode = parts["encode"]
        worker = parts["run_chunk"] - encode
        fills = parts["trade"]
        book = max(0.0, total - parts["run_chunk"] - fills)
        us = 1e6 / n
        print(f"   {name:<8} host encode {encode * us:.2f}, worker round trip {worker * us:.2f} (pluggy in process "
              f"{plug * us:.2f}), fills {fills * us:.2f}, bookkeeping {book * us:.2f} (total {total * us:.2f})")


def million(tmp: Path, candles: int, csv_path: Path | None = None) -> subprocess.Popen[bytes]:
    home = tmp / "million"
    make_wheel(home / "registry", "trader-strategy", "1.0.0", ep="trader", module="trader_strategy", body=TRADER)
    path = csv_path or tmp / "million.csv"
    if not path.exists():
        write_csv(path, candles, seed=2)
    env = {"LIVESWAP_HOME": str(home), "LIVESWAP_INSTALLED_STRATEGIES": "false", "PATH": "/usr/bin:/bin",
           "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000000"}
    cli = [str(BIN / "liveswap"), "backtest", "trader==1.0.0", "--candles", f"csv:{path}", "--json"]
    return subprocess.Popen([sys.executable, "-c", PEAK, *cli], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
sys.stderr.write(f"\\npeak-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
raise SystemExit(done.returncode)
"""


def finish_million(proc: subprocess.Popen[bytes], began: float, candles: int) -> None:
    out, err = proc.communicate()
    wall = time.perf_counter() - began
    peak = int(err.decode().rsplit("peak-kib ", 1)[-1].split()[0]) / 1024  # the CLI's and its worker's, not ours

    if proc.returncode != 0:
        print(f"   backtest failed: {err.decode()[-300:]}")
        return
    result = json.loads(out)["versions"][0]
    print(f"\n3. liveswap backtest on {candles:,} candles (CSV, trading strategy, {result['bets']:,} bets): "
          f"{wall:.1f} s wall ({candles / wall:,.0f} candles/s end to end, start-up included); "
          f"peak RSS of the backtest (its largest process) {peak:.0f} MiB")


def live_latency(tmp: Path, rounds: int, per_round: int, csv_path: Path) -> tuple[list[float], list[float]]:
    """A live engine's decision latency, alternating windows alone and beside a running backtest
    (so the machine's other load falls on both alike)."""
    home = tmp / "live"
    threshold_wheel(home / "registry", "1.0.0", 0.0005)
    settings = load_settings(home, risk={"daily_loss_limit": 1e6, "max_open_positions": 1000})
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = paper_engine(settings, make_loader(settings).load("bench==1.0.0"))
    groups = iter(batches(engine, 2 * rounds * per_round))
    alone: list[float] = []
    beside: list[float] = []
    for i in range(2 * rounds):
        proc = million(tmp / f"beside{i}", 0, csv_path) if i % 2 else None
        if proc is not None:
            time.sleep(2.0)  # past the worker's start: the replay itself runs
        for _ in range(per_round):
            end, group = next(groups)
            t0 = time.perf_counter()
            engine.process_batch(end, group, now=end)
            (beside if proc else alone).append((time.perf_counter() - t0) * 1000)
            time.sleep(0.01)
        if proc is not None:
            proc.kill()
            proc.wait()
    engine.active.runner.close()
    engine.journal.close()
    return alone, beside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200k candles for speed, 300k for memory")
    args = parser.parse_args()
    logger.remove()
    speed_n, million_n = (200_000, 300_000) if args.quick else (500_000, 1_000_000)
    print(f"backtest benchmark: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        speed(Path(tmp), speed_n)
        csv_path = Path(tmp) / "m" / "million.csv"
        (Path(tmp) / "m").mkdir()
        write_csv(csv_path, million_n, seed=2)
        began = time.perf_counter()
        finish_million(million(Path(tmp) / "m", million_n, csv_path), began, million_n)
        alone, beside = live_latency(Path(tmp), 3, 40, csv_path)
        print("\n4. live decision latency (process_batch, sandboxed worker, ms; windows alternated): "
              f"alone p50 {pct(alone, 0.5):.2f} p99 {pct(alone, 0.99):.2f}; "
              f"beside a running backtest p50 {pct(beside, 0.5):.2f} p99 {pct(beside, 0.99):.2f}")


if __name__ == "__main__":
    main()
