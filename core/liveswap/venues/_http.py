"""The venues' shared HTTP layer: one robust httpx client, timeouts, retries, rate limits, breaker.

``VenueHttp(venue, base_url, ...)`` sends JSON requests and returns the decoded body, or raises a
typed :class:`~liveswap.exceptions.VenueError` whose reason is ONE line naming the venue, the
method and the path (never a header, a key or a signature; an HTML error page is reduced to its
text, CR/LF collapsed, length bounded by :func:`one_line`):

* timeouts on every request (``httpx.Timeout``);
* retries with exponential backoff and jitter on connection errors, timeouts, 429 and 5xx,
  honouring ``Retry-After`` (seconds or HTTP date; a wait longer than ``max_retry_after`` fails at
  once instead of stalling the engine). Requests that are not idempotent (order placement) are
  retried only when the venue certainly did not act: connection refused, or 429;
* a token bucket per venue and per kind (reads / writes), sized from the venue's published tier;
* a circuit breaker: after ``failure_threshold`` failed calls in a row every call fails fast for
  ``reset_seconds``, then one trial call decides whether it closes again.

As httpx does, the transport is apart from the client: ``transport=`` takes any
``httpx.BaseTransport`` (tests pass a local server's URL, or ``httpx.MockTransport``);
``sleep``/``clock``/``rng`` are injectable.
"""

from __future__ import annotations

import email.utils
import html
import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from loguru import logger

from liveswap.exceptions import (
    MalformedResponse,
    RateLimited,
    VenueAuthError,
    VenueNotFound,
    VenueRejected,
    VenueUnavailable,
)

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class Signer(Protocol):
    """Adds authentication headers for one request (``path`` is the URL path, no query)."""

    def headers(self, method: str, path: str) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 5.0
    max_retry_after: float = 30.0

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return ceiling / 2 + ceiling / 2 * rng()


class TokenBucket:
    """``rate`` requests per second on average, bursts up to ``burst``; ``acquire`` waits."""

    def __init__(self, rate: float, burst: float | None = None, *, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("token bucket rate must be > 0")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self.burst
        self._clock = clock
        self._sleep = sleep
        self._stamp = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is free; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait > 0:
            self._sleep(wait)
        return wait


class CircuitBreaker:
    """Closed → (``failure_threshold`` failures in a row) → open for ``reset_seconds`` → half-open."""

    def __init__(self, failure_threshold: int = 5, reset_seconds: float = 30.0, *,
                 clock: Clock = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._clock() - self._opened_at >= self.reset_seconds else "open"

    def check(self, venue: str) -> None:
        """Raise :class:`VenueUnavailable` while open; let a trial call through when half-open."""
        with self._lock:
            if self._opened_at is None:
                return
            left = self.reset_seconds - (self._clock() - self._opened_at)
            if left > 0:
                raise VenueUnavailable(
                    f"{venue}: circuit open after {self._failures} failed calls in a row; next try in {left:.0f}s"
                )

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._opened_at = self._clock()


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_SCRIPT = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
REASON_LIMIT = 200


def one_line(text: str, limit: int = REASON_LIMIT) -> str:
    """``text`` as one short line: HTML tags (and scripts, styles, head) stripped, entities decoded,
    every run of whitespace (CR, LF, tabs) collapsed to one space, cut to ``limit`` characters."""
    if "<" in text and ">" in text:
        text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def venue_message(response: httpx.Response) -> str:
    """The venue's own error text, one line: from a JSON error body (Kalshi, Polymarket, Binance,
    Coinbase), else the body's text with any HTML stripped."""
    try:
        body = response.json()
    except ValueError:
        return one_line(response.text, 160)
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            parts = [str(err.get(k)) for k in ("code", "message", "details") if err.get(k)]
            return one_line(": ".join(parts))
        for key in ("error", "message", "msg", "errorMsg"):
            if isinstance(body.get(key), str):
                return one_line(body[key])
    return ""


_RETRY_STATUS = {429, 500, 502, 503, 504}


class VenueHttp:
    """JSON over HTTP for one venue (see the module docstring)."""

    def __init__(
        self,
        venue: str,
        base_url: str,
        *,
        timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        reads: TokenBucket | None = None,
        writes: TokenBucket | None = None,
        breaker: CircuitBreaker | None = None,
        signer: Signer | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        rng: Callable[[], float] = random.random,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.reads = reads
        self.writes = writes
        self.breaker = breaker or CircuitBreaker()
        self.signer = signer
        self._sleep = sleep
        self._rng = rng
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "liveswap", **(headers or {})},
        )

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"VenueHttp({self.venue!r}, {self.base_url!r}, breaker={self.breaker.state})"

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = False) -> Any:
        return self.request("GET", path, params=params, auth=auth)

    def post(self, path: str, body: Mapping[str, Any], *, auth: bool = True, idempotent: bool = False) -> Any:
        return self.request("POST", path, body=body, auth=auth, idempotent=idempotent)

    def delete(self, path: str, *, auth: bool = True) -> Any:
        return self.request("DELETE", path, auth=auth)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        auth: bool = False,
        idempotent: bool | None = None,
    ) -> Any:
        """Send, retrying as the module docstring says; the decoded JSON body or a typed error."""
        if idempotent is None:
            idempotent = method in ("GET", "DELETE", "HEAD")
        what = f"{self.venue}: {method} {path}"
        self.breaker.check(self.venue)
        url = self.base_url + path
        sign_path = httpx.URL(url).path
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempts = max(1, self.retry.attempts)
        last_reason = ""
        for attempt in range(attempts):
            bucket = self.reads if method == "GET" else self.writes
            if bucket is not None:
                bucket.acquire()
            headers = self._headers(method, sign_path, what, json_body=content is not None, auth=auth)
            delay: float | None = None
            try:
                response = self._client.request(method, url, params=query, content=content, headers=headers)
            except httpx.TransportError as exc:
                last_reason = self._unanswered(exc, what, idempotent)
            else:
                if response.status_code not in _RETRY_STATUS:
                    self.breaker.success()
                    return self._decode(what, response)
                last_reason, delay = self._retry_status(response, what, idempotent)
            if attempt + 1 >= attempts:
                break
            if delay is None:
                delay = self.retry.backoff(attempt, self._rng)
            logger.warning("{}: {}; retry {}/{} in {:.2f}s", what, last_reason, attempt + 1, attempts - 1, delay)
            self._sleep(delay)
        self.breaker.failure()
        cls = RateLimited if last_reason.startswith("HTTP 429") else VenueUnavailable
        raise cls(f"{what}: {last_reason} after {attempts} attempts")

    def _headers(self, method: str, sign_path: str, what: str, *, json_body: bool, auth: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json"} if json_body else {}
        if auth:
            if self.signer is None:
                raise VenueAuthError(f"{what}: needs credentials, none configured")
            headers.update(self.signer.headers(method, sign_path))
        return headers

    def _unanswered(self, exc: httpx.TransportError, what: str, idempotent: bool) -> str:
        """Why a request got no answer; raises when a retry could make the venue act twice."""
        reason = _transport_reason(exc)
        sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        if sent and not idempotent:
            self.breaker.failure()
            raise VenueUnavailable(f"{what}: {reason} (not retried: the venue may have acted)") from None
        return reason

    def _retry_status(self, response: httpx.Response, what: str, idempotent: bool) -> tuple[str, float | None]:
        """A retryable status (429, 5xx): its reason and the venue's Retry-After (None: back off);
        raises when a retry could make the venue act twice, or the venue asks for too long a wait."""
        reason = f"HTTP {response.status_code}"
        if message := venue_message(response):
            reason += f" ({message})"
        if response.status_code != 429 and not idempotent:
            self.breaker.failure()
            raise VenueUnavailable(f"{what}: {reason} (not retried: the venue may have acted)")
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is not None and wait > self.retry.max_retry_after:
            self.breaker.failure()
            raise RateLimited(f"{what}: {reason}; Retry-After {wait:.0f}s is longer than we wait")
        return reason, wait

    def _decode(self, what: str, response: httpx.Response) -> Any:
        status = response.status_code
        if status in (401, 403):
            message = venue_message(response)
            raise VenueAuthError(f"{what}: HTTP {status} (credentials refused){': ' + message if message else ''}")
        if status == 404:
            message = venue_message(response) if response.content else ""
            raise VenueNotFound(f"{what}: HTTP 404 not found{': ' + message if message else ''}", status)
        if status >= 400:
            message = venue_message(response)
            raise VenueRejected(f"{what}: HTTP {status}{': ' + message if message else ''}", status)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            detail = f"{exc.msg} at char {exc.pos}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise MalformedResponse(f"{what}: response is not valid JSON ({detail})") from None


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    return f"transport error ({type(exc).__name__})"
