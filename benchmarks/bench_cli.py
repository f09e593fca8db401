"""CLI start-up: each everyday command against a bare interpreter start, side by side in one run.

Sets up a home once (the sample wheels, a short real ``liveswap run`` so there is a status.json,
a registry catalog and a journal with swaps, then stops it), compiles liveswap's bytecode as a
wheel install does, then runs, round after round and interleaved, a bare
``python -c pass`` of the same virtual environment and each command through the ``liveswap``
console script. Prints the median wall time of each and its ratio to the bare start (the target
is within 3x for status, activate, rollback, pause, resume, set and history), and the median CPU
time (user + system: the wall time of a control command also holds its control.json fsyncs).
On 2026-11-25 (2 cores shared with other jobs, Python 3.11.7, ``-n 15``): 1.4-2.0x, the worst
history (sqlite3); the code before issue 15's last part: 3.1-4.6x, activate 29x.

    .venv/bin/python benchmarks/bench_cli.py [-n ROUNDS] [--importtime] [--no-compile]

``--no-compile`` skips the bytecode step. ``--importtime`` also prints, per command, the five
slowest imports (``python -X importtime``).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LIVESWAP = str(BIN / "liveswap")

COMMANDS: dict[str, list[str]] = {
    "status": ["status"],
    "status --json": ["status", "--json"],
    "history": ["history"],
    "activate": ["activate", "momentum==1.0.0"],
    "rollback": ["rollback"],
    "pause": ["pause"],
    "resume": ["resume"],
    "set": ["set", "stake=2"],
    "--help": ["--help"],
}
TARGET = 3.0
HOT = ("status", "history", "activate", "rollback", "pause", "resume", "set")


def machine() -> str:
    return (f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env["LIVESWAP_HOME"] = str(home)
    return env


def prepare_home(home: Path) -> None:
    """Sample wheels, then a short real host run: status.json, a journal with a start and a swap."""
    (home / "registry").mkdir(parents=True)
    wheels = sorted((ROOT / "registry").glob("*.whl"))
    if wheels:
        for w in wheels:
            shutil.copy2(w, home / "registry" / w.name)
    else:
        subprocess.run([sys.executable, str(ROOT / "plugins" / "build_all.py"), "--out", str(home / "registry")],
                       check=True, capture_output=True)
    env = env_for(home)
    host = subprocess.Popen([LIVESWAP, "run", "--speed", "3000"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (home / "state" / "status.json").exists() and time.monotonic() < deadline and host.poll() is None:
            time.sleep(0.1)  # the host is up (an activate before that is applied at its start, not waited for)
        subprocess.run([LIVESWAP, "activate", "momentum==1.0.0", "--wait", "60"], env=env, capture_output=True)
    finally:
        host.send_signal(signal.SIGINT)
        host.wait(60)
    if not (home / "state" / "status.json").exists():
        raise SystemExit("the host wrote no status.json; is the environment set up (python3 dev.py test)?")


def compile_bytecode() -> str:
    """Compile liveswap's modules to ``__pycache__`` first, as ``pip install`` of the wheel does: an
    operator's CLI reads bytecode. (An editable checkout run with ``PYTHONDONTWRITEBYTECODE=1``
    would otherwise recompile every module it imports on every start, and measure the compiler.)"""
    import importlib.util

    spec = importlib.util.find_spec("liveswap")
    folder = list(spec.submodule_search_locations or [])[0] if spec else None
    if folder is None:
        return "bytecode: liveswap not found"
    subprocess.run([sys.executable, "-m", "compileall", "-q", folder], check=True, stdout=subprocess.DEVNULL)
    note = " (PYTHONDONTWRITEBYTECODE is set: it would not be written on first use)" \
        if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    return f"bytecode: compiled under {folder}, as a wheel install does{note}"


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run, ms. The CPU time is the start-up's own work;
    the wall time adds waits (the fsyncs of a control.json write, a loaded machine's scheduler)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0  # reaped by wait4
    return 1000 * (time.perf_counter() - t0), 1000 * (usage.ru_utime + usage.ru_stime)


def slowest_imports(args: list[str], env: dict[str, str], n: int = 5) -> list[str]:
    """The ``n`` top-level imports with the largest cumulative time (``-X importtime``)."""
    code = "import sys; from liveswap.cli.main import main; sys.exit(main(sys.argv[1:]))"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], env=env, capture_output=True,
                         text=True)
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # top level only
            rows.append((int(cumulative), name.strip()))
    return [f"{name} {us / 1000:.1f} ms" for us, name in sorted(rows, reverse=True)[:n]]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=15, help="rounds (each: bare start + every command)")
    parser.add_argument("--importtime", action="store_true", help="also print each command's slowest imports")
    parser.add_argument("--no-compile", action="store_true",
                        help="do not compile bytecode first (measures whatever __pycache__ holds)")
    args = parser.parse_args(argv)
    print(f"CLI start-up against a bare interpreter, {args.rounds} interleaved rounds -- {machine()}")
    with tempfile.TemporaryDirectory(prefix="liveswap-bench-cli-") as tmp:
        home = Path(tmp) / "home"
        prepare_home(home)
        print(compile_bytecode() if not args.no_compile else "bytecode: not compiled first (--no-compile)")
        env = env_for(home)
        bare = [sys.executable, "-c", "pass"]
        times: dict[str, list[float]] = {"bare python -c pass": [], **{k: [] for k in COMMANDS}}
        cpu: dict[str, list[float]] = {k: [] for k in times}
        for _ in range(args.rounds):
            for label, cmd in (("bare python -c pass", bare), *((k, [LIVESWAP, *c]) for k, c in COMMANDS.items())):
                wall, used = timed(cmd, env)
                times[label].append(wall)
                cpu[label].append(used)
        base = statistics.median(times["bare python -c pass"])
        base_min = min(times["bare python -c pass"])
        base_cpu = statistics.median(cpu["bare python -c pass"])
        ratios: dict[str, float] = {}
        print(f"{'command':<22} {'median ms':>10} {'ratio':>7} {'min ms':>8} {'ratio':>7} {'cpu ms':>8} {'ratio':>7}"
              "   (target: median ratio; cpu: median user+sys)")
        for label, values in times.items():
            med = statistics.median(values)
            ratios[label] = med / base
            used = statistics.median(cpu[label])
            mark = "" if label not in HOT else ("  ok" if ratios[label] <= TARGET else f"  OVER {TARGET:g}x")
            print(f"{label:<22} {med:>10.1f} {ratios[label]:>6.2f}x {min(values):>8.1f} "
                  f"{min(values) / base_min:>6.2f}x {used:>8.1f} {used / base_cpu:>6.2f}x{mark}")
        worst = max(HOT, key=lambda k: ratios[k])
        print(f"worst everyday command: {worst} at {ratios[worst]:.2f}x a bare start (target <= {TARGET:g}x)")
        if args.importtime:
            for label, cmd in COMMANDS.items():
                print(f"{label}: " + "; ".join(slowest_imports(cmd, env)))
    return ratios


if __name__ == "__main__":
    main()
