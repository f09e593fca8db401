"""A host joining its fleet (``fleet.url`` set): the agent started before the engine (the fleet's
clock decides the host's), then the engine steered by it -- only leased markets decided and
opened on, a market taken over reconciled with the venue and warmed up before its first batch,
markets above the fair share handed back between two batches, ``fleet`` in status.json.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from loguru import logger

from liveswap.brokers import OpenOrderSource
from liveswap.clock import Clock, SharedClock, SimClock
from liveswap.engine import Engine, MarketGate, lease_of
from liveswap.exceptions import BrokerError, HostError
from liveswap.fleet.agent import FleetAgent
from liveswap.fleet.connect import FleetError
from liveswap.fleet.values import FleetClockDoc
from liveswap.home import FleetInfo
from liveswap.markets import Market
from liveswap.settings import Settings


def next_close(markets: list[str]):  # type: ignore[no-untyped-def]
    periods = [Market.parse(m).seconds for m in markets]

    def after(now: float) -> int:
        ts = int(now)
        return min(ts - ts % p + p for p in periods)

    return after


def join_fleet(settings: Settings, clock: Clock) -> tuple[FleetAgent, Clock]:
    """Start the agent; returns it with the clock the host runs on (the fleet's, for a simulated one)."""
    agent = FleetAgent(settings, next_close=next_close(settings.markets))
    proposal = None
    if isinstance(clock, SimClock):
        feed = f"{settings.feed} seed={settings.seed}" if settings.feed == "synthetic" else settings.feed
        proposal = FleetClockDoc(origin_sim=clock.now(), origin_wall=time.time(), speed=clock.speed, feed=feed)
    try:  # a wall-clock feed needs nothing from the fleet to start: it may start fenced and join later
        doc = agent.start(clock=proposal, patient=proposal is None)
    except FleetError as exc:
        raise HostError(str(exc)) from exc
    if doc is not None:
        if doc.speed != clock.speed:
            logger.warning("fleet {} runs its clock at {:g}x; this host follows it (not {:g}x)", agent.name,
                           doc.speed, clock.speed)
        clock = SharedClock(doc.origin_sim, doc.origin_wall, doc.speed)
    agent.use_clock(clock.now)
    if agent.connected:
        logger.info("fleet {}: joined as {} (lease {:g}s, fencing {:g}s before expiry)", agent.name, agent.host_id,
                agent.table.ttl, agent.table.margin)
    return agent, clock


@dataclass(frozen=True, slots=True)
class FleetPart:
    """The fleet as one of the parts the host assembles (:class:`liveswap.host.Host`): the lease
    table is the engine's market gate, :meth:`between_batches` its step, :meth:`status` its
    section of status.json, :meth:`close` leaves the fleet."""

    agent: FleetAgent

    @property
    def gate(self) -> MarketGate:
        return self.agent.table

    def between_batches(self, engine: Engine) -> None:
        """Markets above the fair share handed back; each market gained taken over."""
        self.agent.release_excess()
        for market, from_batch in self.agent.table.to_take_over():
            take_over(engine, market, from_batch)
            self.agent.table.mark_ready(market)

    def status(self) -> FleetInfo:
        return self.agent.report()

    def close(self) -> None:
        self.agent.stop()


def take_over(engine: Engine, market: str, from_batch: int) -> None:
    """Before this host's first order on ``market``: the venue's resting orders there from another
    lease are cancelled (a dead owner's), its positions stay to settle where the venue settles them,
    and the strategy is warmed up on the market's recent candles."""
    broker = engine.broker
    if isinstance(broker, OpenOrderSource):
        try:
            for client_order_id in broker.open_orders(market):
                if lease_of(client_order_id) is not None and not engine.journal.order_exists(client_order_id):
                    broker.cancel(client_order_id)
                    logger.warning("fleet: cancelled {} on {}: a resting order of a previous lease", client_order_id,
                                   market)
        except BrokerError as exc:
            logger.error("fleet: cannot reconcile {} with {}: {}", market, broker.name, exc)
    fed = engine.warm_up(market, from_batch - 1)
    logger.info("fleet: took over {} ({} candles of warm-up), trading it from {}", market, fed, from_batch)
