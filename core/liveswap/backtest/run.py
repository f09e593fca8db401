"""``run_backtest``: the whole backtest of one version, or two side by side, from a home.

It reads the home (settings, the registry, control.json's params and risk limits, the journal or
a CSV) and writes only its own files: the result under ``state/backtests/``, the workers' scratch
and logs under ``state/backtests/``. The journal is opened read-only; control.json is read, never
locked or written; a running host's balance, workers and files are untouched.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from liveswap.backtest.compare import compare
from liveswap.backtest.replay import VersionReplay
from liveswap.backtest.sources import BatchRows, csv_batches, journal_batches
from liveswap.control import desired_from
from liveswap.engine import Desired
from liveswap.exceptions import BacktestError, ControlError, RegistryError, StrategyFault
from liveswap.fsutil import atomic_write_json
from liveswap.home import HomePaths, load_control
from liveswap.markets import Market
from liveswap.registry import Registry
from liveswap.sandbox import ChunkRunner
from liveswap.settings import Settings

KEEP_RESULTS = 20
Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class Request:
    """What to backtest: ``spec`` (and ``against``), on ``candles`` (``journal`` or ``csv:PATH``)."""

    spec: str
    against: str | None = None
    candles: str = "journal"
    since: int | None = None
    until: int | None = None


def backtests_dir(settings: Settings) -> Path:
    return settings.state_dir / "backtests"


def batches_of(settings: Settings, request: Request) -> Callable[[], Iterator[BatchRows]]:
    """A fresh stream of the request's batches at each call (one per version)."""
    markets = tuple(settings.markets)
    if request.candles == "journal":
        path = HomePaths(settings.state_dir).journal
        return lambda: journal_batches(path, markets=markets, since=request.since, until=request.until)
    if request.candles.startswith("csv:"):
        raw = Path(request.candles.removeprefix("csv:")).expanduser()
        csv_path = raw if raw.is_absolute() else Path.cwd() / raw
        return lambda: csv_batches(csv_path, markets=markets, since=request.since, until=request.until)
    raise BacktestError(f"--candles {request.candles!r}: give journal or csv:PATH")


def desired_of(settings: Settings) -> Desired:
    """The operator's params and risk limits (control.json, read only), never their pauses: a
    backtest asks what the version would have done trading."""
    try:
        doc = load_control(settings.state_dir, settings.markets)
    except ControlError as exc:
        raise BacktestError(f"{exc.reason} (the backtest uses its params and risk limits)") from None
    if doc is None:
        return Desired(risk=settings.risk.model_copy())
    return replace(desired_from(doc, settings.risk), paused=False, paused_markets=set(), resume_request=None)


def start_version(settings: Settings, registry: Registry, spec: str) -> ChunkRunner:
    """``spec`` from the registry in its own sandboxed worker, exactly as a live host starts it
    (its own environment, the settings' sandbox limits and hook time limit), logging apart."""
    try:
        version = registry.resolve(spec)
        installed = registry.install(version)
    except RegistryError as exc:
        raise BacktestError(f"backtest {spec}: {exc.reason}") from None
    root = backtests_dir(settings)
    (root / "workers").mkdir(parents=True, exist_ok=True)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    runner = ChunkRunner(version.name, version.version, installed.path, limits=settings.sandbox,
                         hook_timeout=settings.hook_timeout_seconds, scratch_root=root / "workers",
                         log_path=root / "logs" / f"worker-{version.name}-{version.version}.log",
                         max_state_bytes=settings.max_state_bytes)
    try:
        runner.start()
    except StrategyFault as exc:
        raise BacktestError(f"{version.spec} does not start: {exc.kind}: {exc.reason}") from None
    return runner


def run_backtest(settings: Settings, request: Request, progress: Progress | None = None) -> dict[str, Any]:
    """Backtest ``request`` on the home of ``settings``; the result (also saved under
    ``state/backtests/``). :class:`BacktestError` for anything that stops it before a figure."""
    stream = batches_of(settings, request)
    desired = desired_of(settings)
    markets = {m: Market.parse(m) for m in settings.markets}
    registry = Registry.from_settings(settings)
    specs = [request.spec] + ([request.against] if request.against else [])
    runners = [start_version(settings, registry, s) for s in specs]  # an unknown version: refused before any run
    began = time.monotonic()
    versions: list[dict[str, Any]] = []
    replays: list[VersionReplay] = []
    try:
        for runner in runners:
            replay = VersionReplay(runner=runner, settings=settings, desired=desired, markets=markets)
            runner.setup(dict(desired.params))
            tick = None if progress is None else (lambda n, spec=replay.active.spec: progress(spec, n))
            replay.run(stream(), tick)
            if replay.figures.candles == 0 and replay.figures.fault is None:
                raise BacktestError(_no_candles(request))
            versions.append(replay.figures.report(replay.book.ledger))
            replays.append(replay)
    finally:
        for runner in runners:
            runner.close()
        for replay in replays:
            replay.book.close()
    result = {
        "created_at": time.time(), "candles_source": request.candles, "from": request.since, "to": request.until,
        "seconds": round(time.monotonic() - began, 3), "versions": versions,
        "comparison": compare(candidate=replays[0].figures, active=replays[1].figures) if len(replays) == 2 else None,
    }
    result["file"] = str(save(settings, result))
    return result


def _no_candles(request: Request) -> str:
    where = "the journal" if request.candles == "journal" else request.candles.removeprefix("csv:")
    span = "" if request.since is None and request.until is None else \
        f" between {request.since if request.since is not None else 'the start'} and " \
        f"{request.until if request.until is not None else 'the end'}"
    return f"no candles of the home's markets in {where}{span}"


def save(settings: Settings, result: dict[str, Any]) -> Path:
    """Write the result as ``state/backtests/<time>-<spec>.json``; keep the newest :data:`KEEP_RESULTS`."""
    root = backtests_dir(settings)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(result["created_at"]))
    name = "-vs-".join(v["spec"].replace("==", "-") for v in result["versions"])
    path = root / f"{stamp}-{os.getpid()}-{name}.json"
    atomic_write_json(path, result, durable=False)
    for old in sorted(root.glob("*.json"))[:-KEEP_RESULTS]:
        old.unlink(missing_ok=True)
    return path
