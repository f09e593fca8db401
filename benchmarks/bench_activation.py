"""Activation latency: ``liveswap activate NAME==V --wait`` from the command to the version active.

On a real ``liveswap run`` host (nine markets, synthetic feed, sandboxed strategy), times the whole
command (CLI start, control.json write, host notices, prepares off the trading path -- registry
check, isolated install if needed, worker spawn and handshake -- commits at the next batch
boundary, reports applied) for:

* a wheel **already installed** (a version that was active before), and
* a **freshly dropped** wheel (copied into ``registry/`` right before the command: validation and
  install are on its path).

The anchor is the CLI's own start-up (``liveswap --help``), the swap issue's target (median <= 1 s)
and the environments issue's goal for an installed version (<= 300 ms). To show where the time
goes it also times, in-process, the host's **prepare** of an installed version alone: registry
resolve, the environment verified against its lock, worker spawn and handshake.

    .venv/bin/python benchmarks/bench_activation.py [-n N]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    BIN,
    NAME,
    host_env,
    host_trading,
    liveswap,
    machine,
    start_host,
    stop_host,
    strategy_wheel,
    until,
)


def activate(env: dict[str, str], spec: str) -> float:
    t0 = time.monotonic()
    done = liveswap(env, "activate", spec, "--wait", "60")
    ms = 1000 * (time.monotonic() - t0)
    if done.returncode != 0:
        raise RuntimeError(f"activate {spec}: {done.stderr.strip()}")
    return ms


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=8, help="activations of each kind")
    parser.add_argument("--speed", type=float, default=600.0)
    args = parser.parse_args(argv)
    print(f"activation latency (command -> active), nine markets, speed {args.speed:g} -- {machine()}")
    cli = []
    for _ in range(3):
        t0 = time.monotonic()
        subprocess.run([str(BIN / "liveswap"), "--help"], capture_output=True, check=True)
        cli.append(1000 * (time.monotonic() - t0))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        for version in ("1.0.0", "1.1.0"):
            strategy_wheel(home / "registry", version, 1_000)
        env = host_env(home, LIVESWAP_HEARTBEAT_SECONDS="0.2")
        proc = start_host(env, args.speed, "--strategy", f"{NAME}==1.0.0")
        try:
            until(lambda: host_trading(home, proc), 60)
            activate(env, f"{NAME}==1.1.0")  # installs 1.1.0; both are installed from here on
            installed = [activate(env, f"{NAME}=={'1.0.0' if i % 2 == 0 else '1.1.0'}") for i in range(args.n)]
            fresh = []
            for i in range(args.n):
                strategy_wheel(home / "registry", f"2.{i}.0", 1_000)
                fresh.append(activate(env, f"{NAME}==2.{i}.0"))
        finally:
            stop_host(proc)
        prepare = prepare_times(home, f"{NAME}==1.1.0", args.n)
    print(f"CLI start-up alone (liveswap --help): median {statistics.median(cli):.0f} ms")
    print(f"prepare of an installed version (resolve + verify env + worker spawn + handshake, in-process): "
          f"median {statistics.median(prepare):.0f} ms   min {min(prepare):.0f}   max {max(prepare):.0f}")
    for label, values in (("already installed", installed), ("freshly dropped wheel", fresh)):
        print(f"{label:24} median {statistics.median(values):6.0f} ms   min {min(values):6.0f}   "
              f"max {max(values):6.0f}   (n={len(values)})")
    return {"cli": cli, "installed": installed, "fresh": fresh, "prepare": prepare}


def prepare_times(home: Path, spec: str, n: int) -> list[float]:
    from liveswap.registry import Registry
    from liveswap.settings import load_settings
    from liveswap.swap.registry_loader import RegistryLoader

    settings = load_settings(home)
    loader = RegistryLoader(Registry.from_settings(settings), limits=settings.sandbox,
                            hook_timeout=settings.hook_timeout_seconds, state_dir=settings.state_dir)
    loader.registry.scan()
    samples = []
    for _ in range(n):
        t0 = time.monotonic()
        active = loader.load(spec)
        samples.append(1000 * (time.monotonic() - t0))
        active.runner.close()
    return samples


if __name__ == "__main__":
    main()
