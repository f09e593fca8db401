"""The dashboard's write actions and the rules that guard them.

Guard (CSRF-safe by design): a random token is printed when ``liveswap web`` starts; every write
is a ``POST`` with a JSON body and the token in the ``X-Liveswap-Token`` header. A foreign page
cannot send that header (or a JSON body) cross-origin without a CORS preflight, which this server
never grants, and it cannot read the token. On top, ``Host`` must be the address the server was
opened on (no DNS rebinding) and an ``Origin``, when the browser sends one, must be this server.

Actions change the desired state exactly like the CLI: the same change builders
(:mod:`liveswap.home.changes`) through the same locked, validated
:func:`~liveswap.home.control_store.update_control`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from liveswap.exceptions import ActionRefused, ControlError
from liveswap.home import Change, changes, host_alive, read_status, update_control, wait_for_generation
from liveswap.settings import Settings
from liveswap.specs import SpecError

TOKEN_HEADER = "x-liveswap-token"
MAX_WAIT_SECONDS = 30.0


Refused = ActionRefused  # the short name used below and by the app


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class Guard:
    """Who may write: the token holder, talking to this server by one of its own host names."""

    token: str
    hosts: frozenset[str]  # "host:port" values accepted in Host; empty: any (bound to every interface)

    @classmethod
    def for_address(cls, token: str, bind: str, port: int) -> Guard:
        if bind in ("0.0.0.0", "::", ""):
            return cls(token, frozenset())
        names = {bind, "127.0.0.1", "localhost", "::1"} if bind in ("127.0.0.1", "localhost", "::1") else {bind}
        names = {f"[{n}]" if ":" in n else n for n in names}
        return cls(token, frozenset(f"{n}:{port}" for n in names))

    def check_host(self, headers: Mapping[str, str]) -> None:
        """Refuse a Host this server was not opened by (a DNS-rebinding page names its own)."""
        if self.hosts and headers.get("host", "").lower() not in self.hosts:
            raise Refused(403, "unknown Host header (open the dashboard by the address liveswap web printed)")

    def check_write(self, headers: Mapping[str, str]) -> None:
        self.check_host(headers)
        origin = headers.get("origin")
        if origin is not None and urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
            raise Refused(403, f"cross-origin request from {origin!r} refused")
        if not headers.get("content-type", "").lower().startswith("application/json"):
            raise Refused(415, "a JSON body is required (Content-Type: application/json)")
        given = headers.get(TOKEN_HEADER, "")
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            raise Refused(403, "missing or wrong token: use the token 'liveswap web' printed at start")


def _markets(body: Mapping[str, Any], settings: Settings) -> list[str]:
    raw = body.get("markets")
    if raw is None and body.get("market"):
        raw = [body["market"]]
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
        raise Refused(400, "markets must be a list of market names")
    try:
        return changes.check_markets(raw, settings.markets)
    except ControlError as exc:
        raise Refused(400, str(exc)) from None


def _text(body: Mapping[str, Any], key: str, required: bool) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise Refused(400, f"{key!r} is required")
        return None
    if not isinstance(value, str):
        raise Refused(400, f"{key!r} must be a string")
    return value.strip()


def _set(body: Mapping[str, Any], settings: Settings) -> tuple[Change, str]:
    """``{"params": {...}, "risk": {...}}`` (null removes): refused at once above the host's start-up limits."""
    params, risk = body.get("params") or {}, body.get("risk") or {}
    if not isinstance(params, dict) or not isinstance(risk, dict):
        raise Refused(400, "params and risk must be JSON objects")
    status = read_status(settings.state_dir)
    if status is not None and host_alive(status) and status.risk_ceilings:
        ceilings, source = status.risk_ceilings, f"the running host (pid {status.pid}) started with"
    else:
        ceilings, source = settings.risk.model_dump(), "a host of this home starts with (its settings)"
    try:
        changes.check_ceilings({k: v for k, v in risk.items() if v is not None}, ceilings, source)
    except ControlError as exc:
        raise Refused(409, f"set: {exc}") from None
    shown = [f"{k}={v}" for k, v in params.items()] + [f"risk.{k}={v}" for k, v in risk.items()]
    return changes.set_values(params, risk), "set " + " ".join(shown)


def _lift_daily_loss(body: Mapping[str, Any]) -> tuple[Change, str]:
    """Resume everything and lift a tripped daily loss latch: only with ``{"confirm": "lift"}`` (the page asks)."""
    if body.get("confirm") != "lift":
        raise Refused(400, 'lifting the daily loss latch needs {"confirm": "lift"} (the page asks first)')
    return changes.resume(lift_daily_loss=True), "resume all markets and lift the daily loss latch"


def _build(name: str, body: Mapping[str, Any], settings: Settings) -> tuple[Change, str]:
    builders: dict[str, Callable[[], tuple[Change, str]]] = {
        "activate": lambda: (changes.activate(spec := str(_text(body, "spec", True))), f"activate {spec}"),
        "rollback": lambda: (changes.rollback(to := _text(body, "to", False)),
                             f"rollback to {to}" if to else "rollback to the previous version"),
        "pause": lambda: (changes.pause(ms := _markets(body, settings)),
                          f"pause {', '.join(ms)}" if ms else "pause all markets"),
        "resume": lambda: (changes.resume(ms := _markets(body, settings)),
                           f"resume {', '.join(ms)}" if ms else "resume all markets"),
        "lift_daily_loss": lambda: _lift_daily_loss(body),
        "set": lambda: _set(body, settings),
        "promote": lambda: (changes.decide_candidate("promote"), "promote the candidate"),
        "reject": lambda: (changes.decide_candidate("reject"), "reject the candidate"),
    }
    if name not in builders:
        raise Refused(404, f"unknown action {name!r} (known: {', '.join(builders)})")
    try:
        return builders[name]()
    except SpecError as exc:
        raise Refused(400, str(exc)) from None


def apply(name: str, body: Any, settings: Settings) -> dict[str, Any]:
    """Record action ``name`` in control.json; with ``body["wait"]`` seconds, wait for the host's answer."""
    if not isinstance(body, dict):
        raise Refused(400, "the body must be a JSON object")
    change, what = _build(name, body, settings)
    try:
        doc = update_control(settings.state_dir, change, markets=settings.markets)
    except ControlError as exc:
        raise Refused(409, f"{what}: {exc}") from None
    gen = doc.generation
    result: dict[str, Any] = {"action": name, "what": what, "generation": gen, "applied": None}
    status = read_status(settings.state_dir)
    if not host_alive(status):
        return result | {"message": f"generation {gen} recorded; no host is running: applied at the next start"}
    wait = body.get("wait")
    if isinstance(wait, int | float) and not isinstance(wait, bool) and wait > 0:
        outcome = wait_for_generation(settings.state_dir, gen, min(float(wait), MAX_WAIT_SECONDS))
        return result | {"applied": outcome.ok, "message": outcome.message}
    pid = status.pid if status else None
    return result | {"message": f"generation {gen} recorded; the running host (pid {pid}) applies it between batches"}
