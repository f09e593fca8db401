"""Polymarket credentials and the official CLOB V2 client built from them.

Orders are signed by the official ``py-clob-client-v2`` (EIP-712 order signing on the CTF
Exchange V2 domain, L1 ``ClobAuth`` and L2 HMAC request auth), an optional dependency:
``pip install 'liveswap[polymarket]'``. Docs: https://docs.polymarket.com/developers/CLOB/authentication
and https://github.com/Polymarket/py-clob-client-v2.

The wallet key and the API secret stay inside :class:`PolymarketCredentials` (its ``repr``
redacts them, no error built here contains them) and the ClobClient; they are never logged,
never in status or the journal, never given to strategies (those run in their own processes
without the host's environment or settings).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from liveswap.exceptions import VenueConfigError
from liveswap.settings import PolymarketSettings

EXTRA = "polymarket orders need the optional extra: pip install 'liveswap[polymarket]' (py-clob-client-v2)"
_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def clob_sdk() -> Any:
    """The ``py_clob_client_v2`` package, or a VenueConfigError saying how to install it."""
    try:
        import py_clob_client_v2
    except ImportError:
        raise VenueConfigError(f"polymarket: {EXTRA}") from None
    return py_clob_client_v2


class PolymarketCredentials:
    """The wallet key and, once known, the CLOB API credentials; nothing of them in ``repr``."""

    def __init__(self, private_key: str, *, api_key: str | None = None, api_secret: str | None = None,
                 api_passphrase: str | None = None) -> None:
        key = private_key.strip()
        if not _HEX_KEY.match(key):
            raise VenueConfigError("polymarket: the wallet private key is not 32 bytes of hex")
        self._key = key if key.startswith("0x") else "0x" + key
        self._api = (api_key, api_secret, api_passphrase) if api_key and api_secret and api_passphrase else None

    @classmethod
    def from_settings(cls, ps: PolymarketSettings) -> PolymarketCredentials:
        if ps.private_key is not None:
            key = ps.private_key.get_secret_value()
        elif ps.private_key_file is not None:
            try:
                key = Path(ps.private_key_file).expanduser().read_text()
            except OSError as exc:
                raise VenueConfigError(
                    f"polymarket: cannot read private_key_file {str(ps.private_key_file)!r}: {exc.strerror}"
                ) from None
        else:
            raise VenueConfigError(
                "polymarket: the polymarket broker needs venues.polymarket.private_key_file or .private_key "
                "(LIVESWAP_VENUES__POLYMARKET__PRIVATE_KEY_FILE)"
            )
        secrets = [s.get_secret_value() if s is not None else None
                   for s in (ps.api_key, ps.api_secret, ps.api_passphrase)]
        return cls(key, api_key=secrets[0], api_secret=secrets[1], api_passphrase=secrets[2])

    def __repr__(self) -> str:
        return "PolymarketCredentials(private_key=<redacted>, api=<redacted>)"

    __str__ = __repr__

    def client(self, ps: PolymarketSettings) -> Any:
        """A ready L2 ``ClobClient``: API credentials as configured, else created or derived (L1)."""
        sdk = clob_sdk()
        from py_clob_client_v2.clob_types import ApiCreds

        creds = ApiCreds(*self._api) if self._api else None
        client = sdk.ClobClient(ps.clob_url.rstrip("/"), chain_id=ps.chain_id, key=self._key, creds=creds,
                                signature_type=ps.signature_type, funder=ps.funder)
        if creds is None:
            try:
                client.set_api_creds(client.create_or_derive_api_key())
            except Exception as exc:  # noqa: BLE001 - the SDK raises bare PolyExceptions; reason only
                raise VenueConfigError(f"polymarket: cannot derive CLOB API credentials: {clob_reason(exc)}") from None
        return client

    @property
    def address(self) -> str:
        from eth_account import Account

        return str(Account.from_key(self._key).address)


def clob_reason(exc: BaseException) -> str:
    """One line for an error of the SDK (never its request headers)."""
    from liveswap.venues._http import one_line

    status = getattr(exc, "status_code", None)
    message = getattr(exc, "error_msg", None) or getattr(exc, "msg", None) or type(exc).__name__
    if isinstance(message, dict):
        message = message.get("error") or message.get("errorMsg") or message
    text = one_line(str(message))
    return f"HTTP {status}: {text}" if status else text
