"""The values a fleet keeps in its two buckets, as strict models: every byte read from NATS is
untrusted until one of these accepts it (like control.json: a malformed value is refused with a
one-line reason and the reader keeps its last good one).

Bucket ``liveswap-NAME-leases`` (TTL = the lease): ``lease.MARKET`` -> :class:`LeaseValue`,
``host.HOST_ID`` -> :class:`HostValue`. Bucket ``liveswap-NAME`` (no TTL): ``desired`` ->
:class:`FleetDesired`, ``clock`` -> :class:`FleetClockDoc`, ``observed.HOST_ID`` -> :class:`Observed`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from liveswap.exceptions import InvalidValue
from liveswap.home import explain
from liveswap.markets import Market
from liveswap.specs import parse_spec

MAX_VALUE_BYTES = 64_000
HOST_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

T = TypeVar("T", bound=BaseModel)


class FleetValueError(InvalidValue):
    """A value in a fleet bucket that cannot be used; the message is one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


def _spec(value: str | None) -> str | None:
    if value is not None:
        parse_spec(value)
    return value


class LeaseValue(_Strict):
    """Who holds a market: the lease's revision at claim is its fencing token."""

    host_id: str = Field(pattern=HOST_ID_PATTERN)
    instance: str = Field(max_length=64)
    claimed_at: float


class HostValue(_Strict):
    """A live host (the key lives while the host renews it)."""

    host_id: str = Field(pattern=HOST_ID_PATTERN)
    instance: str = Field(max_length=64)
    machine: str = Field(max_length=256)
    home: str = Field(max_length=4096)
    pid: int
    started_at: float


class HostOrder(_Strict):
    """What one host is asked to run: ``activate`` the spec, or run it as a ``canary`` candidate
    on all its markets, judged by ``analysis`` and promoted by the host on a successful verdict."""

    spec: str
    mode: Literal["activate", "canary"] = "activate"
    analysis: dict[str, Any] = Field(default_factory=dict)

    @field_validator("spec")
    @classmethod
    def _valid_spec(cls, value: str) -> str:
        parse_spec(value)
        return value


class FleetDesired(_Strict):
    """The fleet's desired version: ``active`` for every host, ``hosts`` overriding it for some
    (a rollout under way), ``previous`` what ``undo`` goes back to."""

    generation: int = Field(ge=0)
    active: str | None = None
    previous: str | None = None
    hosts: dict[str, HostOrder] = Field(default_factory=dict)
    reason: str = Field("", max_length=500)

    @field_validator("active", "previous")
    @classmethod
    def _valid_specs(cls, value: str | None) -> str | None:
        return _spec(value)

    @field_validator("hosts")
    @classmethod
    def _host_ids(cls, value: dict[str, HostOrder]) -> dict[str, HostOrder]:
        for host_id in value:
            if not re.match(HOST_ID_PATTERN, host_id):
                raise ValueError(f"host id {host_id[:70]!r} is not letters, digits, '_' or '-'")
        return value

    def order_for(self, host_id: str) -> HostOrder | None:
        if host_id in self.hosts:
            return self.hosts[host_id]
        return HostOrder(spec=self.active) if self.active else None


class FleetClockDoc(_Strict):
    """The fleet's simulated clock: ``sim = origin_sim + (time.time() - origin_wall) * speed``."""

    origin_sim: float
    origin_wall: float
    speed: float = Field(gt=0)
    feed: str = Field(max_length=4096)


class Observed(_Strict):
    """What a host publishes about itself (``fleet status`` reads it)."""

    host_id: str = Field(pattern=HOST_ID_PATTERN)
    at: float
    running: bool
    active: str | None
    markets: dict[str, int]
    observed_generation: int
    balance: float | None
    realized_pnl: float | None
    candidate: dict[str, Any] | None = None
    last_swap: dict[str, Any] | None = None
    control_error: str | None = None
    fleet_error: str | None = None

    @field_validator("markets")
    @classmethod
    def _markets(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            Market.parse(name)
        return value


def parse_value(model: type[T], raw: bytes | None, what: str) -> T:
    """``raw`` (a bucket value) as ``model``; :class:`FleetValueError` with one line otherwise."""
    if raw is None:
        raise FleetValueError(f"{what}: no value")
    if len(raw) > MAX_VALUE_BYTES:
        raise FleetValueError(f"{what}: {len(raw)} bytes, more than {MAX_VALUE_BYTES}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FleetValueError(f"{what}: not JSON ({type(exc).__name__})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise FleetValueError(explain(exc, f"{what}:")) from None
    except ValueError as exc:  # a spec that does not parse
        raise FleetValueError(f"{what}: {exc}") from None


def encode(value: BaseModel) -> bytes:
    return value.model_dump_json().encode()
