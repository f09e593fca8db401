"""Kalshi request signing (RSA-PSS, SHA-256, MGF1-SHA256, salt = digest length) and key files."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from liveswap.exceptions import VenueConfigError
from liveswap.venues.kalshi.auth import KalshiSigner, load_private_key, signing_message


def test_signature_verifies_with_the_public_key_over_timestamp_method_and_path(key) -> None:
    signer = KalshiSigner("key-123", key, clock_ms=lambda: 1703123456789)
    headers = signer.headers("POST", "/trade-api/v2/portfolio/orders")
    assert headers["KALSHI-ACCESS-KEY"] == "key-123"
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == "1703123456789"
    key.public_key().verify(
        base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"]),
        b"1703123456789POST/trade-api/v2/portfolio/orders",
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_query_string_is_not_signed(key) -> None:
    assert signing_message(1, "get", "/trade-api/v2/portfolio/orders?limit=5") == b"1GET/trade-api/v2/portfolio/orders"
    sig = KalshiSigner("k", key).sign(7, "GET", "/trade-api/v2/portfolio/fills?ticker=X")
    key.public_key().verify(base64.b64decode(sig), b"7GET/trade-api/v2/portfolio/fills",
                            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())


def test_private_key_file_errors_are_one_line_and_show_no_key(tmp_path, key) -> None:
    with pytest.raises(VenueConfigError, match="cannot read private_key_file"):
        load_private_key(tmp_path / "missing.key")
    bad = tmp_path / "bad.key"
    bad.write_text("-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n")
    with pytest.raises(VenueConfigError, match="is not an unencrypted PEM RSA private key") as err:
        load_private_key(bad)
    assert "not base64" not in str(err.value)
    good = tmp_path / "good.key"
    good.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    assert load_private_key(good).key_size == 2048
