"""Build venue feeds and brokers by name from typed settings (:class:`~liveswap.settings.Settings`).

Feeds (``--feed``): ``binance`` / ``coinbase`` (underlying only, ``up_price=None``), ``kalshi`` and
``polymarket`` (underlying from ``venues.candles_source`` + the venue's up price).

Brokers (``--broker``): ``kalshi`` (real orders, signed; ``venues.kalshi.env`` picks demo or
prod), ``polymarket`` (real orders through the official ``py-clob-client-v2``, the optional extra
``liveswap[polymarket]``), ``kalshi-paper`` / ``polymarket-paper`` (live venue prices, simulated
orders), and ``paper`` when the feed is ``kalshi`` or ``polymarket`` (the same live-paper broker on
that venue).

At the seams: :func:`make_feed` raises :class:`~liveswap.exceptions.FeedError` and
:func:`make_broker` :class:`~liveswap.exceptions.BrokerError`, chained to the venue error.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from liveswap.brokers import Broker, OutcomeLookup
from liveswap.exceptions import BrokerError, FeedError, VenueConfigError, VenueError
from liveswap.settings import Settings, VenueSettings
from liveswap.venues._http import CircuitBreaker, RetryPolicy, Signer, TokenBucket, VenueHttp
from liveswap.venues.bars import BarSource
from liveswap.venues.binance import BinanceBars
from liveswap.venues.coinbase import CoinbaseBars
from liveswap.venues.feed import VenueFeed
from liveswap.venues.kalshi import DEMO_URL, PROD_URL, TIERS, KalshiBroker, KalshiClient, KalshiQuotes, KalshiSigner
from liveswap.venues.live_paper import LivePaperBroker
from liveswap.venues.polymarket import PolymarketClient, PolymarketCredentials, PolymarketQuotes
from liveswap.venues.quotes import QuoteSource

FEED_NAMES: tuple[str, ...] = ("binance", "coinbase", "kalshi", "polymarket")
BROKER_NAMES: tuple[str, ...] = ("kalshi", "kalshi-paper", "polymarket-paper", "polymarket")
QUOTE_VENUES: tuple[str, ...] = ("kalshi", "polymarket")


def venue_http(venue: str, base_url: str, vs: VenueSettings, *, reads: float | None = None,
               writes: float | None = None, signer: Signer | None = None) -> VenueHttp:
    return VenueHttp(
        venue,
        base_url,
        timeout=vs.timeout_seconds,
        retry=RetryPolicy(attempts=vs.retries + 1, base_delay=vs.backoff_seconds,
                          max_retry_after=vs.max_retry_after_seconds),
        reads=TokenBucket(reads) if reads else None,
        writes=TokenBucket(writes) if writes else None,
        breaker=CircuitBreaker(vs.breaker_failures, vs.breaker_reset_seconds),
        signer=signer,
    )


def make_bars(vs: VenueSettings) -> BarSource:
    if vs.candles_source == "coinbase":
        return CoinbaseBars(venue_http("coinbase", vs.coinbase_url, vs, reads=8))
    return BinanceBars(venue_http("binance", vs.binance_url, vs, reads=10))


def kalshi_client(vs: VenueSettings, *, signed: bool) -> KalshiClient:
    ks = vs.kalshi
    base = ks.base_url or (PROD_URL if ks.env == "prod" else DEMO_URL)
    signer = None
    if signed:
        if ks.key_id is None or ks.private_key_file is None:
            raise VenueConfigError(
                f"kalshi: the kalshi broker needs venues.kalshi.key_id and venues.kalshi.private_key_file "
                f"(env {ks.env}; set LIVESWAP_VENUES__KALSHI__KEY_ID and ..._PRIVATE_KEY_FILE)"
            )
        signer = KalshiSigner.from_file(ks.key_id.get_secret_value(), ks.private_key_file)
    reads, writes = TIERS[ks.tier]
    return KalshiClient(venue_http("kalshi", base, vs, reads=reads, writes=writes, signer=signer))


def polymarket_quotes(vs: VenueSettings, *, clock: Callable[[], float] = time.time) -> PolymarketQuotes:
    ps = vs.polymarket
    client = PolymarketClient(
        venue_http("polymarket", ps.gamma_url, vs, reads=ps.reads_per_second),
        venue_http("polymarket", ps.clob_url, vs, reads=ps.reads_per_second),
    )
    return PolymarketQuotes(client, clock=clock)


def make_quotes(venue: str, vs: VenueSettings, *, clock: Callable[[], float] = time.time) -> QuoteSource:
    if venue == "kalshi":
        return KalshiQuotes(kalshi_client(vs, signed=False), vs.kalshi.series, clock=clock)
    if venue == "polymarket":
        return polymarket_quotes(vs, clock=clock)
    raise VenueConfigError(f"unknown quote venue {venue!r} (known: {', '.join(QUOTE_VENUES)})")


def make_feed(name: str, settings: Settings, *, clock: Callable[[], float] = time.time) -> VenueFeed:
    """The venue feed ``name`` (one of :data:`FEED_NAMES`) for ``settings.markets``; FeedError if it cannot be built."""
    try:
        if name not in FEED_NAMES:
            raise VenueConfigError(f"unknown venue feed {name!r} (venue feeds: {', '.join(FEED_NAMES)})")
        vs = settings.venues
        quotes = None
        if name in ("binance", "coinbase"):
            vs = vs.model_copy(update={"candles_source": name})
        else:
            quotes = make_quotes(name, vs, clock=clock)
        return VenueFeed(name, settings.markets, make_bars(vs), quotes, clock=clock,
                         quote_max_age=vs.quote_max_age_seconds, bar_grace_seconds=vs.bar_grace_seconds,
                         retry_seconds=vs.missing_retry_seconds, deadline_seconds=vs.missing_deadline_seconds,
                         skew_check_seconds=vs.skew_check_seconds, max_clock_skew_seconds=vs.max_clock_skew_seconds)
    except VenueError as exc:
        raise FeedError(exc.reason) from exc


def make_broker(name: str, settings: Settings, *, clock: Callable[[], float] = time.time,
                outcome: OutcomeLookup | None = None) -> Broker:
    """The venue broker ``name`` (one of :data:`BROKER_NAMES`, or ``paper`` with a venue feed).

    ``outcome`` is the paper broker's ``(market, window_start) -> Candle | None`` fallback for
    settling (``liveswap.host.outcome_lookup``); the live-paper brokers keep their book in
    ``state/{venue}_paper_broker.sqlite``. BrokerError if it cannot be built.
    """
    try:
        return _make_broker(name, settings, clock=clock, outcome=outcome)
    except VenueError as exc:
        raise BrokerError(exc.reason) from exc


def _make_broker(name: str, settings: Settings, *, clock: Callable[[], float],
                 outcome: OutcomeLookup | None) -> Broker:
    vs = settings.venues
    if name == "paper" and settings.feed in QUOTE_VENUES:
        name = f"{settings.feed}-paper"
    if name == "polymarket":
        from liveswap.venues.polymarket import PolymarketBroker

        ps = vs.polymarket
        clob = PolymarketCredentials.from_settings(ps).client(ps)
        return PolymarketBroker(clob, polymarket_quotes(vs, clock=clock),
                                settings.state_dir / "polymarket_orders.sqlite", chain_id=ps.chain_id,
                                max_shares=ps.max_shares, clock=clock)
    if name == "kalshi":
        client = kalshi_client(vs, signed=True)
        quotes = KalshiQuotes(client, vs.kalshi.series, clock=clock)
        return KalshiBroker(client, quotes, max_contracts=vs.kalshi.max_contracts, clock=clock)
    if name in ("kalshi-paper", "polymarket-paper"):
        venue = name.removesuffix("-paper")
        return LivePaperBroker(make_quotes(venue, vs, clock=clock), settings.state_dir / f"{venue}_paper_broker.sqlite",
                               settings.paper, outcome, clock=clock)
    raise VenueConfigError(
        f"unknown venue broker {name!r} (venue brokers: {', '.join(BROKER_NAMES)}; "
        "'paper' uses live prices only with --feed kalshi or --feed polymarket)"
    )
