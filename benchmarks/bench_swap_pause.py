"""The swap pause against its physical floor: a pipe round trip of the same bytes.

A nine-market engine in this process with real sandboxed workers (as the host builds it, see
``_common.sandboxed_engine``); the strategy exports ~100 KB of state. Many swaps alternate two
versions, one batch decided between swaps; per swap the commit's ``pause_ms`` (export from the
old worker, relay, import into the new one, flip -- nothing after the flip is counted). In the
same run it times the floor: the same number of state bytes sent to a child process over a pipe
and read back (two pipe crossings, as export + import are), a JSON encode + decode of that state
in one process (the work the strategy's export and import cannot skip) and, to show where the
pause goes, ``export_state_json`` and ``import_state_json`` alone on the active worker.

    .venv/bin/python benchmarks/bench_swap_pause.py [--swaps N] [--state-bytes B]

Prints figures (and the pause / floor ratio); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    NAME,
    advance,
    close_engine,
    machine,
    p50_p99_max,
    sandboxed_engine,
    strategy_wheel,
    swap,
    synthetic_markets,
)

ECHO = ("import os,sys\n"
        "def read(n):\n"
        " b=bytearray()\n"
        " while len(b)<n:\n"
        "  c=os.read(0,n-len(b))\n"
        "  if not c: sys.exit(0)\n"
        "  b+=c\n"
        " return b\n"
        "while True:\n"
        " m=memoryview(read(int.from_bytes(read(4),'big')))\n"
        " while m: m=m[os.write(1,m):]\n")


def pipe_floor(payload: bytes, rounds: int) -> list[float]:
    """ms per round trip of ``payload`` to a child process over a pipe and back (length-prefixed)."""
    child = subprocess.Popen([sys.executable, "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             bufsize=0)
    assert child.stdin is not None and child.stdout is not None
    wfd, rfd = child.stdin.fileno(), child.stdout.fileno()
    frame = len(payload).to_bytes(4, "big") + payload
    samples = []
    try:
        for i in range(rounds + 20):
            t0 = time.perf_counter()
            view = memoryview(frame)
            while view:  # the child reads the whole frame before it answers: no deadlock
                view = view[os.write(wfd, view):]
            got = 0
            while got < len(payload):
                got += len(os.read(rfd, 1 << 20))
            if i >= 20:  # warm-up
                samples.append(1000 * (time.perf_counter() - t0))
    finally:
        child.stdin.close()
        child.wait(10)
    return samples


def codec_floor(state: bytes, rounds: int) -> list[float]:
    """ms of one ``json.loads`` + compact ``json.dumps`` of the state in this process: the CPU work the
    strategy's own export (encode in the old worker) and import (decode in the new) cannot skip."""
    obj = json.loads(state)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        json.loads(json.dumps(obj, separators=(",", ":")).encode())
        samples.append(1000 * (time.perf_counter() - t0))
    return samples


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=200)
    parser.add_argument("--state-bytes", type=int, default=130_000,
                        help="nominal size; the strategy exports about 100 KB of JSON at the default")
    parser.add_argument("--markets", type=int, default=9)
    args = parser.parse_args(argv)
    from loguru import logger

    logger.remove()
    print(f"swap pause vs pipe floor, {args.markets} markets, {args.swaps} swaps -- {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        for version in ("1.0.0", "1.1.0"):
            strategy_wheel(home / "registry", version, args.state_bytes)
        engine, swaps = sandboxed_engine(home, synthetic_markets(args.markets))
        try:
            advance(engine, 3)
            pauses, export_ms, import_ms = [], [], []
            state = b""
            for i in range(args.swaps):
                advance(engine, 1)
                runner = engine.active.runner
                t0 = time.perf_counter()
                state = runner.export_state_json() or b""
                t1 = time.perf_counter()
                runner.import_state_json(state, engine.active.version)  # its own state back: a no-op change
                t2 = time.perf_counter()
                export_ms.append(1000 * (t1 - t0))
                import_ms.append(1000 * (t2 - t1))
                pauses.append(swap(engine, swaps, f"{NAME}=={'1.1.0' if i % 2 == 0 else '1.0.0'}"))
        finally:
            close_engine(engine, swaps)
    floor = pipe_floor(state, args.swaps)
    codec = codec_floor(state, args.swaps)
    p50, p99, worst = p50_p99_max(pauses)
    f50, f99, fmax = p50_p99_max(floor)
    e50, e99, _ = p50_p99_max(export_ms)
    i50, i99, _ = p50_p99_max(import_ms)
    print(f"state exported: {len(state)} bytes")
    print(f"swap pause (export + relay + import + flip): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms "
          f"(n={len(pauses)})")
    print(f"  export_state_json alone p50 {e50:.2f} / p99 {e99:.2f} ms; import_state_json alone "
          f"p50 {i50:.2f} / p99 {i99:.2f} ms")
    print(f"pipe round trip of the same {len(state)} bytes (floor): p50 {f50:.3f} ms, p99 {f99:.3f} ms, "
          f"max {fmax:.3f} ms")
    c50, c99, _ = p50_p99_max(codec)
    print(f"JSON encode + decode of that state in one process (no pipe, no sandbox): p50 {c50:.2f} ms, "
          f"p99 {c99:.2f} ms")
    print(f"pause / floor: p50 {p50 / f50:.1f}x, p99 {p99 / f99:.1f}x; goal p99 <= 1 ms: "
          f"{'met' if p99 <= 1.0 else 'not met'}")
    return {"pause": (p50, p99, worst), "floor": (f50, f99, fmax), "export": (e50, e99), "import": (i50, i99),
            "codec": (c50, c99), "bytes": len(state)}


if __name__ == "__main__":
    main()
