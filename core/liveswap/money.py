"""Exact money: ``Decimal`` in memory, integer micro-units (1e-6) on disk, floats only at the edges.

* Every amount the host computes (stakes, prices, contracts, costs, fees, payouts, PnL, balance)
  is a :class:`~decimal.Decimal`. Floats come in only from the strategy API (``Intent.stake``,
  ``Candle.up_price``: contract section 2 keeps them float) and from JSON, and are converted with
  :func:`dec` -- through their shortest ``repr``, so ``0.56`` is ``Decimal("0.56")``, not
  ``0.560000000000000053...``.
* The journal and the paper broker store amounts as INTEGER micro-units (``*_micros`` columns):
  SQLite's integer arithmetic is exact, so ``SUM``/comparisons in SQL stay exact too (a Decimal
  stored as TEXT would be summed as a float by SQLite); 1e-6 is USDC's own unit (Polymarket)
  and finer than Kalshi's fixed-point dollars (1e-4) and contract counts (1e-2).
* :func:`fl` turns an amount back into a float for status.json and the strategy API.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

MICRO = Decimal("0.000001")
CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
_SCALE = 1_000_000

Amount = Decimal | float | int | str


def dec(value: Amount) -> Decimal:
    """An exact Decimal of ``value``; a float goes through its shortest repr (``0.1`` -> ``0.1``)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not an amount")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite amount: {value!r}")
        return Decimal(repr(value))
    return Decimal(value)


def exact_fields(obj: Any, *names: str) -> None:
    """Normalise the named fields of a frozen dataclass to Decimal (floats come in through their repr)."""
    for name in names:
        value = getattr(obj, name)
        if value is not None and not isinstance(value, Decimal):
            object.__setattr__(obj, name, dec(value))


def opt_dec(value: Amount | None) -> Decimal | None:
    return None if value is None else dec(value)


def to_micros(value: Amount) -> int:
    """Integer micro-units (rounded half-even past the sixth decimal: only averages ever are)."""
    return int(dec(value).quantize(MICRO, rounding=ROUND_HALF_EVEN).scaleb(6))


def opt_micros(value: Amount | None) -> int | None:
    return None if value is None else to_micros(value)


def from_micros(value: int) -> Decimal:
    return (Decimal(int(value)) / _SCALE).quantize(MICRO)


def opt_from_micros(value: int | None) -> Decimal | None:
    return None if value is None else from_micros(value)


def micro(value: Amount) -> Decimal:
    """``value`` rounded to the micro-unit (what the journal can hold)."""
    return dec(value).quantize(MICRO, rounding=ROUND_HALF_EVEN)


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def fl(value: Amount | None) -> float | None:
    """A float for JSON and the strategy API (exact to the micro-unit: <= 15 significant digits)."""
    return None if value is None else float(micro(value))


def usd(value: Amount) -> str:
    """``4.48`` -> ``"4.48"``: an amount for messages, cents unless finer digits matter."""
    d = micro(value).normalize()
    return f"{d:.2f}" if d == d.quantize(CENT) else f"{d:f}"
