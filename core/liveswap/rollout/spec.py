"""The analysis a candidate is judged by: what is measured, the limits, and the SPRT's declaration.

Declared in a small TOML file (top-level keys or an ``[analysis]`` table) and/or with CLI flags
(flags win); every field has a default, so ``liveswap shadow momentum==1.1.0`` alone is a valid
rollout. See ``docs/rollouts.md`` for how each field maps onto Argo Rollouts' AnalysisRun.

```toml
[analysis]
min_bets = 30          # no verdict but "failed" before the candidate settled this many bets
max_bets = 2000        # the SPRT has not decided by then: inconclusive
alpha = 0.05           # false-promotion rate the SPRT is designed for
beta = 0.20            # false-rejection rate
min_effect = 0.06      # win-rate points the candidate must be better by (at baseline_win_rate)
max_drawdown = 25.0    # USD, the candidate's realized drawdown since it started
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
from liveswap.rollout.sprt import SprtDesign, odds_ratio_for

NoDataVerdict = Literal["successful", "failed", "inconclusive"]


class AnalysisSpecError(ConfigError):
    """An analysis file or flag that cannot be used; ``reason`` is one line."""


class AnalysisSpec(BaseModel):
    """What a rollout measures and the limits it is judged by (all optional, all defaulted)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_bets: int = Field(30, ge=1, description="candidate bets settled before it can succeed")
    max_bets: int = Field(2000, ge=1, description="candidate bets after which an undecided SPRT is inconclusive")
    max_candles: int | None = Field(
        None, ge=1, description="candles decided by the candidate after which the run ends (None: no budget)")
    alpha: float = Field(0.05, gt=0, lt=0.5, description="false-promotion rate of the SPRT")
    beta: float = Field(0.20, gt=0, lt=0.5, description="false-rejection rate of the SPRT")
    min_effect: float = Field(0.06, gt=0, lt=0.5, description="win-rate lift the SPRT's alternative declares")
    baseline_win_rate: float = Field(0.5, gt=0, lt=1, description="where min_effect is measured from")
    max_drawdown: float | None = Field(None, gt=0, description="USD; None reports it without gating (dry run)")
    max_pnl_shortfall: float | None = Field(
        None, ge=0, description="USD the candidate may trail the active version by; None: dry run")
    max_fault_rate: float | None = Field(
        0.05, ge=0, le=1, description="share of batches the candidate faulted on; None: dry run")
    failure_limit: int = Field(0, ge=0, description="failed guard measurements tolerated (Argo failureLimit)")
    inconclusive_limit: int = Field(0, ge=0, description="inconclusive measurements tolerated (Argo)")
    consecutive_error_limit: int = Field(
        4, ge=0, description="candidate faults in a row tolerated before the run fails (Argo's Error, default 4)")
    no_data: NoDataVerdict = Field(
        "inconclusive", description="verdict of a run that ends with no measurement (Argo would say successful)")

    @model_validator(mode="after")
    def _consistent(self) -> AnalysisSpec:
        if self.max_bets < self.min_bets:
            raise ValueError(f"max_bets ({self.max_bets}) is below min_bets ({self.min_bets})")
        if self.baseline_win_rate + self.min_effect >= 1:
            raise ValueError("baseline_win_rate + min_effect must be below 1")
        return self

    def design(self) -> SprtDesign:
        return SprtDesign(self.alpha, self.beta, odds_ratio_for(self.baseline_win_rate, self.min_effect))

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
                                "min_effect": float, "baseline_win_rate": float, "max_drawdown": float,
                                "max_pnl_shortfall": float, "max_fault_rate": float, "failure_limit": int,
                                "inconclusive_limit": int, "consecutive_error_limit": int, "no_data": str}


def add_analysis_flags(parser: argparse.ArgumentParser) -> None:
    """``--analysis FILE`` plus ``--min-bets``, ``--alpha``... (each overrides the file)."""
    group = parser.add_argument_group("analysis (a TOML file, and/or flags that override it)")
    group.add_argument("--analysis", metavar="FILE", type=Path, help="analysis spec (TOML)")
    for name, kind in _FLAG_TYPES.items():
        info = AnalysisSpec.model_fields[name]
        group.add_argument("--" + name.replace("_", "-"), dest=f"analysis_{name}", type=kind,
                           metavar=name.upper(), help=f"{info.description} (default {info.default})")


def spec_from_args(args: argparse.Namespace) -> AnalysisSpec:
    """The spec a command line declares: the ``--analysis`` file (or defaults), then the flags."""
    file: Path | None = getattr(args, "analysis", None)
    base = AnalysisSpec.from_toml(file) if file is not None else AnalysisSpec()
    return base.with_overrides(**{name: getattr(args, f"analysis_{name}", None) for name in _FLAG_TYPES})
