"""``liveswap status``: what the running host is doing, from ``state/status.json``."""

from __future__ import annotations

import argparse
import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from liveswap.cli.common import CommandError, add_home, add_json, print_json
from liveswap.exceptions import ControlError
from liveswap.home.control_store import load_control
from liveswap.home.last_words import last_words
from liveswap.home.paths import HomePaths
from liveswap.home.status import read_status
from liveswap.settings import resolve_home


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="what the running host is doing")
    add_home(p)
    add_json(p)
    p.set_defaults(func=status)


def observed(home: str | None) -> dict[str, Any]:
    """status.json with ``alive`` (heartbeat younger than 3 intervals) and ``heartbeat_age``."""
    paths = HomePaths.of_home(resolve_home(home))
    doc = read_status(paths.state_dir)
    if doc is None:
        raise CommandError(f"no host has run on {paths.state_dir.parent} (no readable state/status.json)")
    now = time.time()
    st = doc.to_json()
    st["heartbeat_age"] = round(doc.heartbeat_age(now), 3)
    st["alive"] = doc.alive(now)
    st["desired_generation"] = _desired_generation(paths)
    return st


def _desired_generation(paths: HomePaths) -> int | None:
    """The generation control.json asks for (status never fails on a bad file: it shows its claim)."""
    try:
        control = load_control(paths.state_dir)
    except ControlError as exc:
        return exc.generation
    return None if control is None else control.generation


def _not_running(st: dict[str, Any], home: str | None) -> str:
    """"not running (last heartbeat N s ago, last words: ...)" for a host that stopped or died."""
    words = last_words(HomePaths.of_home(resolve_home(home)).state_dir, st)
    said = f", last words: {escape(words)}" if words else ""
    return f"[red]not running[/red] (last heartbeat {_ago(st['heartbeat_age'])} ago{said})"


def _ago(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min" if seconds < 7200 else \
        f"{seconds / 3600:.1f} h"


def _money(x: Any) -> str:
    return "-" if x is None else f"{float(x):,.2f}"


def status(args: argparse.Namespace) -> int:
    st = observed(args.home)
    if args.json:
        print_json(st)
        return 0
    con = Console()
    state = "running" if st["alive"] else _not_running(st, args.home)
    active = st.get("active") or {}
    swap = st.get("last_swap")
    head = Table.grid(padding=(0, 2))
    head.add_row("host", f"{state}, pid {st.get('pid')}" + (f", heartbeat {st['heartbeat_age']:.1f}s ago"
                                                             if st["alive"] else ""))
    head.add_row("active", f"{active.get('name')}=={active.get('version')} since "
                 f"{time.strftime('%H:%M:%S', time.localtime(active.get('since') or 0))}")
    head.add_row("paused", "yes" if st.get("paused") else ("markets " + ", ".join(st["paused_markets"])
                                                          if st.get("paused_markets") else "no"))
    head.add_row("balance", f"{_money(st.get('balance'))} (start {_money(st.get('starting_balance'))}), realized "
                 f"PnL {_money(st.get('realized_pnl'))}, fees {_money(st.get('fees_paid'))}, win rate "
                 f"{'-' if st.get('win_rate') is None else format(st['win_rate'], '.1%')}")
    head.add_row("candles", f"{st.get('candles_processed')} this run, feed {st.get('feed')}, broker {st.get('broker')}")
    head.add_row("snapshot", "never" if not st.get("last_snapshot_at") else
                 f"{time.time() - st['last_snapshot_at']:.0f}s ago")
    if swap:
        head.add_row("last swap", f"{swap.get('from')} -> {swap.get('to')}: {'ok' if swap.get('ok') else 'FAILED'}"
                     f" {swap.get('reason') or ''} (pause {swap.get('pause_ms')} ms)")
    observed_gen, desired_gen = st.get("observed_generation"), st.get("desired_generation")
    pending = desired_gen is not None and (observed_gen is None or desired_gen > observed_gen)
    head.add_row("control", f"generation {observed_gen} applied" + (f", {desired_gen} pending" if pending else ""))
    if st.get("control_error"):
        head.add_row("", f"[red]{escape(str(st['control_error']))}[/red]")
    refusal = st.get("control_refusal")
    if refusal:
        head.add_row("", escape(f"last refusal: generation {refusal.get('generation')}: {refusal.get('reason')}"))
    worker = st.get("worker") or {}
    if worker.get("sandboxed"):
        rss = worker.get("rss_bytes")
        head.add_row("worker", f"pid {worker.get('pid')}, network {'cut' if worker.get('network_isolated') else 'ON'}"
                     f"{'' if rss is None else f', {rss / 2**20:.1f} MiB RSS'}")
    if st.get("paused_reason"):
        head.add_row("paused why", f"[red]{st.get('paused_reason')}[/red]")
    if st.get("probation"):
        head.add_row("probation", f"{st['probation']['batches_left']} batches left; {st['probation']['old']} warm")
    _money_rows(head, st)
    for market, why in (st.get("stale_markets") or {}).items():
        head.add_row("stale data", f"{market}: {why} (no new positions)")
    if st.get("last_fault"):
        head.add_row("last fault", str(st["last_fault"]))
    con.print(head)

    markets = Table(title="markets")
    for col in ("market", "paused", "open", "bets", "wins", "win rate", "PnL"):
        markets.add_column(col, justify="right" if col not in ("market",) else "left")
    by_market = st.get("by_market") or {}
    opens: dict[str, int] = {}
    for p in st.get("open_positions") or []:
        opens[p["market"]] = opens.get(p["market"], 0) + 1
    for m in st.get("markets") or sorted(by_market):
        t = by_market.get(m, {})
        wr = t.get("win_rate")
        markets.add_row(m, "yes" if st.get("paused") or m in (st.get("paused_markets") or []) else "",
                        str(opens.get(m, 0)), str(t.get("bets", 0)), str(t.get("wins", 0)),
                        "-" if wr is None else f"{wr:.1%}", _money(t.get("pnl", 0.0)))
    con.print(markets)

    if st.get("by_version"):
        versions = Table(title="by strategy version")
        for col in ("version", "bets", "wins", "win rate", "PnL"):
            versions.add_column(col)
        for v, t in st["by_version"].items():
            wr = t.get("win_rate")
            versions.add_row(v, str(t["bets"]), str(t["wins"]), "-" if wr is None else f"{wr:.1%}", _money(t["pnl"]))
        con.print(versions)

    if st.get("open_positions"):
        pos = Table(title="open positions")
        for col in ("market", "side", "cost", "price", "shares", "settles", "version"):
            pos.add_column(col)
        for p in st["open_positions"]:
            pos.add_row(p["market"], p["side"], _money(p.get("cost", p["stake"])), f"{p['price']:.2f}",
                        f"{p['shares']:.2f}",
                        time.strftime("%H:%M", time.gmtime(p["window_end"])), p["version"])
        con.print(pos)
    return 0


def _money_rows(head: Table, st: dict[str, Any]) -> None:
    """Daily loss limit (limit, used, tripped), reconciliation with the broker, open orders, missed candles."""
    daily = st.get("daily_loss")
    if daily:
        line = f"{_money(daily.get('used'))} of {_money(daily.get('limit'))} used today"
        head.add_row("daily loss", f"[red]TRIPPED: {escape(str(daily.get('reason')))}[/red]"
                     if daily.get("tripped") else line)
    recon = st.get("reconcile")
    if recon and recon.get("halted"):
        head.add_row("reconcile", f"[red]{escape(str(recon.get('reason')))}[/red]")
    elif recon and recon.get("checked_at"):
        head.add_row("reconcile", f"ledger == broker ({recon.get('checks')} checks, last "
                     f"{time.time() - recon['checked_at']:.0f}s ago)")
    if recon and recon.get("error"):
        head.add_row("", escape(f"reconcile: {recon['error']}"))
    if st.get("open_orders"):
        head.add_row("open orders", ", ".join(f"{o['market']} {o['side']} {_money(o['stake'])} {o['status']}"
                                              for o in st["open_orders"][:5]))
    missed = st.get("missed_candles") or []
    if missed:
        head.add_row("missed", escape(f"{len(missed)} candles never arrived; last {missed[0]['market']} "
                                      f"{time.strftime('%m-%d %H:%M', time.gmtime(missed[0]['candle_start']))}: "
                                      f"{missed[0]['reason']}"))
