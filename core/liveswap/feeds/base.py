"""The ``Feed`` seam: where closed candles come from."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from liveswap.api.types import Candle
from liveswap.exceptions import FeedError as FeedError


@runtime_checkable
class Feed(Protocol):
    """A source of closed candles, pulled by time range so that catch-up is the same call.

    ``closed_candles(since, until)`` returns every candle of the feed's markets with
    ``since < end <= until``, ordered by ``(end, market)``. A market whose data is missing or
    stale is simply absent (the engine reports it); the call raises :class:`FeedError` only
    when nothing can be said at all.

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
