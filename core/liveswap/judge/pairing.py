"""Pairing two versions' money candle by candle, one candle batch = one observation.

A :class:`CandleResult` is one side's money on one candle: what it staked on the window of
``market`` that opens at ``window_start`` (decided in the batch ending at ``batch_end``) and
the PnL it realized there, net of fees; a candle it did not bet on has ``staked == 0`` and
``pnl == 0``. :func:`pair_by_batch` matches the two sides by ``(market, window_start)`` -- never
by order id or by the order results arrive in -- and turns each batch into one number: the sum
over its markets of (candidate's PnL per dollar staked - active's PnL per dollar staked), a side
that did not bet counting 0. Markets of one batch move together, so they make one observation,
not nine. A batch in which neither side staked anything is no observation at all (whether a side
bets is decided before the outcome, so skipping such batches keeps the bounds valid).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from liveswap.money import ZERO, exact_fields

CandleKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class CandleResult:
    """One side's money on one candle (``staked`` 0 and ``pnl`` 0 when it did not bet)."""

    market: str
    window_start: int
    batch_end: int
    staked: Decimal
    pnl: Decimal

    def __post_init__(self) -> None:
        exact_fields(self, "staked", "pnl")
        if self.staked < 0:
            raise ValueError(f"negative stake {self.staked} on {self.market}@{self.window_start}")


@dataclass(slots=True)
class _Money:
    batch_end: int
    staked: Decimal = ZERO
    pnl: Decimal = ZERO

    def per_dollar(self) -> Decimal:
        return self.pnl / self.staked if self.staked > 0 else ZERO


def _by_candle(results: Iterable[CandleResult]) -> dict[CandleKey, _Money]:
    out: dict[CandleKey, _Money] = {}
    for r in results:
        money = out.setdefault((r.market, r.window_start), _Money(r.batch_end))
        if money.batch_end != r.batch_end:
            raise ValueError(f"{r.market}@{r.window_start} is given in two batches ({money.batch_end}, {r.batch_end})")
        money.staked += r.staked
        money.pnl += r.pnl
    return out


def pair_by_candle(active: Iterable[CandleResult], candidate: Iterable[CandleResult]
                   ) -> dict[int, Decimal | None]:
    """``batch_end -> sum of per-dollar differences`` (exact), None for a batch nobody staked in."""
    a, c = _by_candle(active), _by_candle(candidate)
    batches: dict[int, Decimal | None] = {}
    for key in a.keys() | c.keys():
        mine, theirs = c.get(key), a.get(key)
        batch = (mine or theirs).batch_end  # type: ignore[union-attr]
        if mine is not None and theirs is not None and mine.batch_end != theirs.batch_end:
            raise ValueError(f"{key[0]}@{key[1]} is in batch {theirs.batch_end} for one side, {mine.batch_end} "
                             "for the other")
        staked = (mine.staked if mine else ZERO) + (theirs.staked if theirs else ZERO)
        previous = batches.get(batch)
        if staked <= 0:
            batches.setdefault(batch, None)
            continue
        diff = (mine.per_dollar() if mine else ZERO) - (theirs.per_dollar() if theirs else ZERO)
        batches[batch] = diff if previous is None else previous + diff
    return dict(sorted(batches.items()))


def pair_by_batch(active: Iterable[CandleResult], candidate: Iterable[CandleResult]) -> list[float]:
    """Per batch (in batch order), the candidate's minus the active version's PnL per dollar,
    summed over the batch's markets; batches in which neither side staked are left out."""
    return [float(d) for d in pair_by_candle(active, candidate).values() if d is not None]
