"""A host's membership of its fleet in the leases bucket: its ``host.ID`` key, its leases, and the
spread of the markets among the live hosts (run on the agent's asyncio thread).

* **Host id.** ``host.ID`` is claimed by create-if-absent; a key held by another machine or home is
  refused with the reason; this home's own key from before a restart is taken over.
* **Leases.** Renewed by update-on-revision (a lease that expired or was taken is dropped at
  once: the table stops granting it), claimed by create-if-absent (compare-and-set decides, never
  what a read showed), released by delete-on-revision.
* **Spread.** Free markets are claimed up to the fair share (or any market nobody has claimed for
  a whole lease); markets above it are handed back between two windows.
* **Claim at expiry.** A watch on the bucket tells when each other host's lease (and host key) was
  last written, so the agent knows when it expires (the server's write time + the bucket's TTL)
  and tries its claim then (create-if-absent: the server decides, so a clock off by a moment only
  costs a retry), not at its next tick, up to the fair share among the hosts whose keys have not
  expired too; a lease deleted (a host leaving cleanly) wakes it at once. nats-server removes an
  expired message up to about a quarter of a second late: that is the floor of a takeover.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from loguru import logger

from liveswap.fleet.connect import FleetError
from liveswap.fleet.leases import LeaseTable, fair_share, plan_spread
from liveswap.fleet.values import FleetValueError, HostValue, LeaseValue, encode, parse_value

EXPIRY_SLACK = 0.02  # seconds after a lease's expected expiry before the claim is tried
RETRY_AFTER_EXPIRY = 0.05  # the server has not removed it yet: try again this soon
RETRY_WINDOW = 1.0  # for this long after the expected expiry


class Membership:
    """The host's keys in the leases bucket (see the module docstring)."""

    def __init__(self, *, fleet: str, host_id: str, instance: str, home: str, markets: list[str],
                 table: LeaseTable, next_close: Callable[[float], int] | None,
                 clock_now: Callable[[], float]) -> None:
        self.fleet = fleet
        self.host_id = host_id
        self.instance = instance
        self.table = table
        self._home = home
        self._markets = list(markets)
        self._next_close = next_close
        self.clock_now = clock_now
        self.leases: Any = None
        self._host_rev = 0
        self._want_release = 0
        self._free_since: dict[str, float] = {}
        self._written: dict[str, float] = {}  # market -> wall time another host last wrote its lease
        self._host_written: dict[str, float] = {}  # host id -> wall time its host key was last written
        self._hosts: set[str] = set()  # the live hosts the last tick saw
        self._watch_task: asyncio.Task[None] | None = None
        self._watcher: Any = None
        self.wake = asyncio.Event()

    # ---- host id ------------------------------------------------------------------------------

    def _host_value(self) -> HostValue:
        return HostValue(host_id=self.host_id, instance=self.instance, machine=os.uname().nodename,
                         home=self._home, pid=os.getpid(), started_at=time.time())

    async def register(self, leases: Any) -> None:
        """Claim ``host.ID``; refused if another host (another machine or home) holds it."""
        from nats.js.errors import KeyWrongLastSequenceError

        self.leases = leases
        key = f"host.{self.host_id}"
        mine = self._host_value()
        try:
            self._host_rev = await leases.create(key, encode(mine))
            return
        except KeyWrongLastSequenceError:
            pass
        entry = await leases.get(key)
        try:
            other = parse_value(HostValue, entry.value, key)
        except FleetValueError:
            other = None
        if other is not None and (other.machine, other.home) != (mine.machine, mine.home):
            raise FleetError(f"fleet {self.fleet}: host id {self.host_id!r} is already used by the host in "
                             f"{other.home} on {other.machine} (pid {other.pid}); give this one another "
                             "fleet.host_id")
        # this home's own key from before a restart: take it over
        self._host_rev = await leases.update(key, encode(mine), last=entry.revision)

    async def _renew_host(self) -> None:
        from nats.js.errors import KeyWrongLastSequenceError

        try:
            self._host_rev = await self.leases.update(f"host.{self.host_id}", encode(self._host_value()),
                                                      last=self._host_rev)
        except KeyWrongLastSequenceError:
            await self.register(self.leases)  # expired while NATS was away: registered again (or refused)

    async def leave(self) -> None:
        """Delete every lease (the others take the markets at once) and the host key."""
        await self._unwatch()
        with contextlib.suppress(Exception):
            for market, held in self.table.held().items():
                await self.leases.delete(f"lease.{market}", last=held.revision)
                self.table.lost(market)
            await self.leases.delete(f"host.{self.host_id}", last=self._host_rev)

    # ---- watching the others' leases ------------------------------------------------------------

    async def watch(self) -> None:
        """Follow ``lease.*``: write times of the others' leases, deletes wake the agent (again after
        NATS was away: the old watch is stopped and a new one started)."""
        await self._unwatch()
        self._watcher = await self.leases.watch(">", meta_only=True)
        self._watch_task = asyncio.create_task(self._follow(self._watcher))

    async def _unwatch(self) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()
            self._watch_task = None
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher.stop()
            self._watcher = None

    async def _follow(self, watcher: Any) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            async for entry in watcher:
                if entry is None:
                    continue
                if entry.key.startswith("host.") and entry.created is not None:
                    self._host_written[entry.key.removeprefix("host.")] = entry.created.timestamp()
                elif entry.key.startswith("lease."):
                    self._note(entry.key.removeprefix("lease."), entry.operation, entry.created)

    def _note(self, market: str, operation: str | None, created: datetime | None) -> None:
        if market not in self._markets:
            return
        if operation in ("DEL", "PURGE"):
            self._written.pop(market, None)
            self.wake.set()
        elif created is not None and market not in self.table.held():
            self._written[market] = created.timestamp()
            self.wake.set()  # a new expiry to plan for

    def next_wake(self, period_end: float) -> float:
        """The monotonic time of the agent's next tick: its period's end, or sooner a little after
        another host's lease on one of this host's markets is due to expire."""
        ttl, now_wall, now = self.table.ttl, time.time(), time.monotonic()
        due = period_end
        held = self.table.held()
        for market, written in self._written.items():
            if market in held:
                continue
            expiry = written + ttl + EXPIRY_SLACK - now_wall
            if expiry > 0:
                due = min(due, now + expiry)
            elif expiry > -RETRY_WINDOW:  # due, but the server may not have removed it yet
                due = min(due, now + RETRY_AFTER_EXPIRY)
        return due

    async def claim_due(self) -> None:
        """Between two ticks: claim the markets whose other owner's lease is due to have expired,
        up to the fair share among the hosts whose own key has not expired as well."""
        now_wall, ttl = time.time(), self.table.ttl
        held = self.table.held()
        due = [m for m, w in self._written.items() if w + ttl + EXPIRY_SLACK <= now_wall and m not in held]
        if not due:
            return
        alive = {h for h in self._hosts if h == self.host_id or self._host_written.get(h, now_wall) + ttl > now_wall}
        mine = {m for m, h in held.items() if not h.releasing}
        room = fair_share(len(self._markets), max(1, len(alive))) - len(mine)
        for market in self._rotated(sorted(due))[:max(0, room)]:
            await self._claim(market)

    # ---- one tick -----------------------------------------------------------------------------

    async def tick(self) -> None:
        """Renew, claim up to the fair share, and note what to hand back."""
        await self._renew_host()
        await self._renew_leases()
        keys = await self._keys()
        hosts = {k.removeprefix("host.") for k in keys if k.startswith("host.")}
        self._hosts = hosts
        held = self.table.held()
        mine = {m for m, h in held.items() if not h.releasing}
        now = time.monotonic()
        free = [m for m in self._markets if f"lease.{m}" not in keys and m not in held]
        for market in list(self._free_since):
            if market not in free:
                del self._free_since[market]
        for market in free:
            self._free_since.setdefault(market, now)
            self._written.pop(market, None)
        long_free = {m for m, t in self._free_since.items() if now - t > self.table.ttl}
        claim, excess = plan_spread(mine=mine, free=self._rotated(free), markets=len(self._markets),
                                    hosts=max(1, len(hosts)), long_free=long_free)
        self._want_release = excess
        for market in claim:
            await self._claim(market)

    def take_excess(self) -> int:
        """How many markets above the fair share the last tick found (then zero)."""
        count, self._want_release = self._want_release, 0
        return count

    def _rotated(self, markets: list[str]) -> list[str]:
        """Free markets in an order of this host's own (fewer hosts race for the same key)."""
        if not markets:
            return markets
        shift = int(self.instance, 16) % len(markets)
        return markets[shift:] + markets[:shift]

    async def _keys(self) -> set[str]:
        from nats.js.errors import NoKeysError

        try:
            return set(await self.leases.keys())
        except NoKeysError:
            return set()

    async def _renew_leases(self) -> None:
        from nats.js.errors import KeyWrongLastSequenceError

        for market, held in self.table.held().items():
            key = f"lease.{market}"
            if held.releasing:
                with contextlib.suppress(KeyWrongLastSequenceError):
                    await self.leases.delete(key, last=held.revision)
                self.table.lost(market)
                continue
            sent = time.monotonic()
            try:
                revision = await self.leases.update(key, self._lease_value(), last=held.revision)
            except KeyWrongLastSequenceError:
                logger.warning("fleet: the lease on {} expired or was taken: no longer opening there", market)
                self.table.lost(market)
                continue
            self.table.renewed(market, revision, sent)

    def _lease_value(self) -> bytes:
        return encode(LeaseValue(host_id=self.host_id, instance=self.instance, claimed_at=time.time()))

    async def _claim(self, market: str) -> None:
        from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

        sent = time.monotonic()
        try:
            revision = await self.leases.create(f"lease.{market}", self._lease_value())
        except KeyWrongLastSequenceError:
            return  # another host was first: compare-and-set decided
        except KeyNotFoundError:  # nats-py: the key expired between the refused create and its check
            return  # (tried again at the next wake, a moment later)
        self._written.pop(market, None)
        now = self.clock_now()
        from_batch = self._next_close(now) if self._next_close is not None else int(now) + 1
        self.table.claimed(market, revision, sent, from_batch)
        logger.info("fleet: claimed {} (lease revision {}), trading it from the batch closing at {}",
                    market, revision, from_batch)
