"""The lease table: which markets this host may open positions on, and with which fencing token.

The agent thread writes it (a claim, a renewal, a loss); the trading thread reads it, synchronously
and without touching the network (:meth:`LeaseTable.token_for`). Self-fencing is a matter of time
alone: a lease counts only until ``renewed + ttl - margin`` (monotonic clock, ``renewed`` taken
*before* the renewal was sent, so the bucket's own expiry is always later). The margin is a third of
the lease: a host that cannot renew stops opening positions a third of a lease before another host
could claim the market, which covers one batch's journal-and-send and the clocks' rates.

A market taken over becomes tradable only from ``from_batch`` (the first batch closing after the
claim on the fleet's clock) and only once the host has reconciled it with the venue and warmed its
strategy up (``ready``): no candle is decided twice across the fleet.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

MARGIN_SHARE = 1 / 3
"""The self-fencing margin as a share of the lease."""


@dataclass(slots=True)
class Held:
    token: int  # the revision of the claim: the fencing token, rising across owners
    revision: int  # the latest revision (renewals compare-and-set on it)
    renewed: float  # time.monotonic() just before the claim or renewal was sent
    from_batch: int
    ready: bool = False
    releasing: bool = False


class LeaseTable:
    """Thread-safe; ``ttl`` is the leases bucket's TTL in seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.margin = ttl * MARGIN_SHARE
        self._held: dict[str, Held] = {}
        self._lock = threading.Lock()

    def use_ttl(self, ttl: float) -> None:
        """The bucket's TTL, once read from it (the first host's ``lease_seconds`` is the fleet's)."""
        with self._lock:
            self.ttl, self.margin = ttl, ttl * MARGIN_SHARE

    # ---- the trading thread -----------------------------------------------------------------

    def token_for(self, market: str, batch_end: int) -> int | None:
        """The fencing token if this host may decide ``market``'s candle closing at ``batch_end``
        and open on it now; None otherwise (never blocks on the network)."""
        with self._lock:
            held = self._held.get(market)
            if held is None or not held.ready or held.releasing or batch_end < held.from_batch:
                return None
            if time.monotonic() >= held.renewed + self.ttl - self.margin:
                return None
            return held.token

    def to_take_over(self) -> list[tuple[str, int]]:
        """Markets claimed but not yet reconciled and warmed up: ``(market, from_batch)``."""
        with self._lock:
            return [(m, h.from_batch) for m, h in self._held.items() if not h.ready and not h.releasing]

    def mark_ready(self, market: str) -> None:
        with self._lock:
            if market in self._held:
                self._held[market].ready = True

    def start_release(self, markets: Iterable[str]) -> list[str]:
        """Stop deciding ``markets`` now (between two batches); the agent then deletes their keys."""
        done = []
        with self._lock:
            for market in markets:
                if market in self._held and not self._held[market].releasing:
                    self._held[market].releasing = True
                    done.append(market)
        return done

    # ---- the agent thread --------------------------------------------------------------------

    def claimed(self, market: str, revision: int, sent: float, from_batch: int) -> None:
        with self._lock:
            self._held[market] = Held(token=revision, revision=revision, renewed=sent, from_batch=from_batch)

    def renewed(self, market: str, revision: int, sent: float) -> None:
        with self._lock:
            if market in self._held:
                self._held[market].revision = revision
                self._held[market].renewed = sent

    def lost(self, market: str) -> None:
        with self._lock:
            self._held.pop(market, None)

    def held(self) -> dict[str, Held]:
        with self._lock:
            return {m: Held(h.token, h.revision, h.renewed, h.from_batch, h.ready, h.releasing)
                    for m, h in self._held.items()}

    def owned(self) -> dict[str, int]:
        """``market -> token`` of every lease still inside its fence (status.json's ``markets_owned``)."""
        now = time.monotonic()
        with self._lock:
            return {m: h.token for m, h in sorted(self._held.items())
                    if not h.releasing and now < h.renewed + self.ttl - self.margin}


def fair_share(markets: int, hosts: int) -> int:
    """How many markets one of ``hosts`` live hosts holds at most when they spread ``markets``."""
    return math.ceil(markets / max(1, hosts))


def plan_spread(*, mine: set[str], free: list[str], markets: int, hosts: int,
                long_free: set[str]) -> tuple[list[str], int]:
    """``(to_claim, to_release_count)``: claim free markets up to the fair share (or any market
    nobody has claimed for a whole lease), release what is above it."""
    share = fair_share(markets, hosts)
    room = max(0, share - len(mine))
    claim = free[:room] + [m for m in free[room:] if m in long_free]
    return claim, max(0, len(mine) - share)
