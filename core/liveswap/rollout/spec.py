"""The analysis a candidate is judged by: what is measured, the limits, and the money judge's declaration.

Declared in a small TOML file (top-level keys or an ``[analysis]`` table) and/or with CLI flags
(flags win); every field has a default, so ``liveswap shadow momentum==1.1.0`` alone is a valid
rollout. See ``docs/rollouts.md`` for how each field maps onto Argo Rollouts' AnalysisRun.

```toml
[analysis]
min_bets = 30          # no verdict but "failed" before the candidate settled this many bets
max_bets = 20000       # candidate bets after which an open verdict is inconclusive
alpha = 0.05           # false-promotion rate: the lower bound's level
beta = 0.05            # false-failure rate: the upper bound's level
min_edge = 0.0         # the lower bound of the mean paired difference must clear this to promote
margin = -0.25         # failed once the upper bound is below this (non-inferiority margin, <= 0)
horizon = 2000         # paired batches after which an open verdict is inconclusive
bound_per_market = 5.0 # the largest |difference| of PnL per dollar on one market (clipped beyond)
max_drawdown = 25.0    # USD, the candidate's realized drawdown since it started
guard_batches = 100    # after a promotion the replaced version shadows the new one this long (0: no guard)
guard_max_drawdown = 40.0  # USD: the promoted version's drawdown that rolls it back (besides the margin)
max_pnl_shortfall = 20.0   # USD the candidate may trail the active version by
max_fault_rate = 0.02  # share of batches the candidate faulted on
failure_limit = 0      # failed guard measurements tolerated (Argo failureLimit)
no_data = "inconclusive"   # the verdict of a run that ends without data
```
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from liveswap.exceptions import ConfigError
from liveswap.judge import JudgeDesign

NoDataVerdict = Literal["successful", "failed", "inconclusive"]


class AnalysisSpecError(ConfigError):
    """An analysis file or flag that cannot be used; ``reason`` is one line."""


class AnalysisSpec(BaseModel):
    """What a rollout measures and the limits it is judged by (all optional, all defaulted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_bets: int = Field(30, ge=1, description="candidate bets settled before it can succeed")
    max_bets: int = Field(20000, ge=1, description="candidate bets after which an open verdict is inconclusive")
    max_candles: int | None = Field(
        None, ge=1, description="candles decided by the candidate after which the run ends (None: no budget)")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="false-promotion rate (the lower bound's level)")
    beta: float = Field(0.05, gt=0, lt=0.5, description="false-failure rate (the upper bound's level)")
    min_edge: float = Field(0.0, ge=0, description="PnL per dollar per batch the lower bound must clear to promote")
    margin: float = Field(-0.25, le=0, description="failed once the upper bound is below this (per batch, <= 0)")
    horizon: int = Field(2000, ge=1, description="paired batches after which an open verdict is inconclusive")
    bound_per_market: float = Field(
        5.0, gt=0, description="largest |difference| in PnL per dollar on one market (beyond: clipped)")
    max_drawdown: float | None = Field(None, gt=0, description="USD; None reports it without gating (dry run)")
    max_pnl_shortfall: float | None = Field(
        None, ge=0, description="USD the candidate may trail the active version by; None: dry run")
    max_fault_rate: float | None = Field(
        0.05, ge=0, le=1, description="share of batches the candidate faulted on; None: dry run")
    failure_limit: int = Field(0, ge=0, description="failed guard measurements tolerated (Argo failureLimit)")
    inconclusive_limit: int = Field(0, ge=0, description="inconclusive measurements tolerated (Argo)")
    consecutive_error_limit: int = Field(
        4, ge=0, description="candidate faults in a row tolerated before the run fails (Argo's Error, default 4)")
    guard_batches: int = Field(
        100, ge=0, description="after a promotion, paired batches the replaced version shadows the new one (0: none)")
    guard_max_drawdown: float | None = Field(
        None, gt=0, description="USD; the promoted version's drawdown since promotion that rolls it back (None: off)")
    no_data: NoDataVerdict = Field(
        "inconclusive", description="verdict of a run that ends with no measurement (Argo would say successful)")

    @model_validator(mode="after")
    def _consistent(self) -> AnalysisSpec:
        if self.max_bets < self.min_bets:
            raise ValueError(f"max_bets ({self.max_bets}) is below min_bets ({self.min_bets})")
        if self.min_edge >= self.bound_per_market:
            raise ValueError(f"min_edge ({self.min_edge}) must be below bound_per_market ({self.bound_per_market})")
        return self

    def design(self, markets: int) -> JudgeDesign:
        """The money judge's declaration for batches of ``markets`` markets (the bound is per market)."""
        return JudgeDesign(alpha=self.alpha, beta=self.beta, min_edge=self.min_edge, margin=self.margin,
                           horizon=self.horizon, bound=self.bound_per_market * max(1, markets))

    # ---- loading ----------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: dict[str, Any]) -> AnalysisSpec:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"]) or "analysis"
            raise AnalysisSpecError(f"analysis: {where}: {first['msg']}") from None

    @classmethod
    def from_toml(cls, path: Path) -> AnalysisSpec:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AnalysisSpecError(f"analysis file {path}: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise AnalysisSpecError(f"analysis file {path}: not TOML: {exc}") from None
        table = raw.get("analysis", raw)
        if not isinstance(table, dict):
            raise AnalysisSpecError(f"analysis file {path}: [analysis] must be a table")
        return cls.parse(table)

    def with_overrides(self, **values: Any) -> AnalysisSpec:
        """A copy with the non-None ``values`` replaced (validated like a file)."""
        data = self.model_dump()
        data.update({k: v for k, v in values.items() if v is not None})
        return self.parse(data)


# ---- CLI flags: one per field, named like the TOML key ----------------------------------------

_FLAG_TYPES: dict[str, type] = {"min_bets": int, "max_bets": int, "max_candles": int, "alpha": float, "beta": float,
                                "min_edge": float, "margin": float, "horizon": int, "bound_per_market": float,
                                "max_drawdown": float,
                                "max_pnl_shortfall": float, "max_fault_rate": float, "failure_limit": int,
                                "inconclusive_limit": int, "consecutive_error_limit": int, "no_data": str,
                                "guard_batches": int, "guard_max_drawdown": float}


def add_analysis_flags(parser: argparse.ArgumentParser) -> None:
    """``--analysis FILE`` plus ``--min-bets``, ``--alpha``... (each overrides the file)."""
    group = parser.add_argument_group("analysis (a TOML file, and/or flags that override it)")
    group.add_argument("--analysis", metavar="FILE", type=Path, help="analysis spec (TOML)")
    for name, kind in _FLAG_TYPES.items():
        info = AnalysisSpec.model_fields[name]
        group.add_argument("--" + name.replace("_", "-"), dest=f"analysis_{name}", type=kind,
                           metavar=name.upper(), help=_flag_help(info.description or "", info.default))


def _flag_help(description: str, default: Any) -> str:
    """A flag's help: its description, plus its default unless the description already says it."""
    if default is None or "default" in description:
        return description
    return f"{description} (default {default})"


def spec_from_args(args: argparse.Namespace) -> AnalysisSpec:
    """The spec a command line declares: the ``--analysis`` file (or defaults), then the flags."""
    file: Path | None = getattr(args, "analysis", None)
    base = AnalysisSpec.from_toml(file) if file is not None else AnalysisSpec()
    return base.with_overrides(**{name: getattr(args, f"analysis_{name}", None) for name in _FLAG_TYPES})
