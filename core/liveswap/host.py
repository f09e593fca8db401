"""Assembling a host from settings: feed, broker, journal, clock, active strategy → ``Engine``."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType

from loguru import logger

from liveswap.api.types import Candle
from liveswap.brokers.base import Broker
from liveswap.brokers.paper import PaperBroker
from liveswap.clock import Clock, SimClock, WallClock
from liveswap.control import ControlDoc, install_control, read_desired
from liveswap.control.watcher import desired_from
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.feeds.base import Feed, FeedError
from liveswap.feeds.csv_replay import CsvReplayFeed
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.journal import Journal
from liveswap.markets import Market
from liveswap.runners.base import StrategyFault
from liveswap.runners.inprocess import InProcessRunner
from liveswap.runners.plugin_host import resolve_entry_point
from liveswap.settings import Settings


class HostError(RuntimeError):
    """The host cannot start as configured. One line."""


def make_feed(settings: Settings) -> Feed:
    name = settings.feed
    if name == "synthetic":
        return SyntheticFeed(settings.markets, seed=settings.seed)
    if name.startswith("csv:") or name.endswith(".csv"):
        path = Path(name.removeprefix("csv:")).expanduser()
        try:
            return CsvReplayFeed(path if path.is_absolute() else settings.home / path, settings.markets)
        except FeedError as exc:
            raise HostError(f"feed {name}: {exc}") from exc
    raise HostError(f"unknown feed {name!r} (synthetic, csv:PATH)")


def outcome_lookup(feed: Feed, clock: Clock):  # type: ignore[no-untyped-def]
    """``(market, window_start) -> Candle | None`` for the paper broker, from the feed itself."""

    def lookup(market: str, start: int) -> Candle | None:
        end = start + Market.parse(market).seconds
        if clock.now() < end:
            return None
        try:
            candles = feed.closed_candles(end - 1, end)
        except FeedError:
            return None
        return next((c for c in candles if c.market == market and c.start == start), None)

    return lookup


def make_broker(settings: Settings, feed: Feed, clock: Clock) -> Broker:
    if settings.broker == "paper":
        return PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    raise HostError(f"unknown broker {settings.broker!r} (paper)")


def make_clock(settings: Settings, feed: Feed) -> Clock:
    if settings.feed == "synthetic":
        fresh = time.time() // 900 * 900
        return SimClock.resume(settings.state_dir / "clock.json", settings.speed, fresh)
    first = getattr(feed, "first_start", None)
    if first is not None:
        return SimClock.resume(settings.state_dir / "clock.json", settings.speed, float(first))
    return WallClock()


def load_active(settings: Settings, spec: str) -> ActiveStrategy:
    """The strategy ``NAME`` or ``NAME==VERSION`` installed in the host environment."""
    name, _, version = spec.partition("==")
    from importlib.metadata import distributions

    from liveswap import ENTRY_POINT_GROUP

    found = None
    for dist in distributions():
        named = any(ep.group == ENTRY_POINT_GROUP and ep.name == name for ep in dist.entry_points)
        if named and (not version or dist.version == version):
            found = dist
            break
    if found is None:
        raise HostError(f"strategy {spec} is not installed")
    try:
        runner = InProcessRunner(resolve_entry_point(name), name=name, version=found.version)
    except StrategyFault as exc:
        raise HostError(f"strategy {spec}: {exc}") from exc
    return ActiveStrategy(runner=runner, name=name, version=found.version)


def build_engine(settings: Settings, active: ActiveStrategy | None = None) -> Engine:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    feed = make_feed(settings)
    clock = make_clock(settings, feed)
    broker = make_broker(settings, feed, clock)
    journal = Journal(settings.state_dir / "journal.sqlite")
    control = read_desired(settings.state_dir, settings.markets)
    active = active or _initial_active(settings, control)
    desired = desired_from(control, settings.risk) if control is not None else None
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active,
                    desired=desired)
    install_control(engine, control)
    first = getattr(feed, "first_start", None)
    fresh_cursor = int(first) if first is not None else int(clock.now()) // 300 * 300
    engine.recover(fresh_cursor)
    return engine


def _initial_active(settings: Settings, control: ControlDoc | None) -> ActiveStrategy:
    """control.json's ``active`` if it names one that loads, else ``--strategy``."""
    if control is not None and control.active is not None:
        try:
            return load_active(settings, control.active)
        except HostError as exc:
            logger.error("control.json asks for {}: {}; starting {}", control.active, exc, settings.strategy)
    return load_active(settings, settings.strategy)


def install_signal_handlers(engine: Engine) -> None:
    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("{} received: finishing the current batch, then a final snapshot", signal.Signals(signum).name)
        engine.stop_event.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
