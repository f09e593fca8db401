"""The dashboard's reads on journals of growing size: what one ``/api/series`` and one
``/api/overview`` cost (the page asks for the overview every second and the series every 4 s).

    python benchmarks/bench_web.py [--quick]

Prints, per journal size (settled bets), the median time of ``data.series`` read cold (a new
dashboard: the whole journal), warm (nothing new), after 100 new bets (read incrementally), of
``data.overview``, and the size of the series JSON. The journal is made with the real Journal API;
nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liveswap.web import data  # noqa: E402

from tests.support.journal_rows import Bet, write_bets  # noqa: E402


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller journals, fewer runs")
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    runs = 3 if args.quick else 7
    print(f"{'settled bets':>12} {'series cold ms':>15} {'series warm ms':>15} {'+100 bets ms':>13} "
          f"{'overview ms':>12} {'series JSON KB':>15}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp) / "state"
            state.mkdir()
            versions = ("1.0.0", "1.1.0", "1.2.0")
            bets = [Bet("momentum", versions[i * len(versions) // n], 1_000 + 300 * i, 0.9 if i % 2 else -1.04,
                        bool(i % 2)) for i in range(n)]
            write_bets(state / "journal.sqlite", bets)
            # cold: a new dashboard process reads the whole journal once
            cold_ms = median_ms(lambda s=state: data.series(s) if data._FIGURES.clear() is None else None, runs)
            warm_ms = median_ms(lambda s=state: data.series(s), runs)  # nothing new since the last read
            more = [Bet("momentum", "1.2.0", bets[-1].ts + 300 * (i + 1), 0.9, True) for i in range(100)]
            write_bets(state / "journal.sqlite", more, first_id=n)
            t0 = time.perf_counter()
            data.series(state)
            added_ms = (time.perf_counter() - t0) * 1000
            overview_ms = median_ms(lambda s=state: data.overview(s), runs)
            kb = len(json.dumps(data.series(state))) / 1024
            print(f"{n:>12,} {cold_ms:>15.1f} {warm_ms:>15.1f} {added_ms:>13.1f} {overview_ms:>12.1f} {kb:>15.1f}")
            data._FIGURES.clear()


if __name__ == "__main__":
    main()
