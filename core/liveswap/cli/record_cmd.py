"""``liveswap record``: capture a feed's closed candles (a venue's, or the synthetic feed's) to the
replay CSV format.

    liveswap record --feed binance --out btc.csv --minutes 60
    liveswap record --feed synthetic --out day.csv --minutes 1440
    liveswap record --feed kalshi --out k.csv --since 2026-03-01T00:00:00Z --until 2026-03-01T06:00:00Z

The file has the header ``market,timeframe,start,end,open,high,low,close,volume,up_price`` (the
CSV replay feed's layout); ``up_price`` is empty where unknown (venues quote only the current
window, so only the newest candles of a capture carry one). Markets left out for stale or missing
data are listed on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from liveswap.cli.common import CommandError, add_home
from liveswap.venues import to_epoch


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("record", help="capture a feed's candles (a venue, or the synthetic feed) to a replay CSV file")
    add_home(p)
    p.add_argument("--feed", required=True, help="synthetic, binance, coinbase, kalshi, polymarket")
    p.add_argument("--out", required=True, metavar="FILE", help="CSV file to write (replaced atomically)")
    p.add_argument("--since", help="start, exclusive: epoch seconds or ISO 8601 (UTC if no zone)")
    p.add_argument("--until", help="end, inclusive: epoch seconds or ISO 8601 (default: now)")
    p.add_argument("--minutes", type=float, help="the last N minutes (instead of --since)")
    p.add_argument("--markets", help="comma-separated markets (default: the settings' markets)")
    p.set_defaults(func=run)


def _when(flag: str, raw: str) -> int:
    ts = to_epoch(raw)
    if ts is None:
        raise CommandError(f"--{flag} {raw!r} is not epoch seconds or an ISO 8601 time")
    return ts


def time_range(args: argparse.Namespace, now: int) -> tuple[int, int]:
    until = _when("until", args.until) if args.until else now
    if args.minutes is not None and args.since:
        raise CommandError("give --since or --minutes, not both")
    if args.minutes is not None:
        if args.minutes <= 0:
            raise CommandError("--minutes must be positive")
        since = until - int(args.minutes * 60)
    elif args.since:
        since = _when("since", args.since)
    else:
        raise CommandError("give --since (and optionally --until) or --minutes")
    if since >= until:
        raise CommandError("--since must be before --until")
    return since, until


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from liveswap.feeds import FeedError, write_candles
    from liveswap.host import HostError, make_feed
    from liveswap.settings import load_settings, settings_error

    since, until = time_range(args, int(time.time()))
    flags = {"markets": [m.strip() for m in args.markets.split(",") if m.strip()]} if args.markets else {}
    try:
        settings = load_settings(args.home, **flags)
    except ValidationError as exc:
        raise CommandError(settings_error(exc)) from None
    try:
        feed = make_feed(settings.model_copy(update={"feed": args.feed}))
    except HostError as exc:
        raise CommandError(str(exc)) from None
    try:
        candles = feed.closed_candles(since, until)
        stale = getattr(feed, "stale_markets", dict)()
    except FeedError as exc:
        raise CommandError(str(exc)) from None
    finally:
        feed.close()
    out = Path(args.out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        write_candles(tmp, candles)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CommandError(f"cannot write {str(out)!r}: {exc.strerror}") from None
    for market, reason in sorted(stale.items()):
        print(f"liveswap: {market} left out: {reason}", file=sys.stderr)
    print(f"recorded {len(candles)} candles of {len(settings.markets)} markets to {out}")
    return 0
