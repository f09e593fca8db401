"""A candle whose data never arrived is journaled as missed, once, with the reason, and shown in
``status`` and ``journal export missed`` -- never silently skipped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liveswap.journal.reader import rows

from tests.support.engine_helpers import T0, advance, make_engine


@dataclass(frozen=True)
class Missed:
    market: str
    start: int
    end: int
    reason: str
    ts: int


class GivesUpOnOne:
    """The synthetic feed, except that it reports one candle as given up (like a venue feed's ``missed()``)."""

    def __init__(self, inner: Any, missed: Missed) -> None:
        self.inner, self._missed = inner, missed
        self.name, self.markets = inner.name, inner.markets
        self.first_start, self.last_end = inner.first_start, inner.last_end

    def stale_markets(self) -> dict[str, str]:
        return {}

    def closed_candles(self, since: int, until: int) -> list[Any]:
        return [c for c in self.inner.closed_candles(since, until)
                if (c.market, c.start) != (self._missed.market, self._missed.start)]

    def missed(self) -> list[Missed]:
        return [self._missed]

    def close(self) -> None:
        self.inner.close()


def test_a_missed_candle_is_journaled_once_and_shown(home: Path) -> None:
    start = T0 + 300
    gone = Missed("BTC-5m", start, start + 300, "binance: no 5m bar for 12:05 after 60s", start + 360)
    engine = make_engine(home, markets=["BTC-5m"], feed_wrapper=lambda feed: GivesUpOnOne(feed, gone))
    advance(engine, 1500)
    st = engine.report()
    assert [(m.market, m.candle_start, m.reason) for m in st.missed_candles] == [("BTC-5m", start, gone.reason)]
    assert len(engine.journal.missed_candles()) == 1  # reported at every poll, journaled once
    engine.journal.close()
    assert [(r["market"], r["candle_start"]) for r in rows(home / "state" / "journal.sqlite", "missed")] == [
        ("BTC-5m", start)]
    again = make_engine(home, t=engine.clock.now(), markets=["BTC-5m"])  # a restart keeps it
    assert again.report().missed_candles[0].reason == gone.reason
