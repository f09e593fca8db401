"""``liveswap demo``: a short scripted tour on the embedded defaults that ends by itself.

It copies the strategy wheels of the home's ``registry/`` into a throwaway home, paper-trades
the nine synthetic markets with the oldest version of ``momentum``, hot-swaps to the newest one
while trading, and prints balance, PnL and win rate per market and per version.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from liveswap.cli.common import CommandError, add_home
from liveswap.host import HostError, build_engine
from liveswap.logs import configure
from liveswap.settings import load_settings, resolve_home


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="a short scripted tour on the embedded defaults that ends by itself")
    add_home(p)
    p.add_argument("--seconds", type=float, default=20.0, help="how long the tour trades (default 20)")
    p.add_argument("--strategy", default="momentum", help="strategy to tour (default momentum)")
    p.set_defaults(func=demo)


def demo(args: argparse.Namespace) -> int:
    source = resolve_home(args.home) / "registry"
    wheels = sorted(source.glob("*.whl"))
    if not wheels:
        raise CommandError(f"no strategy wheels in {source}; build the samples first: python3 dev.py plugins")
    con = Console()
    with tempfile.TemporaryDirectory(prefix="liveswap-demo-") as tmp:
        home = Path(tmp)
        (home / "registry").mkdir()
        for w in wheels:
            shutil.copy2(w, home / "registry" / w.name)
        settings = load_settings(home, speed=6000.0, heartbeat_seconds=0.5, snapshot_seconds=5.0,
                                 probation_batches=5, strategy=args.strategy)
        configure("WARNING", settings.state_dir)
        from liveswap.registry.registry import Registry

        versions = sorted((v for v in Registry.from_settings(settings).scan()
                           if v.name == args.strategy and v.verdict == "compatible"),
                          key=lambda v: tuple(int(x) for x in v.version.split(".") if x.isdigit()))
        if not versions:
            raise CommandError(f"no compatible version of {args.strategy} in {source}")
        first, last = versions[0], versions[-1]
        settings.strategy = first.spec
        try:
            engine, swaps = build_engine(settings)
        except HostError as exc:
            raise CommandError(str(exc)) from exc
        con.print(f"[bold]liveswap demo[/bold]: nine synthetic up/down markets, paper broker, "
                  f"{first.spec} in a sandboxed worker, clock x{settings.speed:g} (a 5-minute candle every "
                  f"{300 / settings.speed * 1000:.0f} ms)")
        runner = threading.Thread(target=engine.run, name="engine", daemon=True)
        runner.start()
        time.sleep(args.seconds / 2)
        if last.spec != first.spec:
            con.print(f"hot swap while trading: {first.spec} -> {last.spec} ...")
            done: list[str | None] = []
            swaps.request(kind="activate", spec=last.spec, generation=0, done=done.append)
            deadline = time.monotonic() + 30
            while not done and time.monotonic() < deadline:
                time.sleep(0.05)
            swap = engine.last_swap
            if done and done[0] is None:
                con.print(f"  committed between two candle batches, trading paused "
                          f"{swap.pause_ms if swap else None} ms; "
                          f"positions and balance carried over")
            else:
                con.print(f"  refused: {done[0] if done else 'timed out'} ({first.spec} kept trading)")
        time.sleep(args.seconds / 2)
        engine.stop()
        runner.join(30)
        swaps.close()
        engine.active.runner.close()
        st = engine.report().to_json()
        engine.journal.close()
    table = Table(title="per market")
    for col in ("market", "bets", "wins", "win rate", "PnL"):
        table.add_column(col, justify="right" if col != "market" else "left")
    for market, t in st["by_market"].items():
        wr = t["win_rate"]
        table.add_row(market, str(t["bets"]), str(t["wins"]), "-" if wr is None else f"{wr:.1%}", f"{t['pnl']:+.2f}")
    con.print(table)
    versions_table = Table(title="per strategy version")
    for col in ("version", "bets", "wins", "win rate", "PnL"):
        versions_table.add_column(col)
    for version, t in st["by_version"].items():
        wr = t["win_rate"]
        versions_table.add_row(version, str(t["bets"]), str(t["wins"]), "-" if wr is None else f"{wr:.1%}",
                               f"{t['pnl']:+.2f}")
    con.print(versions_table)
    win = "-" if st["win_rate"] is None else f"{st['win_rate']:.1%}"
    con.print(f"balance {st['balance']:.2f} (started {st['starting_balance']:.2f}), realized PnL "
              f"{st['realized_pnl']:+.2f}, fees {st['fees_paid']:.2f}, win rate {win}, "
              f"{st['candles_processed']} candles, {len(st['open_positions'])} positions still open")
    return 0
