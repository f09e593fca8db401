"""Run every benchmark and write the headline figures into README.md (between the benchmark markers).

    python3 dev.py bench            # full run (~6-10 min on 2 cores)
    python3 dev.py bench --quick    # fewer rounds (~2-3 min)
    python3 dev.py bench --no-readme

Each benchmark prints its own figures (all of it is echoed here); the README table is rebuilt from
what this run measured on this machine, with the date and core count. Nothing asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_activation  # noqa: E402
import bench_cli  # noqa: E402
import bench_deploy  # noqa: E402
import bench_memory  # noqa: E402
import bench_rollout_stats  # noqa: E402
import bench_scaling  # noqa: E402
import bench_shadow_latency  # noqa: E402
import bench_swap_pause  # noqa: E402
from _common import machine, mib, p50_p99_max  # noqa: E402

README = HERE.parent / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


def script(name: str, *args: str) -> str:
    """Run an existing benchmark script; echo and return its stdout."""
    out = subprocess.run([sys.executable, str(HERE / name), *args], capture_output=True, text=True)
    text = out.stdout + (f"\n[{name} exited {out.returncode}: {out.stderr.strip()[-300:]}]" if out.returncode else "")
    print(text, flush=True)
    return text


def called(fn, argv: list[str]):  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = fn(argv)
    print(buf.getvalue(), flush=True)
    return result


def figure(pattern: str, text: str, group: int = 1) -> str:
    m = re.search(pattern, text, re.MULTILINE)
    return m.group(group) if m else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run in a few minutes")
    parser.add_argument("--no-readme", action="store_true", help="print only; leave README.md alone")
    args = parser.parse_args()
    q = args.quick
    began = time.monotonic()
    print(f"liveswap benchmarks{' (quick)' if q else ''} -- {machine()}\n", flush=True)

    deploy = called(bench_deploy.main, ["--swaps", "8" if q else "30", "--restarts", "2" if q else "5"])
    activation = called(bench_activation.main, ["-n", "3" if q else "8"])
    cli = called(bench_cli.main, ["-n", "5" if q else "15"])
    sandbox = script("bench_sandbox.py", "--rounds", "1000" if q else "5000", "--spawns", "3" if q else "10")
    engine = script("bench_engine.py", "--batches", "150" if q else "600")
    journal = script("bench_journal.py", "--batches", "150" if q else "600", "--snapshots", "10" if q else "50")
    memory = called(bench_memory.main, [])
    scaling = called(bench_scaling.main, ["--swaps", "6" if q else "20", "--batches", "30" if q else "60"])
    pause = called(bench_swap_pause.main, ["--swaps", "30" if q else "200", "--host-swaps", "6" if q else "20"])
    registry = script("bench_registry.py", "--rounds", "5" if q else "30")
    control = script("control_latency.py", "-n", "10" if q else "30")
    stats = called(bench_rollout_stats.main, ["--runs", "200" if q else "1000"])
    shadow = called(bench_shadow_latency.main, ["--batches", "100" if q else "400"])
    web = script("bench_web.py", *(["--quick"] if q else []))
    backtest = script("bench_backtest.py", *(["--quick"] if q else []))
    fleet = script("bench_fleet.py", *(["--leases", "2", "--seconds", "4"] if q else []))
    elapsed = time.monotonic() - began

    p50, p99, worst = deploy["pause"]
    r50 = deploy["restart"][0]
    hot = deploy["hot"]
    sb = {k: figure(rf"^{re.escape(k)}\s+([\d.]+)\s+([\d.]+)", sandbox) + " / "
          + figure(rf"^{re.escape(k)}\s+([\d.]+)\s+([\d.]+)", sandbox, 2)
          for k in ("plain function call", "in-process pluggy (InProcessRunner)", "sandbox worker (SandboxRunner)")}
    eng = {k: figure(rf"^{re.escape(k)}\s+(\d+)", engine) for k in ("in-process", "in-process, no journal",
                                                                    "sandboxed")}
    commit = {k: figure(rf"^batch commit \(write_batch\), {k}\s+([\d.]+)\s+([\d.]+)", journal) + " / "
              + figure(rf"^batch commit \(write_batch\), {k}\s+([\d.]+)\s+([\d.]+)", journal, 2)
              for k in ("FULL", "NORMAL")}
    lines = [
        START,
        f"Measured by `python3 dev.py bench{' --quick' if q else ''}` on {machine()}; run took {elapsed / 60:.1f} min. "
        "Re-run it to get your machine's figures (see docs/benchmarks.md for what each one means).",
        "",
        "| What | Figure | Anchor |",
        "|---|---|---|",
        f"| Hot swap pause (`activate --wait`, 9 markets, real host) | p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"max {worst:.2f} ms; {hot['missing']} of {hot['decided']} candles missed | target p99 <= 5 ms |",
        f"| Restart deploy (SIGTERM + `liveswap run`, to first batch decided) | p50 {r50:.0f} ms | "
        f"{r50 / p50:.0f}x the hot swap's p50 pause |",
        f"| Activation, wheel already installed (command to active) | median "
        f"{statistics.median(activation['installed']):.0f} ms | CLI start-up alone "
        f"{statistics.median(activation['cli']):.0f} ms; host-side prepare alone (verify env + worker) "
        f"{statistics.median(activation['prepare']):.0f} ms; goal <= 300 ms |",
        f"| Activation, freshly dropped wheel (validate + install) | median "
        f"{statistics.median(activation['fresh']):.0f} ms | same |",
        f"| One 9-candle batch, p50 / p99 us | sandbox {sb['sandbox worker (SandboxRunner)']} | pluggy "
        f"{sb['in-process pluggy (InProcessRunner)']}, plain call {sb['plain function call']}; target <= 100 us |",
        f"| Replay throughput, candles/s | sandboxed {eng['sandboxed']} | in-process {eng['in-process']}, "
        f"in-process without journal {eng['in-process, no journal']} |",
        f"| Batch commit before send (decisions + orders, `synchronous=FULL`: one fsync), p50 / p99 ms | "
        f"{commit['FULL']} | `NORMAL` (liveswap 1.0, not fsync'd) {commit['NORMAL']} |",
    ]
    for label, host, workers in memory:
        known = [w for w in workers if w]
        lines.append(f"| RSS, {label} | host {mib(host)} MiB, workers {mib(sum(known))} MiB "
                     f"({mib(sum(known) / max(1, len(known)))} each) | one worker |")
    for label, r in scaling.items():
        lines.append(f"| Swap pause / throughput, {label} | p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms; "
                     f"{r['rate']:.0f} candles/s | 9 markets, 1 KB |")
    kb = pause["bytes"] / 1000
    for key, label in (("staged", "staged (in-process engine, sandboxed)"), ("slipped", "a batch slipped in after "
                       "staging (fallback)"), ("busy", "back-to-back batches"), ("host", "on a real host")):
        if pause[key]:
            p50s, p99s, _ = p50_p99_max(pause[key])
            lines.append(f"| Swap pause, {kb:.0f} KB state, 9 markets, {label} | p50 {p50s:.2f} ms, p99 {p99s:.2f} ms "
                         f"| goal p99 <= 1 ms |")
    (f50, f99, _), (e50, _, _), (i50, _, _) = (p50_p99_max(pause[k]) for k in ("floor", "export", "import"))
    lines.append(f"| Swap pause floor, {kb:.0f} KB state | pipe round trip of the same bytes p50 {f50:.3f} ms, p99 "
                 f"{f99:.3f} ms | hand-over staged off the trading path: export {e50:.2f}, import {i50:.2f} ms p50 |")
    install = figure(r"^install, small pure-Python wheel.*?median\s+([\d.]+)", registry)
    applied = figure(r"median (\d+) ms", control)
    cli_hot = {k: v for k, v in cli.items() if k in bench_cli.HOT}
    cli_worst = max(cli_hot, key=lambda k: cli_hot[k])
    lines.append(f"| CLI start-up, everyday commands (median, vs a bare `python -c pass`) | "
                 f"{', '.join(f'{k} {v:.1f}x' for k, v in cli_hot.items())} | target <= 3x; worst {cli_worst} |")
    lines.append(f"| Registry: install a small wheel | median {install} ms | |")
    np_first = figure(r"^first install, numpy strategy, cold cache.*?median\s+([\d.]+)", registry)
    np_warm = figure(r"^install of another numpy version, warm cache.*?median\s+([\d.]+)", registry)
    np_disk = figure(r"^disk: (.*)$", registry)
    lines.append(f"| Environment: first install of a numpy strategy from a local wheelhouse (offline, cold cache) | "
                 f"{np_first} ms | another numpy version from the warm cache: {np_warm} ms |")
    lines.append(f"| Environment: disk of numpy strategy versions | {np_disk} | Ray runtime_env: seconds per new "
                 "environment |")
    lines.append(f"| control.json change to applied (status.json) | median {applied} ms | |")
    alpha = bench_rollout_stats.DESIGN.alpha
    for row in stats:
        median = "-" if row["median_batches"] is None else f"{row['median_batches']:.0f}"
        if row["expect"] == "better":
            what = f"power {row['promoted']:.3f} ({row['ci_promoted']}), median {median} batches to a decision"
            anchor = f"failed {row['failed']:.3f}"
        else:
            what = (f"false promotion {row['promoted']:.3f} ({row['ci_promoted']}), failed {row['failed']:.3f}, "
                    f"inconclusive {row['inconclusive']:.3f}")
            anchor = f"declared alpha {alpha}"
        lines.append(f"| Money judge ({row['runs']} rollouts), {row['scenario']} | {what} | {anchor} |")
    plain, with_shadow = shadow["no candidate"], shadow["shadow candidate"]
    lines.append(f"| Active decision latency with a shadow candidate (sandboxed, on its own thread) | p50 "
                 f"{with_shadow[0]:.2f} ms, p99 {with_shadow[1]:.2f} ms; between batches p50 {with_shadow[2]:.2f} ms | "
                 f"without a candidate p50 {plain[0]:.2f} ms, p99 {plain[1]:.2f} ms |")
    calm, slow = shadow["catch-up, no candidate"], shadow["catch-up, slow shadow"]
    lines.append(f"| Catch-up of 10 batches, the active version's decisions and orders | with a slow shadow (40 ms "
                 f"a candle) {slow[0]:.0f} ms; the shadow itself done {slow[1]:.0f} ms after the start | "
                 f"without a candidate {calm[0]:.0f} ms |")
    web_row = re.findall(r"^\s*([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", web, re.MULTILINE)
    if web_row:
        n, cold, warm, added = web_row[-1]
        lines.append(f"| Dashboard `/api/series`, {n} settled bets | cold {cold} ms, then {warm} ms "
                     f"(+100 bets: {added} ms) | polled every 4 s |")
    lines += backtest_rows(backtest)
    lines.extend(fleet_rows(fleet))
    lines.append(END)
    table = "\n".join(lines)
    print(table)
    if not args.no_readme:
        text = README.read_text()
        if START in text and END in text:
            text = text[:text.index(START)] + table + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n## Benchmarks\n\n" + table + "\n"
        README.write_text(text)
        print(f"README.md updated ({README})")


def backtest_rows(text: str) -> list[str]:
    """The README rows of ``bench_backtest.py``'s output (speed side by side, a million candles, beside a host)."""
    rows = []
    speed = re.search(r"^\s+trivial\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)x", text, re.MULTILINE)
    if speed:
        plain, plug, sandboxed, ratio = speed.groups()
        rows.append(f"| Backtest, trivial strategy, candles/s (9 markets) | sandboxed {sandboxed} ({ratio}x pluggy) "
                    f"| pluggy in process {plug}, plain call loop {plain}; target >= 1/3 of pluggy |")
    big = re.search(r"^3\. liveswap backtest on ([\d,]+) candles .*?: ([\d.]+) s wall .*?peak RSS of the backtest "
                    r"\(its largest process\) (\d+) MiB", text, re.MULTILINE)
    if big:
        rows.append(f"| `liveswap backtest` on {big.group(1)} candles (CSV, trading strategy) | {big.group(2)} s, "
                    f"peak RSS {big.group(3)} MiB | target RSS <= 200 MB |")
    beside = re.search(r"alone p50 ([\d.]+) p99 ([\d.]+); beside a running backtest p50 ([\d.]+) p99 ([\d.]+)", text)
    if beside:
        rows.append(f"| Live decision latency beside a running backtest (sandboxed) | p50 {beside.group(3)} ms, "
                    f"p99 {beside.group(4)} ms | alone p50 {beside.group(1)} ms, p99 {beside.group(2)} ms |")
    return rows


def fleet_rows(text: str) -> list[str]:
    """bench_fleet.py's three figures as table rows (none if it did not print them)."""
    rows = [f"| Fleet takeover, lease {lease} s (kill -9 to the first decision on each taken market, 3 hosts) | "
            f"median {med} s, max {worst} s ({leases} leases) | bound lease + 2 batches = {bound} s |"
            for lease, med, worst, leases, bound in re.findall(
                r"lease (\S+) s: median ([\d.]+) s, max ([\d.]+) s \(([\d.]+) leases; bound lease \+ 2 batches = "
                r"([\d.]+) s\)", text)]
    rolled = re.search(r"rollout to three hosts .*?: ([\d.]+) s; undo ([\d.]+) s", text)
    if rolled:
        rows.append(f"| Fleet rollout to three hosts (12-candle canary, then two steps) | {rolled.group(1)} s; "
                    f"`fleet undo` {rolled.group(2)} s | |")
    cost = re.search(r"host CPU per batch: alone ([\d.]+) ms, in a fleet ([\d.]+) ms \(([\d.]+)x\)", text)
    if cost:
        rows.append(f"| Fleet agent's cost, host CPU per batch (9 markets, side by side) | in a fleet "
                    f"{cost.group(2)} ms ({cost.group(3)}x) | alone {cost.group(1)} ms |")
    return rows


if __name__ == "__main__":
    main()
