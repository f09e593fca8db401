"""Polymarket credentials: where the wallet key comes from, and that it never shows."""

from __future__ import annotations

import sys

import pytest
from liveswap.exceptions import VenueConfigError
from liveswap.settings import PolymarketSettings
from liveswap.venues.polymarket.auth import PolymarketCredentials

KEY = "0x" + "4c" * 32


def test_key_from_a_file_or_a_secret_and_a_redacted_repr(tmp_path) -> None:
    path = tmp_path / "k"
    path.write_text(KEY[2:] + "\n")
    from_file = PolymarketCredentials.from_settings(PolymarketSettings(private_key_file=path))
    from_env = PolymarketCredentials.from_settings(PolymarketSettings(private_key=KEY))
    assert from_file.address == from_env.address
    for shown in (repr(from_file), str(from_env), repr(PolymarketSettings(private_key=KEY, api_secret="s3cr3t"))):
        assert "4c4c" not in shown and "s3cr3t" not in shown


def test_bad_or_missing_keys_are_one_line_and_show_no_key(tmp_path) -> None:
    with pytest.raises(VenueConfigError, match="needs venues.polymarket.private_key_file") as missing:
        PolymarketCredentials.from_settings(PolymarketSettings())
    with pytest.raises(VenueConfigError, match="not 32 bytes of hex") as bad:
        PolymarketCredentials("0x1234-secret-ish")
    with pytest.raises(VenueConfigError, match="cannot read private_key_file"):
        PolymarketCredentials.from_settings(PolymarketSettings(private_key_file=tmp_path / "nope"))
    assert "secret-ish" not in str(bad.value) and "\n" not in str(missing.value)


def test_without_the_extra_the_reason_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "py_clob_client_v2", None)  # import fails as if not installed
    with pytest.raises(VenueConfigError, match=r"pip install 'liveswap\[polymarket\]'"):
        PolymarketCredentials(KEY).client(PolymarketSettings())


def test_the_key_never_reaches_a_strategy_worker(tmp_path) -> None:
    from liveswap.sandbox.isolation import worker_env

    host_env = {"PATH": "/usr/bin", "LIVESWAP_VENUES__POLYMARKET__PRIVATE_KEY": KEY,
                "LIVESWAP_VENUES__POLYMARKET__API_SECRET": "s3cr3t", "LIVESWAP_VENUES__KALSHI__KEY_ID": "k-1"}
    env = worker_env(tmp_path, host_env)
    assert not any(k.startswith("LIVESWAP_VENUES") for k in env) and KEY not in env.values()
