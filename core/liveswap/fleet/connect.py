"""The fleet's NATS connection and its two key-value buckets.

Credentials come from :class:`~liveswap.settings.FleetSettings` and go to nats-py only: a token,
a ``.creds`` file (JWT + NKey seed), TLS files. What is ever shown of the server is
:func:`safe_url` (user info removed). A strategy never sees any of it: workers get an allow-listed
environment (:func:`liveswap.sandbox.isolation.worker_env`) and no inherited sockets.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from liveswap.exceptions import LiveswapError
from liveswap.fleet.values import FleetClockDoc, encode, parse_value
from liveswap.settings import FleetSettings


class FleetError(LiveswapError):
    """The fleet cannot be joined or asked (one line, no credentials in it)."""


@dataclass(frozen=True, slots=True)
class Buckets:
    """Names of a fleet's buckets: leases and live hosts (TTL = the lease), and its state (no TTL)."""

    leases: str
    state: str

    @classmethod
    def of(cls, fleet: str) -> Buckets:
        return cls(leases=f"liveswap-{fleet}-leases", state=f"liveswap-{fleet}")


def safe_url(url: str | None) -> str:
    """The server list without user info (``nats://token@host`` -> ``nats://host``)."""
    if not url:
        return "(none)"
    shown = []
    for part in url.split(","):
        split = urlsplit(part.strip())
        shown.append(f"{split.scheme}://{split.hostname or ''}{f':{split.port}' if split.port else ''}")
    return ",".join(shown)


def default_host_id(home: Path) -> str:
    """``MACHINE-xxxxxx``: the machine's name and a digest of the user and home folder."""
    machine = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in socket.gethostname())[:40] or "host"
    digest = hashlib.sha256(f"{getpass.getuser()}|{home.resolve()}".encode()).hexdigest()[:8]
    return f"{machine}-{digest}"


def connect_options(settings: FleetSettings, *, name: str) -> dict[str, Any]:
    """Keyword arguments for ``nats.connect`` (the secrets among them never leave this dict)."""
    if not settings.url:
        raise FleetError("fleet.url is not set (LIVESWAP_FLEET__URL=nats://HOST:PORT)")
    options: dict[str, Any] = {
        "servers": [u.strip() for u in settings.url.split(",")],
        "name": name,
        "allow_reconnect": True,
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "connect_timeout": 2,
        "ping_interval": 5,
        "max_outstanding_pings": 2,
    }
    if settings.token is not None:
        options["token"] = settings.token.get_secret_value()
    if settings.creds_file is not None:
        if not settings.creds_file.expanduser().is_file():
            raise FleetError(f"fleet.creds_file {settings.creds_file} is not a readable file")
        options["user_credentials"] = str(settings.creds_file.expanduser())
    if settings.tls_ca_file or settings.tls_cert_file:
        options["tls"] = _tls_context(settings)
    return options


def _tls_context(settings: FleetSettings) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(
            cafile=str(settings.tls_ca_file.expanduser()) if settings.tls_ca_file else None)
        if settings.tls_cert_file is not None:
            key = settings.tls_key_file.expanduser() if settings.tls_key_file else None
            context.load_cert_chain(str(settings.tls_cert_file.expanduser()), str(key) if key else None)
    except (OSError, ssl.SSLError) as exc:
        raise FleetError(f"fleet TLS files cannot be used: {type(exc).__name__}: {exc.strerror or exc}") from None
    return context


async def open_buckets(nc: Any, fleet: str, *, lease_seconds: float, timeout: float = 2.0) -> tuple[Any, Any]:
    """``(leases, state)`` key-value buckets of ``fleet``, created if absent (the first host's
    ``lease_seconds`` becomes the leases bucket's TTL; later hosts read it from the bucket)."""
    from nats.js.api import KeyValueConfig
    from nats.js.errors import BucketNotFoundError

    js = nc.jetstream(timeout=timeout)
    names = Buckets.of(fleet)
    opened = []
    for bucket, ttl in ((names.leases, lease_seconds), (names.state, None)):
        try:
            opened.append(await js.key_value(bucket))
        except BucketNotFoundError:
            opened.append(await js.create_key_value(KeyValueConfig(bucket=bucket, history=1, ttl=ttl)))
    return opened[0], opened[1]


async def agree_clock(state: Any, fleet: str, proposal: FleetClockDoc | None) -> FleetClockDoc | None:
    """The fleet's simulated clock in its state bucket: this host's ``proposal`` if it is the first
    (create-if-absent), else the one there (refused with the reason if it runs another feed).
    None for a wall-clock feed (nothing to agree on)."""
    from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError

    if proposal is None:
        return None
    with contextlib.suppress(KeyWrongLastSequenceError):
        await state.create("clock", encode(proposal))
        return proposal
    try:
        entry = await state.get("clock")
    except KeyNotFoundError as exc:
        raise FleetError(f"fleet {fleet}: its clock vanished while joining") from exc
    doc = parse_value(FleetClockDoc, entry.value, "fleet clock")
    if doc.feed != proposal.feed:
        raise FleetError(f"fleet {fleet} runs on feed {doc.feed!r}, this host on {proposal.feed!r}: "
                         "hosts of one fleet share one feed")
    return doc
