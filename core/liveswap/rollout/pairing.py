"""The live side of the money judge: both versions' journaled money, paired candle by candle.

After every batch the slot asks :class:`BatchPairer` for the batches that became complete: every
batch decided after the candidate started (``batch_end > start_batch``: the first batch the
candidate decided too), in batch order, once every fill of either side in it has settled. Each
complete batch becomes one observation for the judge (:func:`liveswap.judge.pair_by_candle`):

* **shadow** -- the active version's real fills against the candidate's hypothetical ones, matched
  by market and window;
* **canary** -- the two versions trade different markets, so a batch is compared by each side's
  PnL per dollar averaged over the markets it trades, times the number of markets (the same unit
  as a shadow's sum): the pairing is by batch, not by candle.

A batch in which neither side bet is no observation. Nothing is kept in memory that the journal
does not have: the pairer's only state is the last batch it judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from liveswap.journal import Journal
from liveswap.journal import candidates as cj
from liveswap.judge import CandleResult, pair_by_candle
from liveswap.money import ZERO, from_micros


def _results(rows: Iterable[cj.MoneyRow]) -> tuple[dict[int, list[CandleResult]], set[int]]:
    """Settled results by batch, and the batches that still have an open fill."""
    by_batch: dict[int, list[CandleResult]] = {}
    open_batches: set[int] = set()
    for market, window_start, batch_end, staked, pnl in rows:
        if pnl is None:
            open_batches.add(batch_end)
            continue
        by_batch.setdefault(batch_end, []).append(
            CandleResult(market, window_start, batch_end, from_micros(staked), from_micros(pnl)))
    return by_batch, open_batches


class BatchPairer:
    def __init__(self, *, journal: Journal, candidate_id: int, active_version: str, candidate_version: str,
                 judged_through: int, markets: int, canary_markets: frozenset[str] = frozenset()) -> None:
        self.journal = journal
        self.candidate_id = candidate_id
        self.active_version = active_version
        self.candidate_version = candidate_version
        self.judged_through = judged_through
        self.markets = markets
        self.canary_markets = canary_markets

    def complete(self, *, until: int) -> list[tuple[float, int]]:
        """``(difference, paired candles)`` of the batches in ``(judged_through, until]`` that are
        complete, in order; stops at the first batch with an open fill (later ones wait for it)."""
        if until <= self.judged_through:
            return []
        active = cj.real_money(self.journal, after_batch=self.judged_through, until_batch=until,
                               version=self.active_version)
        if self.canary_markets:
            mine = [r for r in cj.real_money(self.journal, after_batch=self.judged_through, until_batch=until,
                                             version=self.candidate_version) if r[0] in self.canary_markets]
        else:
            mine = cj.hypothetical_money(self.journal, self.candidate_id, after_batch=self.judged_through,
                                         until_batch=until)
        a_done, a_open = _results(active)
        c_done, c_open = _results(mine)
        waiting = a_open | c_open
        stop = min(waiting) if waiting else None
        out: list[tuple[float, int]] = []
        for batch in sorted(a_done.keys() | c_done.keys()):
            if stop is not None and batch >= stop:
                break
            active_results, mine_results = a_done.get(batch, []), c_done.get(batch, [])
            diff = self._difference(active_results, mine_results)
            if diff is not None:
                candles = {(r.market, r.window_start) for r in (*active_results, *mine_results) if r.staked > 0}
                out.append((float(diff), len(candles)))
        self.judged_through = until if stop is None else stop - 1
        return out

    def _difference(self, active: list[CandleResult], candidate: list[CandleResult]) -> Decimal | None:
        if not self.canary_markets:
            return next(iter(pair_by_candle(active, candidate).values()), None)
        if not any(r.staked > 0 for r in (*active, *candidate)):
            return None
        k_c = len(self.canary_markets)
        k_a = max(1, self.markets - k_c)
        return self.markets * (_per_dollar_sum(candidate) / k_c - _per_dollar_sum(active) / k_a)


def _per_dollar_sum(results: list[CandleResult]) -> Decimal:
    by_candle: dict[tuple[str, int], list[Decimal]] = {}
    for r in results:
        money = by_candle.setdefault((r.market, r.window_start), [ZERO, ZERO])
        money[0] += r.staked
        money[1] += r.pnl
    return sum((pnl / staked for staked, pnl in by_candle.values() if staked > 0), ZERO)
