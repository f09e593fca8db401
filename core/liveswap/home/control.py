"""``state/control.json``: the operator's desired state, as a strict pydantic model (:class:`ControlDoc`).

The file is a small Kubernetes-style object: the CLI (or a hand edit) writes the desired state
and bumps ``generation``; the host applies it between candle batches and reports the generation
it reached as ``observed_generation`` in ``state/status.json``.

.. code-block:: json

    {"active": "momentum==1.2.0", "active_request": 4, "rollback": null,
     "paused": false, "paused_markets": ["SOL-5m"],
     "params": {"stake": 2}, "risk": {"stake_cap": 3}, "generation": 7}

* ``active``: ``NAME`` or ``NAME==VERSION`` to run, or null for "keep what the host runs"
  (at start: the last committed version, else ``--strategy``).
* ``active_request``: the generation of the last ``activate``; writing it again retries the
  same spec (e.g. after adding the missing wheel).
* ``rollback``: ``{"to": VERSION | null, "request": GENERATION}``: a one-shot request to go back
  to the previous version (or the one named). It never coexists with ``active``, so a rollback
  is always distinguishable from an activation, and a restart does not undo it.
* ``candidate``: the shadow or canary candidate (``liveswap shadow``/``canary``), or absent;
  ``promote`` sets its ``promote`` to the generation (and leaves ``active`` null), ``reject``
  removes it.
* ``risk`` holds only overrides of the host's ``[risk]`` settings; each key is checked against
  :class:`~liveswap.settings.RiskLimits` with the same bounds.

Validation is strict (JSON types, no coercion of ``"yes"`` into ``true``) and covers the whole
file; :func:`explain` turns a ``ValidationError`` into one line naming the field path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator
from pydantic import model_validator as _model_validator

from liveswap.markets import Market, MarketError
from liveswap.settings import RiskLimits
from liveswap.specs import check_version, parse_spec


def _risk_overrides_model() -> type[BaseModel]:
    """``RiskLimits`` with every field optional: same types and bounds, ``null`` not accepted."""
    fields: dict[str, Any] = {
        name: (Annotated[info.annotation, *info.metadata], Field(None, description=info.description))
        for name, info in RiskLimits.model_fields.items()
    }
    return create_model(  # type: ignore[call-overload,no-any-return]
        "RiskOverrides", __config__=ConfigDict(extra="forbid", strict=True, allow_inf_nan=False), **fields
    )


RiskOverrides = _risk_overrides_model()
RISK_KEYS: tuple[str, ...] = tuple(RiskLimits.model_fields)


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    to: str | None = None
    request: int = Field(ge=0)

    @field_validator("to")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        return None if value is None else check_version(value)


class CandidateRequest(BaseModel):
    """``candidate``: the version to run beside the active one (``liveswap shadow|canary|promote``).

    ``request`` is the generation of the shadow/canary command that asked for it (a new one
    replaces the running candidate); ``promote`` the generation of a ``liveswap promote``.
    ``analysis`` holds :class:`liveswap.rollout.spec.AnalysisSpec` fields, checked by the host.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    spec: str
    mode: Literal["shadow", "canary"] = "shadow"
    markets: list[str] = Field(default_factory=list)
    analysis: dict[str, Any] = Field(default_factory=dict)
    auto_promote: bool = False
    request: int = Field(ge=0)
    promote: int | None = Field(None, ge=0)

    @field_validator("spec")
    @classmethod
    def _spec(cls, value: str) -> str:
        parse_spec(value)
        return value

    @field_validator("markets")
    @classmethod
    def _markets(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return _check_markets(value, info)

    @_model_validator(mode="after")
    def _canary_markets(self) -> CandidateRequest:
        if self.mode == "canary" and not self.markets:
            raise ValueError("a canary needs at least one market")
        if self.mode == "shadow" and self.markets:
            raise ValueError("a shadow decides every market: no markets")
        return self


class ControlDoc(BaseModel):
    """The whole of ``control.json``. Validate with :meth:`parse` (strict, markets in context)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    active: str | None = None
    active_request: int | None = Field(None, ge=0)
    rollback: RollbackRequest | None = None
    paused: bool = False
    resume_request: int | None = Field(None, ge=0)  # generation of the last global resume (daily loss limit)
    paused_markets: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    risk: RiskOverrides = Field(default_factory=RiskOverrides)  # type: ignore[valid-type]
    candidate: CandidateRequest | None = None
    generation: int = Field(0, ge=0)

    @field_validator("active")
    @classmethod
    def _spec(cls, value: str | None) -> str | None:
        if value is not None:
            parse_spec(value)
        return value

    @field_validator("paused_markets")
    @classmethod
    def _markets(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return _check_markets(value, info)

    @_model_validator(mode="after")
    def _one_swap_request(self) -> ControlDoc:
        if self.rollback is not None and self.active is not None:
            raise ValueError("'active' and 'rollback' are exclusive: a rollback request leaves active null")
        return self

    # ---- (de)serialisation ------------------------------------------------------------------

    @classmethod
    def parse(cls, data: Any, markets: Iterable[str] | None = None) -> ControlDoc:
        """Validate parsed JSON; ``markets``, if given, are the only ones ``paused_markets`` may name."""
        context = {"markets": list(markets)} if markets is not None else None
        return cls.model_validate(data, strict=True, context=context)

    def to_json(self) -> dict[str, Any]:
        """The file's content: every key, risk overrides only."""
        out = self.model_dump(mode="json")
        out["risk"] = self.risk_overrides()
        if out["candidate"] is None:  # files without a candidate stay what hosts before it read
            del out["candidate"]
        return out

    def risk_overrides(self) -> dict[str, Any]:
        return self.risk.model_dump(exclude_none=True)  # type: ignore[no-any-return]

    def risk_limits(self, base: RiskLimits) -> RiskLimits:
        """``base`` (the host's settings) with this file's overrides."""
        return RiskLimits.model_validate({**base.model_dump(), **self.risk_overrides()})


def _check_markets(value: list[str], info: ValidationInfo) -> list[str]:
    """Market names, each once, and each one this host trades (when the context says which)."""
    known = (info.context or {}).get("markets")
    for name in value:
        try:
            Market.parse(name)
        except MarketError as exc:
            raise ValueError(str(exc)) from None
        if known is not None and name not in known:
            raise ValueError(f"unknown market {name!r} (this host trades {', '.join(known)})")
    if len(set(value)) != len(value):
        raise ValueError("a market is listed twice")
    return value


def explain(exc: ValidationError, prefix: str = "control.json") -> str:
    """One line: ``control.json risk.stake_cap: Input should be greater than 0 (got -1)``."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(_key(x) for x in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] in ("model_type", "dict_type") and not err["loc"]:
            msg = "must be a JSON object"
        got = err.get("input")
        shown = "" if err["type"] in ("missing", "model_type", "value_error") else f" (got {_short(got)})"
        parts.append(f"{loc}: {msg}{shown}")
    more = f" (+{len(parts) - 2} more)" if len(parts) > 2 else ""
    return f"{prefix} {'; '.join(parts[:2])}{more}"


def _key(part: Any) -> str:
    """A field path part as written, or quoted when it is not printable (a hostile key stays on one line)."""
    text = str(part)
    return text if text.isprintable() else repr(text)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
