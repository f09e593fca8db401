"""Host settings (pydantic-settings).

Precedence, highest first: CLI flags > ``LIVESWAP_*`` environment variables (nested with
``__``, e.g. ``LIVESWAP_RISK__STAKE_CAP=2``) > ``liveswap.toml`` in the home folder > defaults.
The home folder itself comes from ``--home``, else ``LIVESWAP_HOME``, else the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from liveswap.markets import DEFAULT_MARKETS, Market
from liveswap.sandbox.limits import SandboxLimits
from liveswap.venues.settings import VenueSettings

SETTINGS_FILE = "liveswap.toml"


def resolve_home(flag: str | os.PathLike[str] | None = None) -> Path:
    """``--home``, else ``LIVESWAP_HOME``, else the current directory (absolute)."""
    raw = flag or os.environ.get("LIVESWAP_HOME") or os.getcwd()
    return Path(raw).expanduser().resolve()


class RiskLimits(BaseModel):
    """Host-side limits applied to every intent, whatever the strategy says."""

    model_config = ConfigDict(extra="forbid")

    stake_cap: float = Field(5.0, gt=0, description="largest stake of one order, USD")
    max_open_positions: int = Field(9, ge=0, description="open positions across all markets")
    daily_loss_limit: float = Field(
        50.0, gt=0, description="no new positions once the UTC day's realized loss reaches this, USD"
    )


class FeeModel(BaseModel):
    """Taker fee per order: ``ceil_to_cent(rate * contracts * price * (1 - price))``.

    The default ``rate = 0.07`` is Kalshi's published general taker-fee formula (Kalshi fee
    schedule, "fees = round up(0.07 x C x P x (1-P))", https://kalshi.com/docs/kalshi-fee-schedule.pdf).
    ``rate = 0`` turns fees off.
    """

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(0.07, ge=0, le=1)
    round_up_to_cent: bool = True


class PaperSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starting_balance: float = Field(1000.0, ge=0)
    slippage: float = Field(0.01, ge=0, lt=1, description="added to the contract price on every buy")
    fees: FeeModel = FeeModel()


class Settings(BaseSettings):
    """Everything the host needs to run; see the module docstring for precedence."""

    model_config = SettingsConfigDict(
        env_prefix="LIVESWAP_",
        env_nested_delimiter="__",
        extra="forbid",
        toml_file=SETTINGS_FILE,
    )

    home: Path = Field(default_factory=lambda: resolve_home())
    markets: list[str] = Field(default_factory=lambda: list(DEFAULT_MARKETS))
    feed: str = "synthetic"
    broker: str = "paper"
    speed: float = Field(300.0, gt=0, description="simulated seconds per real second (synthetic feed)")
    seed: int = 7
    strategy: str = Field("momentum", description="strategy activated when control.json names none")
    risk: RiskLimits = RiskLimits()
    paper: PaperSettings = PaperSettings()
    heartbeat_seconds: float = Field(1.0, gt=0)
    snapshot_seconds: float = Field(30.0, gt=0)
    hook_timeout_seconds: float = Field(5.0, gt=0)
    probation_batches: int = Field(30, ge=0, description="batches the old version stays warm after a swap")
    max_restarts: int = Field(3, ge=0, description="worker restarts allowed within restart_window_seconds")
    restart_window_seconds: float = Field(60.0, gt=0)
    sandbox: SandboxLimits = SandboxLimits()
    warmup_seconds: int = Field(
        14_400, ge=0, description="a new home first feeds the strategy this much history (decided, not traded)"
    )
    stale_after_seconds: float = Field(
        30.0, ge=0, description="an intent decided this long (clock time) after its candle closed is not traded"
    )
    log_level: str = "INFO"
    venues: VenueSettings = VenueSettings()
    wheelhouse: Path | None = Field(
        None, description="a folder of wheels a version's dependencies may come from (offline hosts); "
        "relative to the home. registry/ is always one"
    )
    index_url: str | None = Field(None, description="the package index dependencies resolve from (default PyPI)")
    offline: bool = Field(False, description="resolve dependencies only from registry/ and the wheelhouse")
    resolver: Literal["auto", "uv", "pip"] = Field("auto", description="auto: uv when installed, else pip")

    @field_validator("markets")
    @classmethod
    def _known_markets(cls, value: list[str]) -> list[str]:
        for name in value:
            Market.parse(name)
        if len(set(value)) != len(value):
            raise ValueError("markets are listed twice")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def registry_dir(self) -> Path:
        return self.home / "registry"

    @property
    def wheelhouse_dir(self) -> Path | None:
        """The wheelhouse as an absolute folder (a relative setting is relative to the home)."""
        return None if self.wheelhouse is None else (self.home / self.wheelhouse.expanduser())



def load_settings(home: str | os.PathLike[str] | None = None, **flags: Any) -> Settings:
    """Settings for ``home``: its ``liveswap.toml``, the environment, then ``flags`` (non-None)."""
    root = resolve_home(home)
    overrides = {k: v for k, v in flags.items() if v is not None}
    toml = root / SETTINGS_FILE

    class _HomeSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml)

    loaded = _HomeSettings(home=root, **overrides)
    return Settings.model_construct(**dict(loaded))


def settings_error(exc: ValueError) -> str:
    """One line for a settings validation error: where (file, env or flag) it is and what is wrong."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return f"settings: {exc}"
    first = errors()[0]
    where = ".".join(str(x) for x in first["loc"]) or "settings"
    more = f" (+{len(errors()) - 1} more)" if len(errors()) > 1 else ""
    return f"settings: {where}: {first['msg']}{more} (liveswap.toml, LIVESWAP_* or a flag)"
