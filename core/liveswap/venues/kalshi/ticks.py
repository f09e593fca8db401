"""A Kalshi market's price grid: which prices an order may carry, and rounding onto it.

Markets tick in whole cents or finer (``deci_cent``: 0.001), possibly per range
(``tapered_deci_cent``: 0.001 near 0 and 1, 0.01 between). The market object says so in
``price_ranges`` (``[{"start": "0.0000", "end": "0.1000", "step": "0.0010"}, ...]``), in
``price_level_structure`` (``linear_cent``, ``deci_cent``, ``tapered_deci_cent``) or, in older
responses, ``tick_size`` (integer cents). Docs: https://docs.kalshi.com/api-reference/market/get-market
(``price_level_structure``, ``price_ranges``) and https://docs.kalshi.com/getting_started/subpenny_pricing.

All arithmetic is :class:`~decimal.Decimal`: a limit is never rounded up, so it never exceeds the
strategy's ``max_price``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
DECI_CENT = Decimal("0.001")
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class PriceRange:
    """Prices ``start <= p <= end`` (dollars) move in steps of ``step``."""

    start: Decimal
    end: Decimal
    step: Decimal


STRUCTURES: dict[str, tuple[PriceRange, ...]] = {
    "linear_cent": (PriceRange(Decimal(0), ONE, CENT),),
    "deci_cent": (PriceRange(Decimal(0), ONE, DECI_CENT),),
    "tapered_deci_cent": (
        PriceRange(Decimal(0), Decimal("0.10"), DECI_CENT),
        PriceRange(Decimal("0.10"), Decimal("0.90"), CENT),
        PriceRange(Decimal("0.90"), ONE, DECI_CENT),
    ),
}


def dec(value: float | str | Decimal) -> Decimal:
    """A Decimal from a float by its shortest repr (0.425 -> Decimal('0.425'), not its binary value)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def tick_at(ranges: tuple[PriceRange, ...], price: Decimal) -> Decimal | None:
    """The step of the grid at ``price`` (the finer one on a boundary), or None if no range covers it."""
    steps = [r.step for r in ranges if r.start <= price <= r.end]
    return min(steps) if steps else None


def floor_to_tick(price: Decimal, ranges: tuple[PriceRange, ...]) -> Decimal | None:
    """The highest price on the grid that is ``<= price`` (None if none is)."""
    for r in sorted(ranges, key=lambda r: r.start, reverse=True):
        if r.start > price:
            continue
        top = min(price, r.end)
        steps = ((top - r.start) / r.step).to_integral_value(rounding=ROUND_FLOOR)
        return r.start + steps * r.step
    return None


def on_grid(price: Decimal, ranges: tuple[PriceRange, ...]) -> bool:
    return floor_to_tick(price, ranges) == price


def infer_ranges(prices: list[Decimal]) -> tuple[PriceRange, ...]:
    """When the market says nothing: whole cents, unless a book price is finer (then 0.001)."""
    fine = any(p != p.quantize(CENT) for p in prices)
    return STRUCTURES["deci_cent" if fine else "linear_cent"]
