"""Small explicit readers for venue JSON, shared by the adapters: every failure names the venue and the field.

``Obj(venue, "market", data).price("yes_ask_dollars", cents="yes_ask")`` reads a dollar price
from the 2026 fixed-point field, falling back to the legacy integer-cents field, and raises
``MalformedResponse("kalshi: market.yes_ask_dollars: expected a decimal string, got null")``
when neither holds a usable value.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from liveswap.exceptions import MalformedResponse


def kind(value: Any) -> str:
    """How a JSON value is described in error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 24 else value[:21] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def to_float(value: Any) -> float | None:
    """A finite number from a JSON number or numeric string, else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return out if math.isfinite(out) else None


def to_epoch(value: Any) -> int | None:
    """Epoch seconds from an ISO 8601 string ("2026-01-01T12:15:00Z"), epoch s or epoch ms."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            if text.endswith("Z"):
                text = text[:-1] + "+00:00"
            parsed = datetime.fromisoformat(text)
        except ValueError:
            number = to_float(text)
            return None if number is None else to_epoch(number)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp())
    number = to_float(value)
    if number is None:
        return None
    return int(number / 1000) if number > 1e11 else int(number)


class Obj:
    """A JSON object being read: ``where`` is its path in messages (``market``, ``fills[2]``)."""

    def __init__(self, venue: str, where: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise MalformedResponse(f"{venue}: {where}: expected an object, got {kind(data)}")
        self.venue = venue
        self.where = where
        self.data: dict[str, Any] = data

    def _err(self, name: str, expected: str, got: Any) -> MalformedResponse:
        return MalformedResponse(f"{self.venue}: {self.where}.{name}: expected {expected}, got {kind(got)}")

    def _first(self, names: tuple[str, ...]) -> tuple[str, Any]:
        """The first of ``names`` present with a non-null value, else (names[0], None)."""
        for name in names:
            if self.data.get(name) is not None:
                return name, self.data[name]
        return names[0], None

    def has(self, *names: str) -> bool:
        return any(self.data.get(n) is not None for n in names)

    def str(self, *names: str, required: bool = True) -> str | None:
        name, value = self._first(names)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            raise self._err(name, "a string", value)
        return value

    def decimal(self, *names: str, required: bool = True) -> float | None:
        """A number given as a decimal string ("0.4200") or a JSON number."""
        name, value = self._first(names)
        if value is None and not required:
            return None
        out = to_float(value)
        if out is None:
            raise self._err(name, "a decimal string", value)
        return out

    def int(self, *names: str, required: bool = True) -> int | None:
        out = self.decimal(*names, required=required)
        return None if out is None else int(out)

    def price(self, *dollars: str, cents: str | None = None, required: bool = True) -> float | None:
        """A 0..1 dollar price: the ``*_dollars`` field(s), else the legacy integer-cents one."""
        if self.has(*dollars) or cents is None or not self.has(cents):
            value = self.decimal(*dollars, required=required)
        else:
            raw = self.decimal(cents)
            value = None if raw is None else raw / 100.0
        if value is not None and not 0.0 <= value <= 1.0:
            name = dollars[0] if self.has(*dollars) else str(cents)
            raise self._err(name, "a price between 0 and 1", self.data.get(name))
        return value

    def time(self, *names: str, required: bool = True) -> int | None:
        """Epoch seconds from an ISO 8601 timestamp (or epoch s/ms)."""
        name, value = self._first(names)
        if value is None and not required:
            return None
        out = to_epoch(value)
        if out is None:
            raise self._err(name, "an ISO 8601 time", value)
        return out

    def bool(self, *names: str, default: bool | None = None) -> bool:
        name, value = self._first(names)
        if value is None and default is not None:
            return default
        if not isinstance(value, bool):
            raise self._err(name, "true or false", value)
        return value

    def obj(self, *names: str) -> Obj:
        name, value = self._first(names)
        return Obj(self.venue, f"{self.where}.{name}", value)

    def list(self, *names: str, required: bool = True) -> list[Any]:
        name, value = self._first(names)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self._err(name, "an array", value)
        return value

    def json_list(self, *names: str, required: bool = True) -> list[Any]:
        """An array that may arrive as JSON text inside a string (Polymarket's ``outcomes``)."""
        name, value = self._first(names)
        if value is None and not required:
            return []
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise self._err(name, "a JSON array (as text)", value) from None
        if not isinstance(value, list):
            raise self._err(name, "a JSON array", value)
        return value

    def items(self, *names: str, required: bool = True) -> list[Obj]:
        """An array of objects, each wrapped with its index in messages."""
        name, _ = self._first(names)
        values = self.list(*names, required=required)
        return [Obj(self.venue, f"{self.where}.{name}[{i}]", v) for i, v in enumerate(values)]


def row(venue: str, where: str, value: Any, min_len: int) -> list[Any]:
    """A JSON array row (klines, candles, book levels) of at least ``min_len`` items."""
    if not isinstance(value, list) or len(value) < min_len:
        raise MalformedResponse(f"{venue}: {where}: expected an array of {min_len}+ items, got {kind(value)}")
    return value


def cell(venue: str, where: str, value: Any) -> float:
    """A number inside a row, from a JSON number or numeric string."""
    out = to_float(value)
    if out is None:
        raise MalformedResponse(f"{venue}: {where}: expected a number, got {kind(value)}")
    return out
