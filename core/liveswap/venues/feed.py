"""A :class:`~liveswap.feeds.base.Feed` over real venues: exchange bars + prediction-venue quotes.

``VenueFeed.closed_candles(since, until)`` asks the bar source (Binance or Coinbase) for each
market's closed bars with ``since < end <= until`` and, where a quote source (Kalshi or
Polymarket) lists the market, fills ``up_price`` with the current price of the up/YES contract
of the window opening at the bar's end. That price exists only now, so it is fetched only for
bars that ended within ``quote_max_age`` seconds; older bars (catch-up) carry ``up_price=None``
-- unknown, not invented.

Time is the venue's: the clock skew against the bar source's server time is measured at the
first call and every ``skew_check_seconds`` (:attr:`VenueFeed.clock_skew_seconds`), and a bar is
asked for only ``bar_grace_seconds`` after it closed on the venue's clock.

**No candle is silently skipped, and no market waits for another.** A candle whose bar or
(fresh) quote is missing is *held* on its own: the other markets' complete candles come out at
once (a healthy market is decided at its close, not 20 s into its window), while that market's
later candles wait behind it. It is retried (every ``retry_seconds``) until ``deadline_seconds``
after its close, also once the engine's cursor has moved past its end: it then comes out *late*
(``end`` at or before the ``since`` asked for; the engine decides it on its own, once). Past the
deadline it is given up as a :class:`~liveswap.feeds.base.MissedCandle` with the one-line reason
(:meth:`VenueFeed.missed`), and that market's candles flow again. :meth:`VenueFeed.stale_markets`
says, per market, what is being waited for or was missed, for status. :class:`FeedError` is raised
only when no market could be read at all (nothing is given up then: the engine retries later).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from loguru import logger

from liveswap.api import Candle
from liveswap.exceptions import FeedError, VenueError
from liveswap.feeds import MissedCandle
from liveswap.markets import Market
from liveswap.venues.bars import Bar, BarSource
from liveswap.venues.quotes import Quote, QuoteSource

SEEN_QUOTES = 2000  # quotes kept for shadow fills: hours of nine markets' windows

MISSED_KEPT = 500


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class VenueFeed:
    """Candles from ``bars`` with ``up_price`` from ``quotes`` (None: underlying only)."""

    first_start: int | None = None  # live and endless: no replay bounds
    last_end: int | None = None

    def __init__(
        self,
        name: str,
        markets: Sequence[str],
        bars: BarSource,
        quotes: QuoteSource | None = None,
        *,
        clock: Callable[[], float] = time.time,
        quote_max_age: float = 60.0,
        bar_grace_seconds: float = 2.0,
        retry_seconds: float = 2.0,
        deadline_seconds: float = 20.0,
        skew_check_seconds: float = 300.0,
        max_clock_skew_seconds: float = 2.0,
    ) -> None:
        self.name = name
        self.markets = tuple(markets)
        self._specs = [Market.parse(m) for m in self.markets]
        self.bars = bars
        self.quotes = quotes
        self._clock = clock
        self.quote_max_age = quote_max_age
        self.bar_grace = bar_grace_seconds
        self.retry_seconds = retry_seconds
        self.deadline = deadline_seconds
        self.skew_check_seconds = skew_check_seconds
        self.max_clock_skew = max_clock_skew_seconds
        self._stale: dict[str, str] = {}
        self._last_missed: dict[str, MissedCandle] = {}  # per market, until a later candle of it comes out
        self._missed: dict[tuple[str, int], MissedCandle] = {}
        self._seen: dict[tuple[str, int], Quote] = {}  # the quote each candle was made with (bounded)
        self._skew: float | None = None
        self._skew_checked_at: float | None = None
        self._held_until: float | None = None  # no new fetch before this (local clock) while holding
        self._pending: dict[tuple[str, int], str] = {}  # (market, end) held, with why: retried until the deadline

    # ---- declared capabilities (see liveswap.feeds.base) -----------------------------------------

    @property
    def clock_skew_seconds(self) -> float | None:
        """Venue server time minus local time (seconds), None until measured or if unmeasurable."""
        return self._skew

    def missed(self) -> list[MissedCandle]:
        """Candles given up past the deadline (the latest :data:`MISSED_KEPT`), ordered by end."""
        return sorted(self._missed.values(), key=lambda m: (m.end, m.market))

    def stale_markets(self) -> dict[str, str]:
        """Per market, one line: what the feed is waiting for, or the last candle it gave up."""
        gave_up = {m: f"missed the candle ending {_iso(x.end)}: {x.reason}" for m, x in self._last_missed.items()}
        return {**gave_up, **self._stale}

    def close(self) -> None:
        self.bars.close()
        if self.quotes is not None:
            self.quotes.close()

    # ---- the clock -----------------------------------------------------------------------------

    def _check_skew(self, now: float) -> None:
        if self._skew_checked_at is not None and now - self._skew_checked_at < self.skew_check_seconds:
            return
        self._skew_checked_at = now
        server_time = getattr(self.bars, "server_time", None)
        if server_time is None:
            return
        try:
            t0 = self._clock()
            server = server_time()
            t1 = self._clock()
        except VenueError as exc:
            logger.warning("feed {}: cannot read {}'s server time: {}", self.name, self.bars.name, exc)
            return
        self._skew = round(server - (t0 + t1) / 2, 3)
        if abs(self._skew) > self.max_clock_skew:
            logger.warning("feed {}: local clock is {:+.3f}s off {}'s server time; using the venue's time",
                           self.name, -self._skew, self.bars.name)

    # ---- candles -------------------------------------------------------------------------------

    def closed_candles(self, since: int, until: int) -> list[Candle]:
        now = self._clock()
        if self._held_until is not None and now < self._held_until:
            return []  # holding a missing candle: retry later, nothing new to say
        self._held_until = None
        self._check_skew(now)
        venue_now = now + (self._skew or 0.0)
        horizon = min(until, int(venue_now - self.bar_grace))
        stale: dict[str, str] = {}
        out: list[Candle] = []
        held: dict[str, int] = {}  # per market, the earliest end still being waited for
        misses: list[MissedCandle] = []
        failed = 0
        first_exc: VenueError | None = None
        for market in self._specs:
            late = [end for (name, end) in self._pending if name == market.name]
            ends = sorted({*range(since - since % market.seconds + market.seconds, horizon + 1, market.seconds),
                           *late})
            if not ends:
                continue
            try:
                bars = {b.end: b for b in self.bars.bars(market.asset, market.seconds, min(ends) - 1, horizon)}
            except VenueError as exc:
                failed += 1
                first_exc = first_exc or exc
                bars, why_all = {}, exc.reason
            else:
                why_all = None
            for end in ends:
                candle, why = self._candle(market, bars.get(end), end, venue_now, why_all)
                self._pending.pop((market.name, end), None)
                if candle is not None:
                    out.append(candle)
                    continue
                if venue_now - end < self.deadline:
                    stale[market.name] = f"waiting for the candle ending {_iso(end)}: {why}"
                    held[market.name] = min(held.get(market.name, end), end)
                    self._pending[(market.name, end)] = why
                else:
                    misses.append(MissedCandle(market.name, end - market.seconds, end, why, int(venue_now)))
        self._stale = stale
        if self._specs and failed == len(self._specs) and first_exc is not None:  # an outage gives nothing up
            raise FeedError(f"{self.name}: no market could be read ({first_exc.reason})") from first_exc
        for miss in misses:
            self._give_up(miss)
        for name, reason in stale.items():
            logger.warning("feed {}: {}: {}", self.name, name, reason)
        if held:  # only the market waited for holds its later candles back: the others come out now
            self._held_until = now + self.retry_seconds
            out = [c for c in out if c.end < held.get(c.market, c.end + 1)]
        for c in out:
            last = self._last_missed.get(c.market)
            if last is not None and c.end > last.end:
                del self._last_missed[c.market]
        out.sort(key=lambda c: (c.end, c.market))
        return out

    def _candle(self, market: Market, bar: Bar | None, end: int, venue_now: float,
                why_all: str | None) -> tuple[Candle | None, str]:
        """The candle ending at ``end``, or None and the one-line reason it cannot be made yet."""
        if bar is None:
            return None, why_all or f"{self.bars.name}: no {market.timeframe} bar ending at {_iso(end)}"
        up_price: float | None = None
        if self.quotes is not None and self.quotes.supports(market) and venue_now - end <= self.quote_max_age:
            try:
                quote = self.quotes.quote(market, end)
            except VenueError as exc:
                return None, exc.reason
            up_price = quote.up_price
            self._remember(market.name, end, quote)
            if up_price is None:
                return None, f"{self.quotes.name}: no price for the {market.name} window at {_iso(end)}"
        return Candle(market.name, market.timeframe, bar.start, bar.end, bar.open, bar.high, bar.low, bar.close,
                      bar.volume, up_price), ""

    def _remember(self, market: str, window_start: int, quote: Quote) -> None:
        self._seen[(market, window_start)] = quote
        if len(self._seen) > SEEN_QUOTES:
            for key in sorted(self._seen, key=lambda k: k[1])[: len(self._seen) - SEEN_QUOTES]:
                del self._seen[key]

    def seen_quote(self, market: str, window_start: int) -> Quote | None:
        """The quote (with the book it carries) this feed made the candle of ``market`` with, for the
        window opening at ``window_start`` (None: not seen), so a shadow candidate is filled on what the
        active version saw (``rollout/hypothetical.py``'s ``shadow_fills``)."""
        return self._seen.get((market, window_start))

    def _give_up(self, miss: MissedCandle) -> None:
        key = (miss.market, miss.end)
        if key in self._missed:
            return
        logger.warning("feed {}: {} candle ending {} missed: {}", self.name, miss.market, _iso(miss.end), miss.reason)
        self._missed[key] = miss
        self._last_missed[miss.market] = miss
        while len(self._missed) > MISSED_KEPT:
            self._missed.pop(min(self._missed, key=lambda k: k[1]))
