"""A status.json as a host writes it (the shape of StatusDoc), for tests of its readers."""

from __future__ import annotations

from typing import Any

NOW = 1_800_000_000.0


def status(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "liveswap_version": "1.0.0", "pid": 4242, "running": True, "heartbeat_at": NOW - 0.5,
        "heartbeat_seconds": 1.0, "started_at": NOW - 600, "observed_generation": 7, "paused": False,
        "paused_markets": ["SOL-5m"], "params": {"stake": 2}, "risk": {"stake_cap": 3.0, "max_open_positions": 9,
                                                                      "daily_loss_limit": 50.0},
        "daily_loss": {"limit": 50.0, "used": 12.4, "tripped": False},
        "active": {"name": "momentum", "version": "1.1.0", "wheel_sha256": "ab" * 32,
                                       "since": NOW - 300},
        "feed": "synthetic", "broker": "paper", "markets": ["BTC-5m", "SOL-5m"], "clock": 1_700_000_100.0,
        "speed": 300.0, "balance": 990.0, "starting_balance": 1000.0,
        "open_positions": [{"order_id": "o1", "market": "BTC-5m", "side": "up", "stake": 5.0, "price": 0.5,
                            "shares": 10.0, "fee": 0.1, "window_start": 1_700_000_100, "window_end": 1_700_000_400,
                            "version": "1.1.0"}],
        "realized_pnl": -4.9, "fees_paid": 0.1, "win_rate": 0.5,
        "by_market": {"BTC-5m": {"bets": 2, "wins": 1, "pnl": -4.9, "win_rate": 0.5}},
        "by_version": {"1.1.0": {"bets": 2, "wins": 1, "pnl": -4.9, "win_rate": 0.5}},
        "candles_processed": 100, "last_snapshot_at": NOW - 12, "control_error": None, "control_refusal": None,
        "last_swap": {"kind": "activate", "from": "momentum==1.0.0", "to": "momentum==1.1.0", "ok": True,
                      "reason": "", "pause_ms": 3.14159, "generation": 7, "at": NOW - 300},
        "worker": {"sandboxed": True, "pid": 4343, "alive": True, "network_isolated": True, "rss_bytes": 2**24},
        "stale_markets": {},
    }
    doc.update(over)
    return doc
