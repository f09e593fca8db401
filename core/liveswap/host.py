"""Assembling a host from settings: feed, broker, journal, clock, active strategy → ``Engine``,
and the parts above it (swap, rollout, control watcher, registry rescans, the doorbell) connected to
it in one declaration (:class:`Host`)."""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from loguru import logger

from liveswap.api import Candle
from liveswap.brokers import Broker, BrokerError, PaperBroker
from liveswap.clock import Clock, SimClock, WallClock
from liveswap.control import ControlWatcher, desired_from, unapplied_active
from liveswap.engine import ActiveStrategy, Engine, PartsStatus, Steering, Step
from liveswap.exceptions import HostError
from liveswap.feeds import CsvReplayFeed, Feed, FeedError, SyntheticFeed
from liveswap.fleet import FleetPart, join_fleet
from liveswap.home import Doorbell, HomeGuard, HomePaths, read_desired
from liveswap.journal import Journal
from liveswap.markets import Market
from liveswap.registry import Registry
from liveswap.rollout import RolloutController, shadow_fills
from liveswap.settings import Settings
from liveswap.swap import RegistryLoader, SwapManager, VersionLoader, startup
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


def make_loader(settings: Settings) -> RegistryLoader:
    return RegistryLoader(Registry.from_settings(settings), limits=settings.sandbox,
                          hook_timeout=settings.hook_timeout_seconds, state_dir=settings.state_dir,
                          max_state_bytes=settings.max_state_bytes)


def build_host(settings: Settings, loader: VersionLoader | None = None, *, guard: HomeGuard | None = None) -> Host:
    """A recovered host, its parts connected (:meth:`Host.steering`), ready to :meth:`Host.run`.
    With a ``guard``, the first step between batches checks that the home is still the host's.
    With ``fleet.url`` set, the host joins its fleet first (the fleet's clock decides the host's)."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    feed = make_feed(settings)
    clock = make_clock(settings, feed)
    if not settings.fleet.url:
        return _assemble(settings, loader, guard=guard, feed=feed, clock=clock, fleet=None)
    agent, clock = join_fleet(settings, clock)
    try:
        return _assemble(settings, loader, guard=guard, feed=feed, clock=clock, fleet=FleetPart(agent))
    except BaseException:
        agent.stop()
        raise


def _assemble(settings: Settings, loader: VersionLoader | None, *, guard: HomeGuard | None, feed: Feed, clock: Clock,
              fleet: FleetPart | None) -> Host:
    broker = make_broker(settings, feed, clock)
    journal = Journal(HomePaths(settings.state_dir).journal)
    control = read_desired(settings.state_dir, settings.markets)
    loader = loader or make_loader(settings)
    refused = startup.refuse_crash_loop(journal, max_probation_crashes=settings.max_probation_crashes)
    active = startup.start_version(journal, loader, asked=unapplied_active(control, journal),
                                   default=settings.strategy)
    desired = desired_from(control, settings.risk) if control is not None else None
    # a replay starts at its first candle; a new home warms the strategy up on recent history first
    # (those candles are decided, not traded: their intents are stale)
    first = feed.first_start
    fresh_cursor = int(first) if first is not None else (int(clock.now()) - settings.warmup_seconds) // 900 * 900

    def make_engine(active: ActiveStrategy, refused: startup.Refused | None) -> Engine:
        # the reason a start refused a version is in status (last_swap) as well as in history; in a
        # fleet, the lease table gates which markets are decided and opened on
        return Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active,
                      desired=desired, last_swap=refused.as_last_swap() if refused is not None else None,
                      gate=fleet.gate if fleet is not None else None)

    engine = startup.recover(make_engine, active, refused, journal=journal, loader=loader, fresh_cursor=fresh_cursor)
    startup.record_start(journal, engine.active, cursor=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=settings.probation_batches,
                        max_restarts=settings.max_restarts, restart_window=settings.restart_window_seconds)
    registry = loader if isinstance(loader, RegistryLoader) else None
    if registry is not None:
        registry.registry.versions()  # the start's scan (a rescan only if something changed since)
        registry.registry.write_catalog()  # later ones are written by rescan_tick: `activate` trusts it
    rollouts = RolloutController(engine, loader, swaps, outcome=outcome_lookup(feed, clock),
                                 books=shadow_fills(feed, broker))
    watcher = ControlWatcher(engine.state_dir, started_with=control, swaps=swaps, rollouts=rollouts)
    host = connect(engine, swaps=swaps, rollouts=rollouts, watcher=watcher, registry=registry, guard=guard,
                   fleet=fleet)
    host.doorbell = Doorbell(settings.state_dir, on_ring=engine.wake)
    return host


def build_engine(settings: Settings, loader: VersionLoader | None = None, *,
                 guard: HomeGuard | None = None) -> tuple[Engine, SwapManager]:
    """:func:`build_host`'s engine and swap manager (the demo, tests)."""
    host = build_host(settings, loader, guard=guard)
    assert host.swaps is not None
    return host.engine, host.swaps


@dataclass(slots=True)
class Host:
    """One host: the engine and the parts above it, and -- declared here, once -- how they steer it.

    Nothing registers itself: :meth:`steps` is the whole of what runs between two batches, in
    order; :meth:`status` pulls each part's status when a report is built."""

    engine: Engine
    swaps: SwapManager | None = None
    rollouts: RolloutController | None = None
    watcher: ControlWatcher | None = None
    registry: RegistryLoader | None = None
    home_check: Step | None = None
    doorbell: Doorbell | None = None
    guard: HomeGuard | None = None
    fleet: FleetPart | None = None

    def steps(self) -> tuple[Step, ...]:
        """Between two batches and at every idle wake, in this order (then the engine's own
        snapshot and heartbeat when due):

        1. the home is still the host's (else nothing more touches it, and the host stops);
        2. the fleet: markets above the fair share are handed back; a market gained is reconciled
           with the venue and the strategy warmed up on it before its first batch;
        3. the swap: probation counts the batch; a prepared swap commits (or is refused);
        4. the registry notices wheels dropped into ``registry/`` (at most once a second);
        5. the candidate decides the new batches, or starts, or is promoted;
        6. control.json: a changed file is validated and applied (it may ask 3 and 5 for more).
        """
        steps: list[Step | None] = [
            self.home_check,
            self.fleet.between_batches if self.fleet is not None else None,
            self.swaps.tick if self.swaps is not None else None,
            self.registry.rescan_tick if self.registry is not None else None,
            self.rollouts.tick if self.rollouts is not None else None,
            self.watcher,
        ]
        return tuple(step for step in steps if step is not None)

    def steering(self) -> Steering:
        """What the engine asks of the parts above it (see :mod:`liveswap.engine.steering`)."""
        steering = Steering(between_batches=self.steps(), status=self.status)
        if self.swaps is not None:  # restarts and rollbacks; during probation any malformed intent is a fault
            steering = replace(steering, on_fault=self.swaps.on_fault, strict=self.swaps.in_probation_now)
        if self.rollouts is not None:  # a canary trades its markets; the candidate's snapshot at shutdown
            steering = replace(steering, canary=self.rollouts.canary, on_shutdown=(self.rollouts.close,))
        if self.fleet is not None:  # leases released at a clean shutdown: the others take the markets at once
            steering = replace(steering, on_shutdown=(*steering.on_shutdown, self.fleet.close))
        return steering

    def status(self) -> PartsStatus:
        """Each part's own status, pulled now (status.json at every heartbeat)."""
        watcher = self.watcher
        return PartsStatus(
            observed_generation=watcher.observed_generation if watcher is not None else None,
            control_error=watcher.control_error if watcher is not None else None,
            refusals=tuple(watcher.refusals) if watcher is not None else (),
            probation=self.swaps.probation_info() if self.swaps is not None else None,
            registry=self.registry.summary if self.registry is not None else None,
            candidate=self.rollouts.status() if self.rollouts is not None else None,
            fleet=self.fleet.status() if self.fleet is not None else None,
        )

    def open_doorbell(self) -> None:
        """Listen on ``state/doorbell``: a ring (the CLI, after it wrote control.json) wakes the engine."""
        if self.doorbell is not None:
            problem = self.doorbell.start()
            if problem is not None:
                logger.warning(problem)

    def close(self) -> None:
        """After :meth:`Engine.run`: stop listening, stop every worker, leave the fleet, close the journal and
        the guard."""
        if self.doorbell is not None:
            self.doorbell.close()
        if self.swaps is not None:
            self.swaps.close()
        if self.fleet is not None:  # already stopped at a clean shutdown; after a crash, now
            self.fleet.close()
        self.engine.active.runner.close()
        self.engine.journal.close()
        if self.guard is not None:
            self.guard.close()


def connect(engine: Engine, *, swaps: SwapManager | None = None, rollouts: RolloutController | None = None,
            watcher: ControlWatcher | None = None, registry: RegistryLoader | None = None,
            guard: HomeGuard | None = None, fleet: FleetPart | None = None) -> Host:
    """Connect the parts to ``engine`` (:meth:`Host.steering`); the host and tests assemble through it."""
    host = Host(engine, swaps=swaps, rollouts=rollouts, watcher=watcher, registry=registry,
                home_check=home_check(engine, guard) if guard is not None else None, guard=guard, fleet=fleet)
    engine.steer(host.steering())
    return host


def install_signal_handlers(engine: Engine) -> None:
    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("{} received: finishing the current batch, then a final snapshot", signal.Signals(signum).name)
        engine.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def home_check(engine: Engine, guard: HomeGuard) -> Step:
    """A step checking that the home is still the host's, a write probe at every heartbeat interval
    (see :class:`~liveswap.home.identity.HomeGuard`); if not, the engine stops opening positions and stops."""
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

    return check_home
