"""Time from a strategy fault to the previous version trading again, against one batch interval.

A nine-market engine in this process with sandboxed workers (as the host builds it): version
1.0.0 trades, 2.0.0 is activated and faults during probation (a crash, garbage output, or a hang
past the hook time limit). For each fault the benchmark times:

* **rollback** -- the automatic rollback itself, from the fault raised in the host to the previous
  version live, holding its state at the swap plus a replay of the batches since (the
  ``auto-rollback`` swap's ``pause_ms``);
* **batch** -- the whole faulted batch, from sending it to 2.0.0 until it is decided and journaled
  by 1.0.0 (includes the fault's own detection: for a hang, the hook time limit);

each with the previous version's warm worker (the usual case) and with it gone (a fresh worker is
started: spawn, handshake, setup, import, replay).

    .venv/bin/python benchmarks/bench_rollback.py [-n N] [--hook-timeout S]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import close_engine, machine, p50_p99_max, sandboxed_engine, swap  # noqa: E402

from tests.support.wheelkit import make_wheel  # noqa: E402

BODY = '''
import os, time
from liveswap.api import hookimpl, Intent
class Strategy:
    def __init__(self):
        self.seen = []
        self.n = 0
    @hookimpl
    def on_candle(self, candle, ctx):
        self.n += 1
        if {faulty} and self.n > 9:
            {fault}
        self.seen.append([candle.market, candle.start])
        return [Intent(candle.market, "up", 1.0)]
    @hookimpl
    def export_state(self):
        return {{"seen": self.seen[-500:]}}
    @hookimpl
    def import_state(self, state, from_version):
        self.seen = state["seen"]
'''
FAULTS = {"crash": "os._exit(3)", "garbage": "return [Intent(candle.market, 'up', 10**400)]",
          "hang": "time.sleep(60)"}


def one(fault: str, warm: bool, hook_timeout: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        reg = home / "registry"
        make_wheel(reg, "bench-strategy", "1.0.0", ep="bench", module="bench_strategy",
                   body=BODY.format(faulty=False, fault="pass"))
        make_wheel(reg, "bench-strategy", "2.0.0", ep="bench", module="bench_strategy",
                   body=BODY.format(faulty=True, fault=FAULTS[fault]))
        engine, swaps = sandboxed_engine(home, start="bench==1.0.0", probation=30)
        try:
            engine._settings.hook_timeout_seconds = hook_timeout  # noqa: SLF001 - the runner has its own copy
            for _ in range(3):
                engine.clock.t += 300  # type: ignore[attr-defined]
                engine.catch_up(engine.clock.now())
            old = engine.active.runner
            swap(engine, swaps, "bench==2.0.0")
            engine.active.runner.hook_timeout = hook_timeout  # type: ignore[attr-defined]
            if not warm:
                os.kill(old.pid, signal.SIGKILL)  # type: ignore[attr-defined]
            engine.clock.t += 300  # type: ignore[attr-defined]
            engine.catch_up(engine.clock.now())  # 2.0.0 decides one batch (9 candles at most)
            while engine.active.version == "2.0.0":
                engine.clock.t += 300  # type: ignore[attr-defined]
                t0 = time.perf_counter()
                engine.catch_up(engine.clock.now())
                batch_ms = (time.perf_counter() - t0) * 1000
            last = engine.last_swap
            assert last is not None and last.kind == "auto-rollback" and last.ok, last
            return float(last.pause_ms or 0.0), batch_ms
        finally:
            close_engine(engine, swaps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--hook-timeout", type=float, default=1.0)
    args = ap.parse_args()
    print(f"# fault -> previous version trading again ({machine()}), {args.n} runs each, "
          f"hook time limit {args.hook_timeout:g} s, one batch interval = 300 s (5m markets)")
    print(f"{'fault':8} {'worker':6} {'rollback p50/p99/max ms':>26} {'faulted batch p50/p99/max ms':>30}")
    for fault in FAULTS:
        for warm in (True, False):
            runs = [one(fault, warm, args.hook_timeout) for _ in range(args.n)]
            r = p50_p99_max([x for x, _ in runs])
            b = p50_p99_max([y for _, y in runs])
            print(f"{fault:8} {'warm' if warm else 'fresh':6} {r[0]:8.1f} /{r[1]:8.1f} /{r[2]:8.1f}"
                  f"   {b[0]:8.1f} /{b[1]:8.1f} /{b[2]:8.1f}")


if __name__ == "__main__":
    main()
