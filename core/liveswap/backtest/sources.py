"""Where a backtest's candles come from, streamed one batch (one close time) at a time.

* :func:`csv_batches` -- a replay CSV (``liveswap record``, :mod:`liveswap.feeds.csv_replay`'s
  layout and row rules), read row by row: a file in time order (as ``record`` writes it) is never
  held in memory; a file out of order is sorted in memory first (the replay feed's own reader).
* :func:`journal_batches` -- the candles a host journaled (every field of every candle it decided,
  its ``up_price`` quote included), read through a read-only connection: the journal is never
  written, and a host running on it is not disturbed (WAL readers do not block the writer).

A batch is ``(end, rows)``: the close time and the candles closing then, each a tuple of the
:class:`~liveswap.api.types.Candle` fields in order, sorted by market -- exactly the batches the
engine forms from a feed (``closed_candles`` is ordered by ``(end, market)``, grouped by ``end``).
Only the home's configured markets are kept (a live host's feed keeps only those too).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import fields
from operator import itemgetter
from pathlib import Path
from typing import Any

from liveswap.api import Candle
from liveswap.exceptions import BacktestError, FeedError, LiveswapError
from liveswap.feeds import COLUMNS, read_candles
from liveswap.markets import Market, MarketError

Row = tuple[Any, ...]
BatchRows = tuple[int, list[Row]]
FAR = 2**62


def _group(rows: Iterable[Row]) -> Iterator[BatchRows]:
    """Rows in ``end`` order -> batches; :class:`_Unordered` when a row goes back in time."""
    end: int | None = None
    batch: list[Row] = []
    for row in rows:
        if row[3] != end:
            if end is not None and row[3] < end:
                raise _Unordered
            if batch:
                batch.sort(key=_market)
                yield end, batch  # type: ignore[misc]
            end, batch = row[3], []
        batch.append(row)
    if batch:
        batch.sort(key=_market)
        yield end, batch  # type: ignore[misc]


def _market(row: Row) -> str:
    return row[0]  # type: ignore[no-any-return]


class _Unordered(LiveswapError):  # noqa: N818 - a control-flow signal, never seen outside this module
    """The CSV is not in time order."""


class _RowParser:
    """:func:`liveswap.feeds.csv_replay._parse_row`'s rules on a plain ``csv.reader`` row (the same
    checks and messages, markets parsed once)."""

    def __init__(self, header: list[str], path: Path) -> None:
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise BacktestError(f"{path.name}: missing column(s) {', '.join(missing)}")
        self._fields = itemgetter(*(header.index(c) for c in COLUMNS))
        self._markets: dict[str, Market] = {}

    def market(self, raw: str) -> Market:
        m = self._markets.get(raw)
        if m is None:
            m = self._markets[raw] = Market.parse(raw)
        return m

    def __call__(self, row: list[str], line: int) -> Row:
        try:
            mk, tf, st, en, op, hi, lo, cl, vo, up = self._fields(row)
            market = self._markets.get(mk) or self.market(mk)
            start, end = int(st), int(en)
            values = (market.name, tf, start, end, float(op), float(hi), float(lo), float(cl), float(vo),
                      float(up) if up.strip() else None)
        except (IndexError, ValueError, MarketError) as exc:
            raise BacktestError(f"line {line}: {exc or 'missing field(s)'}") from None
        if tf != market.timeframe or end - start != market.seconds or start % market.seconds:
            raise BacktestError(f"line {line}: {market.name} window {start}..{end} does not match its timeframe")
        if values[9] is not None and not 0 <= values[9] <= 1:
            raise BacktestError(f"line {line}: up_price {values[9]} is outside 0..1")
        return values


def _csv_rows(path: Path, markets: frozenset[str], since: int, until: int) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise BacktestError(f"{path.name}: empty file (no header row)")
        parse = _RowParser(header, path)
        for line, raw in enumerate(reader, start=2):
            if not raw:
                continue
            row = parse(raw, line)
            if row[0] in markets and since <= row[3] <= until:
                yield row


def csv_batches(path: Path, *, markets: Iterable[str], since: int | None = None,
                until: int | None = None) -> Iterator[BatchRows]:
    """The batches of a replay CSV (see the module docstring); :class:`BacktestError` names the row."""
    wanted = frozenset(markets)
    lo, hi = since if since is not None else -FAR, until if until is not None else FAR
    try:
        try:
            yield from _group(_csv_rows(path, wanted, lo, hi))
            return
        except _Unordered:
            pass
        candles = [c for c in read_candles(path) if c.market in wanted and lo <= c.end <= hi]
        yield from _group(_values(c) for c in candles)
    except OSError as exc:
        raise BacktestError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BacktestError(f"{path.name}: not UTF-8 text") from None
    except FeedError as exc:
        raise BacktestError(f"{path.name}: {exc}") from None
    except BacktestError as exc:
        if exc.reason.startswith(path.name):
            raise
        raise BacktestError(f"{path.name}: {exc.reason}") from None


def _values(c: Candle) -> Row:
    return (c.market, c.timeframe, c.start, c.end, c.open, c.high, c.low, c.close, c.volume, c.up_price)


def journal_batches(path: Path, *, markets: Iterable[str], since: int | None = None,
                    until: int | None = None) -> Iterator[BatchRows]:
    """The batches a host journaled, through a read-only connection (see the module docstring)."""
    if not path.exists():
        raise BacktestError(f"no journal at {path}: this home has recorded no candles (use --candles csv:PATH)")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10, check_same_thread=False)
    except sqlite3.Error as exc:
        raise BacktestError(f"journal {path}: {exc}") from None
    wanted = frozenset(markets)
    lo, hi = since if since is not None else -FAR, until if until is not None else FAR
    try:
        rows = db.execute("SELECT data FROM candles WHERE end_ts >= ? AND end_ts <= ? ORDER BY end_ts, market",
                          (lo, hi))
        yield from _group(r for r in (_journal_row(d) for (d,) in rows) if r[0] in wanted)
    except sqlite3.Error as exc:
        raise BacktestError(f"journal {path}: {exc}") from None
    finally:
        db.close()


_FIELDS = tuple(f.name for f in fields(Candle))


def _journal_row(data: str) -> Row:
    """A journaled candle (``Candle.to_dict`` as JSON) as its field tuple."""
    try:
        d = json.loads(data)
        return tuple(d[k] for k in _FIELDS[:-1]) + (d.get("up_price"),)
    except (ValueError, KeyError, TypeError) as exc:
        raise BacktestError(f"a journaled candle cannot be read ({type(exc).__name__}: {exc}): {data[:80]}") from None
