"""Kalshi API-key request signing (RSA-PSS, SHA-256, MGF1-SHA256, salt = digest length).

The signed message is ``timestamp_ms + METHOD + path`` where ``path`` starts at ``/trade-api/``
and carries no query string; the signature is standard base64. Headers: ``KALSHI-ACCESS-KEY``,
``KALSHI-ACCESS-TIMESTAMP``, ``KALSHI-ACCESS-SIGNATURE``.
Docs: https://docs.kalshi.com/getting_started/quick_start_authenticated_requests

The key id and the private key stay inside :class:`KalshiSigner`: its ``repr`` redacts them and
no error message built here contains them.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from liveswap.exceptions import VenueConfigError

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def signing_message(timestamp_ms: int | str, method: str, path: str) -> bytes:
    """The exact bytes Kalshi verifies: ``timestamp + METHOD + path`` (query string dropped)."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    """Load an RSA private key (PEM, PKCS#1 or PKCS#8, unencrypted) with a one-line reason on failure."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise VenueConfigError(f"kalshi: cannot read private_key_file {str(path)!r}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise VenueConfigError(
            f"kalshi: private_key_file {str(path)!r} is not an unencrypted PEM RSA private key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise VenueConfigError(f"kalshi: private_key_file {str(path)!r} holds a non-RSA key")
    return key


class KalshiSigner:
    """Signs Kalshi requests; implements :class:`liveswap.venues._http.Signer`."""

    def __init__(self, key_id: str, private_key: rsa.RSAPrivateKey,
                 clock_ms: Callable[[], int] = lambda: int(time.time() * 1000)) -> None:
        if not key_id:
            raise VenueConfigError("kalshi: key_id is empty")
        self._key_id = key_id
        self._key = private_key
        self._clock_ms = clock_ms

    @classmethod
    def from_file(cls, key_id: str, path: Path) -> KalshiSigner:
        return cls(key_id, load_private_key(path))

    def __repr__(self) -> str:
        return "KalshiSigner(key_id=<redacted>, private_key=<redacted>)"

    __str__ = __repr__

    def sign(self, timestamp_ms: int | str, method: str, path: str) -> str:
        signature = self._key.sign(signing_message(timestamp_ms, method, path), PSS, hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, method: str, path: str) -> dict[str, str]:
        ts = str(self._clock_ms())
        return {
            "KALSHI-ACCESS-KEY": self._key_id,
            "KALSHI-ACCESS-TIMESTAMP": ts,
            "KALSHI-ACCESS-SIGNATURE": self.sign(ts, method, path),
        }
