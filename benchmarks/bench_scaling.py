"""How the swap pause and the throughput scale: 9, 90 and 900 markets; strategy state of 1 KB, 1 MB, 10 MB.

An engine in this process (ManualClock, real registry, isolated installs, sandboxed workers, the
real SwapManager) decides five-minute batches; between two batches a new version, prepared off
the trading path, is committed. The commit's blocking time is ``pause_ms``: with the state
hand-over staged before the flip (``liveswap.swap.staging``) it is the flip, whatever the state's
size; the hand-over itself (export + import, which grows with the state) runs while the old
version still trades (``bench_swap_pause.py`` measures it and the fallback that pays it at the
flip). The anchor is the 9-market, 1 KB row (and the swap issue's target: p99 pause <= 5 ms).
Throughput is candles per second decided through the sandboxed strategy with the journal, as in
``bench_engine.py``.

    .venv/bin/python benchmarks/bench_scaling.py [--swaps N] [--batches N]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    advance,
    close_engine,
    machine,
    p50_p99_max,
    sandboxed_engine,
    strategy_wheel,
    swap,
    synthetic_markets,
)
from loguru import logger  # noqa: E402

STATE_SIZES = {"1 KB": 1_000, "1 MB": 1_000_000, "10 MB": 10_000_000}


def measure(markets: int, state_bytes: int, swaps: int, batches: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for version in ("1.0.0", "1.1.0"):
            strategy_wheel(home / "registry", version, state_bytes)
        engine, manager = sandboxed_engine(home, synthetic_markets(markets))
        try:
            advance(engine, 3)
            t0 = time.perf_counter()
            candles = advance(engine, batches)
            rate = candles / (time.perf_counter() - t0)
            pauses = []
            for i in range(swaps):
                pauses.append(swap(engine, manager, f"bench=={'1.1.0' if i % 2 == 0 else '1.0.0'}"))
                advance(engine, 1)
            p50, p99, worst = p50_p99_max(pauses)
            return {"p50": p50, "p99": p99, "max": worst, "rate": rate}
        finally:
            close_engine(engine, manager)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=20)
    parser.add_argument("--batches", type=int, default=60, help="batches timed for throughput (9 markets; fewer "
                        "for more markets)")
    parser.add_argument("--max-markets", type=int, default=900)
    args = parser.parse_args(argv)
    logger.remove()
    print(f"swap pause and throughput scaling -- {machine()}")
    print(f"{'case':28} {'pause p50 ms':>12} {'p99 ms':>8} {'max ms':>8} {'candles/s':>10}")
    rows: dict[str, dict[str, float]] = {}
    cases = [(f"{n} markets, 1 KB state", n, 1_000) for n in (9, 90, 900) if n <= args.max_markets]
    cases += [(f"9 markets, {label} state", 9, size) for label, size in STATE_SIZES.items() if size > 1_000]
    for label, markets, size in cases:
        batches = max(6, args.batches * 9 // markets)
        rows[label] = r = measure(markets, size, args.swaps, batches)
        print(f"{label:28} {r['p50']:12.2f} {r['p99']:8.2f} {r['max']:8.2f} {r['rate']:10.0f}", flush=True)
    return rows


if __name__ == "__main__":
    main()
