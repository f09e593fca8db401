"""The ``venues`` section of :class:`liveswap.settings.Settings`.

Set in ``liveswap.toml``::

    [venues]
    candles_source = "binance"        # or "coinbase"

    [venues.kalshi]
    env = "demo"                      # "prod" for real money
    key_id = "a952bcbe-..."           # or LIVESWAP_VENUES__KALSHI__KEY_ID
    private_key_file = "~/.kalshi/demo.key"

or with ``LIVESWAP_VENUES__...`` environment variables. ``key_id`` is a ``SecretStr``: it shows as
``**********`` in ``repr``, logs and status; the private key file is read only when signing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from liveswap.markets import Market

KALSHI_TIERS: dict[str, tuple[float, float]] = {
    # reads/s, writes/s (https://docs.kalshi.com/getting_started/rate_limits)
    "basic": (20, 10),
    "advanced": (30, 30),
    "premier": (100, 100),
    "prime": (400, 400),
}

DEFAULT_KALSHI_SERIES: dict[str, str] = {
    "BTC-15m": "KXBTC15M",
    "ETH-15m": "KXETH15M",
    "SOL-15m": "KXSOL15M",
    "XRP-15m": "KXXRP15M",
}


class KalshiSettings(BaseModel):
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
    model_config = ConfigDict(extra="forbid")

    gamma_url: str = "https://gamma-api.polymarket.com"
    clob_url: str = "https://clob.polymarket.com"
    reads_per_second: float = Field(20.0, gt=0)


class VenueSettings(BaseModel):
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
    kalshi: KalshiSettings = KalshiSettings()
    polymarket: PolymarketSettings = PolymarketSettings()
