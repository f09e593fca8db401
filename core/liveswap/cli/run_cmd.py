"""``liveswap run``: the host in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import sys

from liveswap import __version__
from liveswap.cli.common import CommandError, add_home
from liveswap.exceptions import HostError, HostLockedError, JournalError, StrategyFault
from liveswap.home import HomeGuard, HostLock
from liveswap.host import build_host, install_signal_handlers
from liveswap.logs import banner, configure, host_log
from liveswap.settings import load_settings, settings_error


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="run the host in the foreground until SIGINT/SIGTERM")
    add_home(p)
    p.add_argument("--feed", help="synthetic (default), csv:PATH, binance, coinbase, kalshi, polymarket")
    p.add_argument("--broker", help="paper (default; live prices with a kalshi/polymarket feed), kalshi, "
                   "kalshi-paper, polymarket, polymarket-paper")
    p.add_argument("--speed", type=float, help="simulated seconds per second (default 300: a 5m candle a second)")
    p.add_argument("--strategy", help="strategy to start with when control.json names none (default momentum)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.home, feed=args.feed, broker=args.broker, speed=args.speed,
                                 strategy=args.strategy)
    except ValueError as exc:
        raise CommandError(settings_error(exc)) from None
    configure(settings.log_level, settings.state_dir)
    lock = HostLock(settings.state_dir)
    try:
        lock.acquire()
    except HostLockedError as exc:
        raise CommandError(str(exc)) from exc
    try:
        guard = HomeGuard(settings.state_dir)
        host = build_host(settings, guard=guard)
        engine = host.engine
        install_signal_handlers(engine)
        host.open_doorbell()
        lines = banner(home=settings.home, version=__version__, status=engine.report().to_json(),
                       log_path=host_log(settings.state_dir))
        print("\n".join(lines), file=sys.stderr, flush=True)
        try:
            engine.run()
        finally:
            host.close()
    except (HostError, JournalError, StrategyFault) as exc:
        raise CommandError(str(exc)) from exc
    finally:
        lock.release()
    if engine.home_lost is not None:
        raise CommandError(f"{engine.exit_reason}; no position was opened after it was seen, and the journal the "
                           "host had open was closed consistent")
    return 0
