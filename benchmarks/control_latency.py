"""How long from a control.json change to the running host reporting it applied (status.json).

Starts a real ``liveswap run --speed S`` on a temporary home with a tiny strategy wheel in its
registry (sandboxed like any other), then changes ``params`` N times through
``update_control`` (as ``liveswap set`` does) and times each until ``observed_generation``
reaches it. The heartbeat is set to 5 s so only the watcher's own status write can explain a
fast answer. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/control_latency.py [--speed 300] [-n 30]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from liveswap.home.control_store import update_control  # noqa: E402
from liveswap.home.status import read_status  # noqa: E402

from tests.support.wheelkit import make_wheel  # noqa: E402

PROBE = """
from liveswap.api import Intent, hookimpl

class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return [Intent(candle.market, "up", float(ctx.params.get("stake", 1.0)))]
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--speed", type=float, default=300.0)
    ap.add_argument("-n", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        make_wheel(home / "registry", "bench-strategy", "1.0.0", ep="bench", module="bench_strategy", body=PROBE)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
        env.update(LIVESWAP_HOME=str(home), LIVESWAP_HEARTBEAT_SECONDS="5")
        exe = Path(sys.executable).parent / "liveswap"
        host = subprocess.Popen([str(exe), "run", "--speed", str(args.speed), "--strategy", "bench"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            state = home / "state"
            while not ((st := read_status(state)) and st.running and st.cursor):
                time.sleep(0.01)
            samples = []
            for i in range(args.n):
                t0 = time.monotonic()
                doc = update_control(state, lambda d, g, i=i: {**d, "params": {"stake": 1 + i % 2}})
                while ((st := read_status(state)) and st.observed_generation or 0) < doc.generation:
                    time.sleep(0.002)
                samples.append(1000 * (time.monotonic() - t0))
                time.sleep(0.05 + 0.013 * (i % 7))  # land at different points of the idle wait
        finally:
            host.send_signal(signal.SIGTERM)
            host.wait(15)
    samples.sort()
    print(f"control.json change -> status.json observed_generation, speed {args.speed:g}, n={args.n}")
    print(f"  min {samples[0]:.0f} ms, median {statistics.median(samples):.0f} ms, "
          f"p90 {samples[int(0.9 * (len(samples) - 1))]:.0f} ms, max {samples[-1]:.0f} ms")


if __name__ == "__main__":
    main()
