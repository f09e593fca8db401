"""Assembling a host from settings: feed, broker, journal, clock, active strategy → ``Engine``."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from types import FrameType

from loguru import logger

from liveswap.api.types import Candle
from liveswap.brokers.base import Broker, BrokerError
from liveswap.brokers.paper import PaperBroker
from liveswap.clock import Clock, SimClock, WallClock
from liveswap.control.watcher import desired_from, install_control, unapplied_active
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.loop import Engine
from liveswap.exceptions import HostError
from liveswap.feeds.base import Feed, FeedError
from liveswap.feeds.csv_replay import CsvReplayFeed
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.home.control import ControlDoc
from liveswap.home.control_store import read_desired
from liveswap.home.identity import HomeGuard
from liveswap.home.paths import HomePaths
from liveswap.journal import Journal
from liveswap.markets import Market
from liveswap.registry.registry import Registry
from liveswap.rollout.controller import RolloutController
from liveswap.runners.base import StrategyFault
from liveswap.settings import Settings
from liveswap.swap.loader import LoadError, VersionLoader
from liveswap.swap.manager import SwapManager
from liveswap.swap.registry_loader import RegistryLoader
from liveswap.venues import factory as venue_factory


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
    if name in venue_factory.FEED_NAMES:
        try:
            return venue_factory.make_feed(name, settings)
        except FeedError as exc:
            raise HostError(f"feed {name}: {exc}") from exc
    raise HostError(f"unknown feed {name!r} (synthetic, csv:PATH, {', '.join(venue_factory.FEED_NAMES)})")


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
    live_feed = settings.feed in venue_factory.QUOTE_VENUES
    if settings.broker == "paper" and not live_feed:
        return PaperBroker(HomePaths(settings.state_dir).paper_broker, settings.paper, outcome_lookup(feed, clock))
    if settings.broker == "paper" or settings.broker in venue_factory.BROKER_NAMES:
        try:
            return venue_factory.make_broker(settings.broker, settings, clock=clock.now,
                                             outcome=outcome_lookup(feed, clock))
        except (BrokerError, FeedError) as exc:
            raise HostError(f"broker {settings.broker}: {exc}") from exc
    raise HostError(f"unknown broker {settings.broker!r} (paper, {', '.join(venue_factory.BROKER_NAMES)})")


def make_clock(settings: Settings, feed: Feed) -> Clock:
    saved = HomePaths(settings.state_dir).clock
    if settings.feed == "synthetic":
        fresh = time.time() // 900 * 900
        return SimClock.resume(saved, settings.speed, fresh)
    if feed.first_start is not None:
        return SimClock.resume(saved, settings.speed, float(feed.first_start))
    return WallClock()


def initial_spec(settings: Settings, journal: Journal) -> str:
    """The version to start with: the one the journal says was active (persisted at every
    commit and rollback), else ``settings.strategy`` (``--strategy`` / ``liveswap.toml``)."""
    history = journal.active_history()
    return history[0] if history else settings.strategy


def refuse_crash_loop(settings: Settings, journal: Journal) -> tuple[str, str] | None:
    """``(previous, reason)`` if the version the journal names must not be resumed: its probation
    failed (it was rolled back, or the previous version could not come back), or the host died
    ``max_probation_crashes`` times during it. The journal then records the rollback (``history``)."""
    history = journal.active_history()
    if not history:
        return None
    spec = history[0]
    reason = None
    open_probation = journal.open_probation()
    if open_probation is not None and open_probation["spec"] == spec:
        deaths = journal.count_host_death()
        if deaths >= settings.max_probation_crashes:
            reason = (f"{spec} was on probation when the host died {deaths} time(s) "
                      f"(max_probation_crashes = {settings.max_probation_crashes})")
            journal.end_probation(outcome="host-died", reason=reason)
            previous = str(open_probation["previous"])
        else:
            logger.warning("{} was on probation when the host died ({} of {} allowed)", spec, deaths,
                           settings.max_probation_crashes)
    last = journal.probation_outcome(spec)
    if reason is None and last is not None and last["outcome"] == "failed":
        reason = f"{spec} failed its probation: {last['reason']}"
        previous = str(last["previous"])
    if reason is None:
        return None
    return previous, f"{reason}; starting {previous} instead"


def make_loader(settings: Settings) -> RegistryLoader:
    return RegistryLoader(Registry.from_settings(settings), limits=settings.sandbox,
                          hook_timeout=settings.hook_timeout_seconds, state_dir=settings.state_dir,
                          max_state_bytes=settings.max_state_bytes)


def build_engine(settings: Settings, loader: VersionLoader | None = None, *,
                 guard: HomeGuard | None = None) -> tuple[Engine, SwapManager]:
    """A recovered engine with its swap manager, ready to ``run()``. With a ``guard``, the first
    step between batches checks that the home is still the host's (:func:`watch_home`)."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    feed = make_feed(settings)
    clock = make_clock(settings, feed)
    broker = make_broker(settings, feed, clock)
    journal = Journal(HomePaths(settings.state_dir).journal)
    control = read_desired(settings.state_dir, settings.markets)
    loader = loader or make_loader(settings)
    refused = refuse_crash_loop(settings, journal)
    if refused is not None:
        logger.error("not resuming: {}", refused[1])
        journal.record_swap(kind="auto-rollback", from_version=initial_spec(settings, journal), to_version=refused[0],
                            ok=True, reason=refused[1], batch_end=journal.last_batch_end())
    active = _start_version(settings, journal, loader, control)
    desired = desired_from(control, settings.risk) if control is not None else None
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active,
                    desired=desired)
    if guard is not None:
        watch_home(engine, guard)
    first = feed.first_start
    # a replay starts at its first candle; a new home warms the strategy up on recent history first
    # (those candles are decided, not traded: their intents are stale)
    warm = (int(clock.now()) - settings.warmup_seconds) // 900 * 900
    fresh_cursor = int(first) if first is not None else warm
    tried: list[str] = []
    while True:
        try:
            engine.recover(fresh_cursor)
            break
        except StrategyFault as exc:
            # a version that cannot resume (its snapshot or the replay since faults) never blocks the
            # start: the next version this home ran takes over, and history says why
            active.runner.close()
            tried.append(active.spec)
            fallback = next((s for s in journal.active_history() if s not in tried), None)
            reason = f"{active.spec} cannot resume from its snapshot: {exc}"
            if fallback is None:
                journal.close()
                raise HostError(reason) from exc
            logger.error("{}; starting {} instead", reason, fallback)
            try:
                active = loader.load(fallback)
            except LoadError as exc2:
                journal.close()
                raise HostError(f"{reason}; {fallback} does not load either: {exc2}") from exc2
            journal.end_probation(outcome="failed", reason=reason)
            journal.record_swap(kind="auto-rollback", from_version=tried[-1], to_version=active.spec, ok=True,
                                reason=f"{reason}; starting {active.spec} instead", batch_end=journal.last_batch_end(),
                                sha256=active.wheel_sha256)
            engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active,
                            desired=desired)
            refused = (active.spec, f"{reason}; starting {active.spec} instead")
    history = journal.active_history()
    if not history:
        journal.record_swap(kind="start", from_version=None, to_version=active.spec, ok=True,
                            reason="first version of this home", batch_end=engine.cursor, sha256=active.wheel_sha256)
    elif history[0] != active.spec:  # control.json asked for another version while the host was down
        journal.record_swap(kind="activate", from_version=history[0], to_version=active.spec, ok=True,
                            reason="control.json at start", batch_end=engine.cursor, sha256=active.wheel_sha256)
    if refused is not None:  # the reason in status (last_swap) as well as in history
        engine.record_last_swap(kind="auto-rollback", from_spec=None, to_spec=refused[0], reason=refused[1])
    swaps = SwapManager(engine, loader, probation_batches=settings.probation_batches,
                        max_restarts=settings.max_restarts, restart_window=settings.restart_window_seconds)
    if isinstance(loader, RegistryLoader):
        loader.registry.versions()  # the start's scan (a rescan only if something changed since)
        loader.registry.write_catalog()  # later ones are written by rescan_tick: `activate` trusts it
        engine.add_between_batches(loader.rescan_tick)
    rollouts = RolloutController(engine, loader, swaps, outcome=outcome_lookup(feed, clock),
                                 books=getattr(feed, "seen_book", None))
    engine.set_candidate_reporter(rollouts.status)
    engine.add_on_shutdown(rollouts.close)
    install_control(engine, started_with=control, swaps=swaps, rollouts=rollouts)
    return engine, swaps


def _start_version(settings: Settings, journal: Journal, loader: VersionLoader,
                   control: ControlDoc | None) -> ActiveStrategy:
    """control.json's ``active`` if it was changed since this home last ran (and loads), else
    :func:`initial_spec`. Refusals land in the journal: the control watcher retries it as a swap."""
    asked = unapplied_active(control, journal)
    if asked is not None:
        try:
            return loader.load(asked)
        except LoadError as exc:
            logger.error("control.json asks for {}: {}; starting {}", asked, exc, initial_spec(settings, journal))
    spec = initial_spec(settings, journal)
    try:
        return loader.load(spec)
    except LoadError as exc:
        journal.close()
        raise HostError(f"cannot start {spec}: {exc}") from exc


def install_signal_handlers(engine: Engine) -> None:
    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("{} received: finishing the current batch, then a final snapshot", signal.Signals(signum).name)
        engine.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def watch_home(engine: Engine, guard: HomeGuard) -> None:
    """Check at every heartbeat interval that the home is still the host's (see
    :class:`~liveswap.home.identity.HomeGuard`); if not, the engine stops opening positions and stops."""
    guard.remember_journal()
    interval = engine.settings.heartbeat_seconds
    next_probe = 0.0

    def check_home(eng: Engine) -> None:
        # the files' identities at every step (a few stat calls), a write probe once a heartbeat
        nonlocal next_probe
        now = time.monotonic()
        probe = now >= next_probe
        if probe:
            next_probe = now + interval
        problem = guard.problem(write_probe=probe)
        if problem is not None and problem.startswith("the disk is full"):
            eng.abandon_home(problem.removeprefix("the disk is full").strip(" ()") or "state/",
                             cause="the disk is full")
        elif problem is not None:
            eng.abandon_home(problem)

    engine.add_between_batches(check_home)
