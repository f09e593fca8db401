"""The host's fleet agent: nats-py's asyncio loop on its own thread.

Every tick (a quarter of the lease) it renews the host's key and its leases (compare-and-set on
the last revision), releases what the trading thread handed back, claims free markets up to its
fair share (create-if-absent: ownership is decided by compare-and-set only, never by what a read
showed), reads the fleet's desired version and publishes the host's observed state. The trading
thread never waits for any of it: it asks the :class:`~liveswap.fleet.leases.LeaseTable`.

When NATS cannot be reached, ticks fail, nothing is renewed, and the table fences each lease a
third of a lease before it could expire; open positions still settle (that needs no lease). When
NATS comes back, a lease whose revision still matches is renewed (kept), one that expired or was
taken is dropped, and free markets are claimed again (reclaim or yield).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from loguru import logger

from liveswap.fleet.apply import Applied, apply_desired, load_applied
from liveswap.fleet.connect import (
    FleetError,
    agree_clock,
    connect_options,
    default_host_id,
    open_buckets,
    safe_url,
)
from liveswap.fleet.leases import LeaseTable
from liveswap.fleet.membership import Membership
from liveswap.fleet.values import (
    FleetClockDoc,
    FleetDesired,
    FleetValueError,
    Observed,
    encode,
    parse_value,
)
from liveswap.home import FleetInfo, read_status
from liveswap.settings import Settings

START_TIMEOUT = 15.0
PATIENT_WAIT = 3.0  # a host that may start fenced waits this long for NATS, then starts
JOIN_RETRY_SECONDS = 1.0  # a patient host not joined yet tries again this often


class FleetAgent:
    """One host's membership of its fleet (see the module docstring)."""

    def __init__(self, settings: Settings, *, next_close: Callable[[float], int] | None = None) -> None:
        fleet = settings.fleet
        self.name = fleet.name
        self.host_id = fleet.host_id or default_host_id(settings.home)
        self.instance = uuid.uuid4().hex[:16]
        self._settings = settings
        self._state_dir = settings.state_dir
        self._markets = list(settings.markets)
        self._lease_seconds = fleet.lease_seconds
        self.table = LeaseTable(fleet.lease_seconds)
        self._next_close = next_close
        self._clock_now: Callable[[], float] = time.time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._start_error: str | None = None
        self._refused = False  # the fleet refused this host (host id, feed): no retry
        self._patient = False
        self._connected = False
        self.error: str | None = None
        self.desired_error: str | None = None
        self.clock_doc: FleetClockDoc | None = None
        self._applied: Applied = load_applied(self._state_dir)
        self._nc: Any = None
        self._leases: Any = None
        self._member: Membership | None = None
        self._state: Any = None
        self._proposed_clock: FleetClockDoc | None = None
        self.ticks = 0
        self.tick_seconds = 0.0

    # ---- the host's side (any thread) --------------------------------------------------------

    def start(self, *, clock: FleetClockDoc | None, patient: bool = False) -> FleetClockDoc | None:
        """Connect, register the host id, agree on the fleet's clock (``clock``: this host's
        proposal, None for a wall-clock feed); :class:`FleetError` with one line if it cannot.
        ``patient``: NATS not answering is no refusal -- the agent keeps trying to join and, until
        it has, holds no lease (the host opens nothing); a refusal (host id, feed) still raises."""
        self._proposed_clock = clock
        self._patient = patient
        self._thread = threading.Thread(target=self._run, name="liveswap-fleet", daemon=True)
        self._thread.start()
        wait = PATIENT_WAIT if patient else START_TIMEOUT
        if not self._started.wait(wait):
            silent = f"fleet {self.name}: no answer from NATS at {safe_url(self._settings.fleet.url)} within {wait:g}s"
            if not patient:
                self.stop()
                raise FleetError(silent)
            self.error = f"not joined yet: {silent}"  # nats-py keeps trying; the agent joins when it answers
        elif self._start_error is not None and (self._refused or not patient):
            self.stop()
            raise FleetError(self._start_error)
        if self.error is not None or self._start_error is not None:
            logger.warning("{}: starting fenced (no lease, nothing opened) and joining when NATS answers",
                           self.error or self._start_error)
        return self.clock_doc

    def use_clock(self, now: Callable[[], float]) -> None:
        """The fleet clock the engine runs on (a claim's first batch is the next close after now)."""
        self._clock_now = now

    def stop(self) -> None:
        """Release every lease (the others take the markets at once), leave, close the connection."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)

    @property
    def connected(self) -> bool:
        return self._connected

    def release_excess(self) -> list[str]:
        """Between two batches (trading thread): stop deciding the markets above the fair share;
        the agent deletes their leases at its next tick."""
        count = self._member.take_excess() if self._member is not None else 0
        if count <= 0:
            return []
        held = self.table.held()
        ready = sorted((m for m, h in held.items() if not h.releasing), key=lambda m: -held[m].token)
        released = self.table.start_release(ready[:count])
        if released:
            logger.info("fleet: handing over {} (above the fair share)", ", ".join(released))
        return released

    def report(self) -> FleetInfo:
        """status.json's ``fleet``."""
        return FleetInfo(name=self.name, host_id=self.host_id, markets_owned=self.table.owned(),
                         connected=self._connected, lease_seconds=self.table.ttl,
                         fence_margin_seconds=round(self.table.margin, 3), error=self.error or self.desired_error,
                         desired_generation=self._applied.generation)

    # ---- the agent's thread ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # noqa: BLE001 - the thread reports, never dies silently
            logger.exception("fleet agent stopped: {}", exc)
            self._start_error = self._start_error or f"fleet agent: {type(exc).__name__}"
            self._started.set()

    async def _main(self) -> None:
        while not await self._join():
            await self._close()
            if self._refused or not self._patient or self._stop.is_set():
                return
            self.error = f"not joined yet: {self._start_error}"
            await asyncio.sleep(JOIN_RETRY_SECONDS)
        if self.error is not None:
            logger.info("fleet {}: joined as {}", self.name, self.host_id)
        self._connected, self.error = True, None
        period = max(0.1, self.table.ttl / 4)
        while not self._stop.is_set():
            began = time.monotonic()
            await self._tick_safely()
            self.tick_seconds += time.monotonic() - began
            self.ticks += 1
            await self._pause_until(began + period)
        await self._leave()
        await self._close()

    async def _join(self) -> bool:
        """Connect, open the buckets, register, agree on the clock; False (the reason in
        ``_start_error``) if NATS did not answer or the fleet refused this host."""
        import nats

        try:
            self._nc = await nats.connect(**connect_options(self._settings.fleet, name=self.host_id),
                                          error_cb=self._quiet, disconnected_cb=self._down, reconnected_cb=self._up)
            self._leases, self._state = await open_buckets(self._nc, self.name, lease_seconds=self._lease_seconds)
            status = await self._leases.status()
            if status.ttl:
                self.table.use_ttl(float(status.ttl))
            self._member = Membership(fleet=self.name, host_id=self.host_id, instance=self.instance,
                                      home=str(self._settings.home), markets=self._markets, table=self.table,
                                      next_close=self._next_close, clock_now=lambda: self._clock_now())
            await self._member.register(self._leases)
            await self._member.watch()
            self.clock_doc = await agree_clock(self._state, self.name, self._proposed_clock)
            self._start_error = None
        except FleetError as exc:
            self._start_error, self._refused = str(exc), True
        except Exception as exc:  # noqa: BLE001 - one line, never the URL's secrets
            self._start_error = (f"fleet {self.name}: cannot join through {safe_url(self._settings.fleet.url)}: "
                                 f"{type(exc).__name__}: {str(exc)[:160]}")
        finally:
            self._started.set()
        return self._start_error is None

    async def _pause_until(self, period_end: float) -> None:
        """Sleep until the next tick (the period's end); meanwhile, when another host's lease on one
        of this host's markets is due to expire (or is deleted), claim it then."""
        member = self._member
        assert member is not None
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= period_end:
                return
            with contextlib.suppress(Exception):  # nothing due: nothing sent; a failed claim waits for the tick
                await member.claim_due()
            due = member.next_wake(period_end) - time.monotonic()
            member.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(member.wake.wait(), max(0.0, min(due, 0.5)))

    async def _tick_safely(self) -> None:
        try:
            await self._tick()
            if not self._connected:
                logger.info("fleet: NATS answers again")
                assert self._member is not None
                await self._member.watch()
            self._connected, self.error = True, None
        except Exception as exc:  # noqa: BLE001 - an unreachable NATS fences leases by time alone
            if self._connected:
                logger.warning("fleet: NATS unreachable ({}): no new positions once leases fence", type(exc).__name__)
            self._connected = False
            self.error = f"NATS unreachable: {type(exc).__name__}"

    async def _quiet(self, exc: Exception) -> None:
        logger.debug("fleet connection: {}", type(exc).__name__)

    async def _down(self) -> None:
        self._connected = False

    async def _up(self) -> None:
        logger.info("fleet: reconnected to NATS")

    async def _close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()

    # ---- joining ---------------------------------------------------------------------------------

    async def _leave(self) -> None:
        if self._member is not None:
            await self._member.leave()
        with contextlib.suppress(Exception):
            await self._publish()

    async def _tick(self) -> None:
        assert self._member is not None
        await self._member.tick()
        await self._read_desired()
        await self._publish()

    # ---- desired in, observed out ---------------------------------------------------------------

    async def _read_desired(self) -> None:
        from nats.js.errors import KeyNotFoundError

        try:
            entry = await self._state.get("desired")
        except KeyNotFoundError:
            return
        try:
            desired = parse_value(FleetDesired, entry.value, "fleet desired state")
        except FleetValueError as exc:
            if self.desired_error != str(exc):
                logger.error("{}; keeping generation {}", exc, self._applied.generation)
            self.desired_error = f"{exc} (keeping fleet generation {self._applied.generation})"
            return
        self.desired_error = None
        self._applied = await asyncio.to_thread(apply_desired, self._state_dir, self._markets, desired,
                                                self.host_id, self._applied)

    async def _publish(self) -> None:
        status = await asyncio.to_thread(read_status, self._state_dir)
        active = f"{status.active.name}=={status.active.version}" if status is not None else None
        observed = Observed(
            host_id=self.host_id, at=time.time(), running=bool(status and status.running), active=active,
            markets=self.table.owned(), observed_generation=self._applied.generation,
            balance=status.balance if status else None, realized_pnl=status.realized_pnl if status else None,
            candidate=status.candidate if status else None,
            last_swap=status.last_swap.model_dump(mode="json", by_alias=True) if status and status.last_swap else None,
            control_error=status.control_error if status else None, fleet_error=self.error or self.desired_error)
        await self._state.put(f"observed.{self.host_id}", encode(observed))

