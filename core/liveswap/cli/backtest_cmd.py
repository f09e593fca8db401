"""``liveswap backtest NAME[==VERSION] [--against NAME[==VERSION]] [--candles journal|csv:PATH]
[--from T] [--to T] [--json]``: recorded candles through the version(s), each in its own sandboxed
worker, with the live paper broker's fills, fees and settlement; figures side by side, and the
paired comparison's verdict with its bounds. Sends nothing and changes no live state: the result
is kept under ``state/backtests/`` (the dashboard shows the newest). See docs/backtest.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from liveswap.cli.common import CommandError, add_home, add_json, print_json
from liveswap.cli.render import say, table
from liveswap.specs import SpecError, parse_spec
from liveswap.venues import to_epoch

NICENESS = 10


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backtest", help="replay recorded candles through NAME[==VERSION] (and --against another) "
                                        "in sandboxed workers with live paper fills; changes no live state")
    p.add_argument("spec", metavar="NAME[==VERSION]")
    p.add_argument("--against", metavar="NAME[==VERSION]", help="a second version on the same candles, compared")
    p.add_argument("--candles", default="journal", metavar="journal|csv:PATH",
                   help="the home's journal (default) or a replay CSV (liveswap record)")
    p.add_argument("--from", dest="since", metavar="T", help="first close time: epoch seconds or ISO 8601 (UTC)")
    p.add_argument("--to", dest="until", metavar="T", help="last close time: epoch seconds or ISO 8601 (UTC)")
    add_home(p)
    add_json(p)
    p.set_defaults(func=run)


def _when(flag: str, raw: str | None) -> int | None:
    if raw is None:
        return None
    ts = to_epoch(raw)
    if ts is None:
        raise CommandError(f"--{flag} {raw!r} is not epoch seconds or an ISO 8601 time")
    return ts


def _spec(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        parse_spec(raw)
    except SpecError as exc:
        raise CommandError(str(exc)) from None
    return raw


def run(args: argparse.Namespace) -> int:
    from loguru import logger
    from pydantic import ValidationError

    from liveswap.backtest import Request, run_backtest
    from liveswap.settings import load_settings, settings_error

    since, until = _when("from", args.since), _when("to", args.until)
    if since is not None and until is not None and since > until:
        raise CommandError("--from must not be after --to")
    request = Request(spec=_spec(args.spec) or args.spec, against=_spec(args.against), candles=args.candles,
                      since=since, until=until)
    try:
        settings = load_settings(args.home)
    except ValidationError as exc:
        raise CommandError(settings_error(exc)) from None
    logger.remove()  # the engine's steps log as on a live host; a backtest reports its figures instead
    os.nice(NICENESS)  # beside a live host, its decisions come first (the worker inherits the niceness)
    with _progress(enabled=not args.json and sys.stderr.isatty()) as tick:
        result = run_backtest(settings, request, progress=tick)
    if args.json:
        print_json(result)
    else:
        say(render(result))
    faults = [f"liveswap: {v['spec']} faulted: {v['fault']}" for v in result["versions"] if v["fault"]]
    for line in faults:
        say(line, file=sys.stderr)
    return 1 if faults else 0


class _progress:  # noqa: N801 - a context manager used like a function
    """A rich progress bar on stderr for a terminal (candles decided per version), else nothing."""

    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        if not self._enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("candles"), TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._bar.start()
        return self.tick

    def tick(self, spec: str, candles: int) -> None:
        task = self._tasks.get(spec)
        if task is None:
            task = self._tasks[spec] = self._bar.add_task(spec, total=None)
        self._bar.advance(task, candles)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


ROWS = (("candles", "candles"), ("bets", "bets"), ("settled", "settled"), ("win rate", "win_rate"),
        ("PnL", "pnl"), ("fees", "fees"), ("max drawdown", "max_drawdown"), ("balance", "balance"),
        ("open positions", "open_positions"), ("intents refused", "refused"))


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key == "win_rate":
        return f"{value:.1%}"
    if key in ("pnl", "fees", "max_drawdown", "balance"):
        return f"{value:+.2f}" if key == "pnl" else f"{value:.2f}"
    return str(value)


def render(result: dict[str, Any]) -> str:
    versions = result["versions"]
    rows = [[label, *(_cell(key, v[key]) for v in versions)] for label, key in ROWS]
    headers = ["", *(v["spec"] for v in versions)]
    out = [table(f"backtest on {result['candles_source']} ({result['seconds']:.1f}s)", headers, rows,
                 right=headers[1:])]
    out += [f"{v['spec']} faulted (figures up to the fault): {v['fault']}" for v in versions if v["fault"]]
    comparison = result.get("comparison")
    if comparison:
        out.append(comparison_line(comparison))
    out.append(f"saved: {result['file']}")
    return "\n".join(out)


def comparison_line(c: dict[str, Any]) -> str:
    """The judge's verdict on the first version against the second, with its numbers."""
    return f"{c['candidate']} against {c['active']}: {c['verdict']} ({c['reason']})"
