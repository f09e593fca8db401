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


class HoldsOneLate:
    """The synthetic feed the way a venue feed holds one market's late quote (issue 24, point 10): that candle is
    held while the other markets' candles come out; ``release()`` lets it out, late (its end at or before the
    engine's cursor), and that market's later candles wait behind it."""

    def __init__(self, inner: Any, market: str, end: int) -> None:
        self.inner, self.market, self.end = inner, market, end
        self.name, self.markets = inner.name, inner.markets
        self.first_start, self.last_end = inner.first_start, inner.last_end
        self.released = False

    def release(self) -> None:
        self.released = True

    def stale_markets(self) -> dict[str, str]:
        return {} if self.released else {self.market: "waiting for its quote"}

    def closed_candles(self, since: int, until: int) -> list[Any]:
        out = self.inner.closed_candles(min(since, self.end - 1), until)
        if not self.released:
            out = [c for c in out if not (c.market == self.market and c.end >= self.end)]
        return sorted((c for c in out if c.end > since or (c.market, c.end) == (self.market, self.end)),
                      key=lambda c: (c.end, c.market))

    def close(self) -> None:
        self.inner.close()


def test_a_market_waiting_for_its_quote_holds_no_other_market_and_is_decided_once(home: Path) -> None:
    late_end = T0 + 900
    feed: list[HoldsOneLate] = []

    def wrap(inner: Any) -> HoldsOneLate:
        feed.append(HoldsOneLate(inner, "BTC-15m", late_end))
        return feed[0]

    engine = make_engine(home, markets=["BTC-5m", "ETH-5m", "BTC-15m"], feed_wrapper=wrap)
    advance(engine, 900)  # the close at T0 + 900: BTC-15m's quote is missing
    decided = {(r["market"], r["candle_start"]): r["batch_end"]
               for r in engine.journal.query("SELECT * FROM decisions")}
    assert decided[("BTC-5m", late_end - 300)] == late_end and decided[("ETH-5m", late_end - 300)] == late_end
    assert ("BTC-15m", T0) not in decided  # the healthy markets were decided at their close without it
    feed[0].release()
    engine.catch_up(engine.clock.now() + 5)  # the quote comes, 5 s later: decided now, on its own
    rows_ = engine.journal.query("SELECT batch_end FROM decisions WHERE market='BTC-15m' AND candle_start=?", (T0,))
    assert [r["batch_end"] for r in rows_] == [late_end]
    advance(engine, 1800)
    engine.catch_up(engine.clock.now())  # offered again: never decided twice
    counts = engine.journal.query("SELECT market, COUNT(*) AS n FROM decisions GROUP BY market ORDER BY market")
    assert {r["market"]: r["n"] for r in counts} == {"BTC-15m": 3, "BTC-5m": 9, "ETH-5m": 9}


def test_a_candle_still_held_when_the_host_stops_is_decided_after_the_restart(home: Path) -> None:
    late_end = T0 + 900
    engine = make_engine(home, markets=["BTC-5m", "BTC-15m"],
                         feed_wrapper=lambda inner: HoldsOneLate(inner, "BTC-15m", late_end))
    advance(engine, 900)
    assert not engine.journal.candle_handled("BTC-15m", T0)
    engine.journal.close()  # the host stops while the feed holds it
    again = make_engine(home, t=engine.clock.now() + 5, markets=["BTC-5m", "BTC-15m"])  # a fresh feed, no memory
    again.catch_up(again.clock.now())
    assert again.journal.candle_handled("BTC-15m", T0)  # found by the restart's look back, decided once
    n = again.journal.query("SELECT COUNT(*) AS n FROM decisions WHERE market='BTC-15m' AND candle_start=?", (T0,))
    assert n[0]["n"] == 1
