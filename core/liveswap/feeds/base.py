"""The ``Feed`` seam: where closed candles come from, and what a feed may declare beyond it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from liveswap.api import Candle
from liveswap.exceptions import FeedError as FeedError


@dataclass(frozen=True, slots=True)
class MissedCandle:
    """A candle the feed gave up on: its data stayed missing past the deadline.

    ``start``/``end`` name the window of ``market``; ``reason`` is one line (what was missing);
    ``ts`` is when it was given up (epoch seconds, venue time).
    """

    market: str
    start: int
    end: int
    reason: str
    ts: int


@runtime_checkable
class Feed(Protocol):
    """A source of closed candles, pulled by time range so that catch-up is the same call.

    ``closed_candles(since, until)`` returns every candle of the feed's markets with
    ``since < end <= until``, ordered by ``(end, market)``. A candle whose data is not there yet
    is held back (with everything after it) rather than skipped; one given up is reported by
    :class:`ReportsMissed`. The call raises :class:`FeedError` only when nothing can be said at all.

    A feed also declares, for the engine and host to read without probing:

    * ``first_start``: the first candle's start of a finite replay, else None (live or endless);
    * ``last_end``: the last close of a finite replay (the host stops there), else None;
    * :meth:`stale_markets`: markets whose data is stale or missing now, each with a reason.
    """

    name: str
    markets: tuple[str, ...]
    first_start: int | None
    last_end: int | None

    def stale_markets(self) -> dict[str, str]: ...

    def closed_candles(self, since: int, until: int) -> list[Candle]: ...

    def close(self) -> None: ...


@runtime_checkable
class ReportsMissed(Protocol):
    """A declared capability of live feeds (the venue feed): missed candles and the clock skew.

    The engine, after each ``closed_candles`` call, records every ``missed()`` entry whose ``end``
    is at or before the batch it commits next, in that batch's transaction, once per
    ``(market, end)``; and shows them, ``stale_markets()`` and ``clock_skew_seconds`` in status.
    """

    clock_skew_seconds: float | None

    def missed(self) -> list[MissedCandle]:
        """Every candle given up so far (bounded, oldest dropped first), ordered by ``(end, market)``."""
        ...

    def stale_markets(self) -> dict[str, str]:
        """Per market, one line: what is being waited for, or the last candle given up."""
        ...
