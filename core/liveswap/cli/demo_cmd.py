"""``liveswap demo``: a short scripted tour on the embedded defaults that ends by itself.

It says first that it runs in a throwaway home (a temporary folder, deleted at the end; the
operator's home is only read for its wheels), copies the strategy wheels of the home's
``registry/`` there, paper-trades the nine synthetic markets with the oldest version of
``momentum``, hot-swaps to the newest one while trading, prints progress every two seconds, and
ends with balance, PnL and win rate per market and per version. Text that comes from strategies
(versions, refusal reasons) is escaped, never read as rich markup.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from liveswap.cli.common import CommandError, add_home, home_dir

PROGRESS_SECONDS = 2.0
DEMO_VERSIONS = ("1.0.0", "1.1.0")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="a short scripted tour in a throwaway home that ends by itself")
    add_home(p)
    p.add_argument("--seconds", type=_seconds, default=20.0, help="how long the tour trades (default 20)")
    p.add_argument("--strategy", default="momentum", help="strategy to tour (default momentum)")
    p.set_defaults(func=demo)


def _seconds(text: str) -> float:
    """A positive number of seconds (a usage error otherwise: a tour of 0 s or less shows nothing)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0")
    return value


def demo(args: argparse.Namespace) -> int:
    from rich.console import Console

    from liveswap.scaffold import scaffold_wheel

    source = home_dir(args.home) / "registry"
    wheels = sorted(source.glob("*.whl"))
    con = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="liveswap-demo-") as tmp:
        if wheels:
            con.print(f"[bold]liveswap demo[/bold] runs in a throwaway home, {escape(tmp)}, deleted at the end: "
                      f"your home ({escape(str(source.parent))}) is only read for its {len(wheels)} wheels.")
        else:  # anywhere, even outside a home: the strategy `liveswap new` writes, at two versions
            wheels = [scaffold_wheel(Path(tmp) / "wheels", args.strategy, v) for v in DEMO_VERSIONS]
            con.print(f"[bold]liveswap demo[/bold] runs in a throwaway home, {escape(tmp)}, deleted at the end. "
                      f"No strategy wheels in {escape(str(source))}: it tours the strategy `liveswap new` writes, "
                      f"as {escape(args.strategy)} {' and '.join(DEMO_VERSIONS)}.")
        st = tour(con, Path(tmp), wheels, args)
    summary(con, st)
    return 0


def escape(text: object) -> str:
    """Untrusted text (names, versions, reasons from strategies) shown as written, never as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(str(text))


def tour(con: Any, home: Path, wheels: list[Path], args: argparse.Namespace) -> dict[str, Any]:
    from liveswap.host import HostError, build_engine
    from liveswap.logs import configure
    from liveswap.registry import Registry
    from liveswap.settings import load_settings

    (home / "registry").mkdir(exist_ok=True)
    for w in wheels:
        shutil.copy2(w, home / "registry" / w.name)
    settings = load_settings(home, speed=6000.0, heartbeat_seconds=0.5, snapshot_seconds=5.0,
                             probation_batches=5, strategy=args.strategy)
    configure("WARNING", settings.state_dir)
    con.print(f"  checking the wheels of {escape(args.strategy)} ...")
    versions = sorted((v for v in Registry.from_settings(settings).scan()
                       if v.name == args.strategy and v.verdict == "compatible"),
                      key=lambda v: tuple(int(x) for x in v.version.split(".") if x.isdigit()))
    if not versions:
        raise CommandError(f"no compatible version of {args.strategy} in {wheels[0].parent}")
    first, last = versions[0], versions[-1]
    settings.strategy = first.spec
    con.print(f"  starting {escape(first.spec)} in a sandboxed worker and warming it up on "
              f"{settings.warmup_seconds / 3600:g} h of history (decided, not traded) ...")
    try:
        engine, swaps = build_engine(settings)
    except HostError as exc:
        raise CommandError(str(exc)) from exc
    con.print(f"  trading: nine synthetic up/down markets, paper broker, clock x{settings.speed:g} "
              f"(a 5-minute candle every {300 / settings.speed * 1000:.0f} ms), for {args.seconds:g} s")
    runner = threading.Thread(target=engine.run, name="engine", daemon=True)
    runner.start()
    try:
        _trade(con, engine, args.seconds / 2)
        if last.spec != first.spec:
            _swap(con, engine, swaps, first.spec, last.spec)
        _trade(con, engine, args.seconds / 2)
    finally:
        engine.stop()
        runner.join(30)
        swaps.close()
        engine.active.runner.close()
        st = engine.report().to_json()
        engine.journal.close()
    return st


def _trade(con: Any, engine: Any, seconds: float) -> None:
    """Let the engine trade for ``seconds``, printing a progress line every couple of seconds."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(PROGRESS_SECONDS, left))
        st = engine.report().to_json()
        bets = sum(t.get("bets", 0) for t in (st.get("by_market") or {}).values())
        con.print(f"    {st.get('candles_processed')} candles, {bets} bets settled, "
                  f"{len(st.get('open_positions') or [])} open, balance {st.get('balance', 0):.2f}")


def _swap(con: Any, engine: Any, swaps: Any, old: str, new: str) -> None:
    con.print(f"  hot swap while trading: {escape(old)} -> {escape(new)} ...")
    done: list[str | None] = []
    swaps.request(kind="activate", spec=new, generation=0, done=done.append)
    deadline = time.monotonic() + 30
    while not done and time.monotonic() < deadline:
        time.sleep(0.05)
    swap = engine.last_swap
    if done and done[0] is None:
        pause = float(swap.pause_ms or 0) if swap is not None else 0.0
        con.print(f"    committed between two candle batches, trading paused {pause:.2f} ms; "
                  "positions and balance carried over")
    else:
        con.print(f"    refused: {escape(done[0] if done else 'timed out')} ({escape(old)} kept trading)")


def summary(con: Any, st: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="per market")
    for col in ("market", "bets", "wins", "win rate", "PnL"):
        table.add_column(col, justify="right" if col != "market" else "left")
    for market, t in st["by_market"].items():
        wr = t["win_rate"]
        table.add_row(escape(market), str(t["bets"]), str(t["wins"]), "-" if wr is None else f"{wr:.1%}",
                      f"{t['pnl']:+.2f}")
    con.print(table)
    versions_table = Table(title="per strategy version")
    for col in ("version", "bets", "wins", "win rate", "PnL"):
        versions_table.add_column(col, justify="right" if col != "version" else "left")
    for version, t in st["by_version"].items():
        wr = t["win_rate"]
        versions_table.add_row(escape(version), str(t["bets"]), str(t["wins"]), "-" if wr is None else f"{wr:.1%}",
                               f"{t['pnl']:+.2f}")
    con.print(versions_table)
    win = "-" if st["win_rate"] is None else f"{st['win_rate']:.1%}"
    con.print(f"balance {st['balance']:.2f} (started {st['starting_balance']:.2f}), realized PnL "
              f"{st['realized_pnl']:+.2f}, fees {st['fees_paid']:.2f}, win rate {win}, "
              f"{st['candles_processed']} candles, {len(st['open_positions'])} open position(s) still to settle")
