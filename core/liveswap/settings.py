"""Host settings (pydantic-settings).

Precedence, highest first: CLI flags > ``LIVESWAP_*`` environment variables (nested with
``__``, e.g. ``LIVESWAP_RISK__STAKE_CAP=2``) > ``liveswap.toml`` in the home folder > defaults.
The home folder itself comes from ``--home``, else ``LIVESWAP_HOME``, else the current directory.

A leaf: it imports only markets and the sandbox limits, never venues, feeds, brokers or the engine;
the venue section (``VenueSettings``) lives here and ``liveswap.venues`` reads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from liveswap.limits import SandboxLimits
from liveswap.markets import DEFAULT_MARKETS, Market

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


# --- venues (read by liveswap.venues; this module imports nothing of it) ----------------------

DEFAULT_KALSHI_SERIES: dict[str, str] = {
    "BTC-15m": "KXBTC15M",
    "ETH-15m": "KXETH15M",
    "SOL-15m": "KXSOL15M",
    "XRP-15m": "KXXRP15M",
}


class KalshiSettings(BaseModel):
    """``[venues.kalshi]``: environment, credentials (never logged), rate tier, series map."""

    model_config = ConfigDict(extra="forbid")

    env: Literal["prod", "demo"] = Field("demo", description="demo (paper money) or prod (real money)")
    base_url: str | None = Field(None, description="override the env's base URL (ends in /trade-api/v2)")
    key_id: SecretStr | None = Field(None, description="API key id (never logged)")
    private_key_file: Path | None = Field(None, description="PEM RSA private key file (never logged)")
    tier: Literal["basic", "advanced", "premier", "prime"] = "basic"
    series: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_KALSHI_SERIES),
                                   description="liveswap market -> Kalshi series ticker")
    max_contracts: int = Field(500, ge=1, description="never buy more contracts than this in one order")

    @field_validator("series")
    @classmethod
    def _known_markets(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            Market.parse(name)
        return value


class PolymarketSettings(BaseModel):
    """``[venues.polymarket]``: Gamma and CLOB endpoints, the read rate, and (for real orders) the wallet.

    Real orders need ``liveswap[polymarket]`` (the official ``py-clob-client-v2``) and a wallet key,
    given as ``private_key_file`` (a file holding the hex key) or ``private_key`` (``SecretStr``,
    e.g. ``LIVESWAP_VENUES__POLYMARKET__PRIVATE_KEY``). The CLOB API credentials are derived from
    the key at start unless ``api_key``/``api_secret``/``api_passphrase`` are set. None of these is
    ever logged, shown in status, journaled or passed to a strategy.
    """

    model_config = ConfigDict(extra="forbid")

    gamma_url: str = "https://gamma-api.polymarket.com"
    clob_url: str = "https://clob.polymarket.com"
    reads_per_second: float = Field(20.0, gt=0)
    chain_id: int = Field(137, description="Polygon mainnet (80002: Amoy testnet)")
    private_key: SecretStr | None = Field(None, description="wallet private key, hex (never logged)")
    private_key_file: Path | None = Field(None, description="file holding the wallet private key, hex (never logged)")
    signature_type: Literal[0, 1, 2, 3] = Field(0, description="0 EOA, 1 Polymarket proxy, 2 Gnosis safe, 3 EIP-1271")
    funder: str | None = Field(None, description="address holding the funds (proxy wallets); default: the key's")
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    api_passphrase: SecretStr | None = None
    max_shares: float = Field(500.0, gt=0, description="never buy more shares than this in one order")


class VenueSettings(BaseModel):
    """``[venues]``: the venues' endpoints, HTTP robustness and per-venue sections.

    Set in ``liveswap.toml``::

        [venues]
        candles_source = "binance"        # or "coinbase"

        [venues.kalshi]
        env = "demo"                      # "prod" for real money
        key_id = "a952bcbe-..."           # or LIVESWAP_VENUES__KALSHI__KEY_ID
        private_key_file = "~/.kalshi/demo.key"

    or with ``LIVESWAP_VENUES__...`` environment variables. Secrets are ``SecretStr`` (``**********``
    in ``repr``, logs and status); key files are read only when signing.
    """

    model_config = ConfigDict(extra="forbid")

    candles_source: Literal["binance", "coinbase"] = "binance"
    binance_url: str = "https://api.binance.com"
    coinbase_url: str = "https://api.exchange.coinbase.com"
    timeout_seconds: float = Field(5.0, gt=0, description="per HTTP request")
    retries: int = Field(3, ge=0, description="retries after the first attempt (429, 5xx, connection errors)")
    backoff_seconds: float = Field(0.25, ge=0, description="first retry delay; doubles, with jitter")
    max_retry_after_seconds: float = Field(30.0, ge=0, description="a longer Retry-After fails instead of waiting")
    breaker_failures: int = Field(5, ge=1, description="failed calls in a row that open the circuit")
    breaker_reset_seconds: float = Field(30.0, gt=0)
    quote_max_age_seconds: float = Field(
        60.0, gt=0, description="a candle's up_price is fetched only while its next window opened this recently"
    )
    bar_grace_seconds: float = Field(2.0, ge=0, description="a bar is asked for this long after it closed")
    missing_retry_seconds: float = Field(2.0, gt=0, description="a missing candle is retried this often")
    missing_deadline_seconds: float = Field(
        20.0, gt=0, description="a candle still missing this long after its close is given up and reported missed"
    )
    skew_check_seconds: float = Field(300.0, gt=0, description="how often the clock is checked against the venue's")
    max_clock_skew_seconds: float = Field(2.0, ge=0, description="a larger skew is logged and shown in status")
    kalshi: KalshiSettings = KalshiSettings()
    polymarket: PolymarketSettings = PolymarketSettings()


class FleetSettings(BaseModel):
    """``[fleet]``: join a fleet of hosts coordinated through NATS JetStream (contract section 6).

    Without ``url`` the host runs alone. Credentials (``token``, ``creds_file``, the TLS files) are
    handed to the NATS client only: never logged, shown in status or passed to a strategy (the
    worker's environment is scrubbed of every ``LIVESWAP_*`` variable).
    """

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="nats://HOST:PORT (comma-separated for a cluster); None: no fleet")
    name: str = Field("default", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="the fleet (its buckets' names)")
    host_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                description="this host in the fleet; default: derived from the machine and home")
    lease_seconds: float = Field(15.0, ge=1, le=3600, description="a market lease's life without renewal (bucket TTL)")
    token: SecretStr | None = Field(None, description="NATS auth token (never logged)")
    creds_file: Path | None = Field(None, description="NATS .creds file: JWT and NKey seed (never logged)")
    tls_ca_file: Path | None = Field(None, description="CA bundle the server's certificate is checked against")
    tls_cert_file: Path | None = Field(None, description="client certificate (mutual TLS)")
    tls_key_file: Path | None = Field(None, description="client key (mutual TLS; never logged)")

    @field_validator("url")
    @classmethod
    def _nats_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        for part in value.split(","):
            if not part.strip().startswith(("nats://", "tls://", "ws://", "wss://")):
                raise ValueError(f"fleet.url must be nats://HOST:PORT (or tls://), not {part.strip()[:40]!r}")
        return value.strip()


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
    max_probation_crashes: int = Field(
        2, ge=1, description="host deaths during one version's probation after which a restart starts the previous"
    )
    max_intents_per_batch: int = Field(1000, ge=1, description="more intents in one batch is a garbage fault")
    max_state_bytes: int = Field(
        1_000_000, ge=1024, description="an exported strategy state larger than this (JSON bytes) is a garbage fault"
    )
    sandbox: SandboxLimits = SandboxLimits()
    warmup_seconds: int = Field(
        14_400, ge=0, description="a new home first feeds the strategy this much history (decided, not traded)"
    )
    stale_after_seconds: float = Field(
        30.0, ge=0, description="an intent decided this long (clock time) after its candle closed is not traded"
    )
    reconcile_seconds: float = Field(
        10.0, gt=0, description="real seconds between comparisons of the ledger with the broker's balance and "
        "positions, on their own clock (not only when a batch closes), and at once after an order whose outcome "
        "is not known"
    )
    reconcile_tolerance: float = Field(
        0.0, ge=0, description="USD the broker's balance may differ from the ledger's before new positions stop"
    )
    log_level: str = "INFO"
    installed_strategies: bool = Field(
        True, description="also list strategies pip-installed into the host's environment (entry point group "
        "liveswap.strategies); a registry wheel of the same version wins"
    )
    venues: VenueSettings = VenueSettings()
    fleet: FleetSettings = FleetSettings()
    wheelhouse: Path | None = Field(
        None, description="a folder of wheels a version's dependencies may come from (offline hosts); "
        "relative to the home. registry/ never is: it holds strategies only"
    )
    index_url: str | None = Field(None, description="the package index dependencies resolve from (default PyPI)")
    offline: bool = Field(False, description="resolve dependencies only from the wheelhouse (no index)")
    resolver: Literal["auto", "uv", "pip"] = Field("auto", description="auto: uv when installed, else pip")
    max_wheel_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="a larger wheel file is refused unread")
    max_wheel_unpacked_bytes: int = Field(
        256 * 1024 * 1024, ge=1024, description="a wheel whose files add up to more is refused before it is unpacked"
    )
    max_registry_wheels: int = Field(
        200, ge=1, description="registry/ wheels past this many (the newest) are refused unread"
    )

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
