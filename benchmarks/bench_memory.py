"""Memory: the host's RSS and each sandboxed worker's RSS with one worker, two (the old one kept
warm during probation after a swap) and ten.

The host here is this process running an engine (nine markets, real registry, sandboxed workers,
swap manager), as ``liveswap run`` builds it; the anchor is the one-worker row. Worker RSS is read
from ``/proc/PID/statm``.

    .venv/bin/python benchmarks/bench_memory.py

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    NAME,
    advance,
    close_engine,
    machine,
    mib,
    rss_bytes,
    sandboxed_engine,
    strategy_wheel,
    swap,
)
from loguru import logger  # noqa: E402


def main(argv: list[str] | None = None) -> list[tuple[str, int | None, list[int]]]:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    logger.remove()
    print(f"memory (RSS), nine markets -- {machine()}")
    rows: list[tuple[str, int | None, list[int]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for i in range(10):
            strategy_wheel(home / "registry", f"1.{i}.0", 1_000)
        engine, swaps = sandboxed_engine(home, start=f"{NAME}==1.0.0", probation=30)
        extra = []
        try:
            advance(engine, 5)
            rows.append(("one worker", rss_bytes(os.getpid()), [engine.active.runner.rss_bytes()]))
            swap(engine, swaps, f"{NAME}==1.1.0")
            advance(engine, 2)
            assert swaps.in_probation
            old = swaps._probation.old.runner  # type: ignore[union-attr]
            rows.append(("two workers (probation)", rss_bytes(os.getpid()),
                         [old.rss_bytes(), engine.active.runner.rss_bytes()]))
            extra = [swaps.loader.load(f"{NAME}==1.{i}.0") for i in range(2, 10)]
            workers = [old, engine.active.runner] + [a.runner for a in extra]
            rows.append(("ten workers", rss_bytes(os.getpid()), [w.rss_bytes() for w in workers]))
        finally:
            for a in extra:
                a.runner.close()
            close_engine(engine, swaps)
    print(f"{'':26} {'host MiB':>9} {'per worker MiB':>15} {'workers total MiB':>18}")
    for label, host, workers in rows:
        known = [w for w in workers if w]
        per = sum(known) / len(known) if known else None
        print(f"{label:26} {mib(host):>9} {mib(per):>15} {mib(sum(known)):>18}")
    return rows


if __name__ == "__main__":
    main()
