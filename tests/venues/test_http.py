"""The shared HTTP client against a real local server: retries, Retry-After, timeouts, breaker."""

from __future__ import annotations

import pytest
from liveswap.exceptions import (
    MalformedResponse,
    RateLimited,
    VenueAuthError,
    VenueNotFound,
    VenueRejected,
    VenueUnavailable,
)
from liveswap.venues._http import (
    CircuitBreaker,
    RetryPolicy,
    TokenBucket,
    VenueHttp,
    one_line,
    retry_after_seconds,
)

from tests.support.venue_server import Reply


def client(server, sleeps, **kw) -> VenueHttp:
    kw.setdefault("retry", RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=5))
    return VenueHttp("testvenue", server.url, timeout=kw.pop("timeout", 0.5), sleep=sleeps, rng=lambda: 1.0, **kw)


def test_429_with_retry_after_waits_that_long_then_succeeds(server, sleeps) -> None:
    server.route("GET", "/x", Reply(429, {"error": "slow down"}, {"Retry-After": "2"}), Reply(200, {"ok": 1}))
    assert client(server, sleeps).get("/x") == {"ok": 1}
    assert sleeps == [2.0]
    assert server.hits("GET", "/x") == 2


def test_retry_after_longer_than_we_wait_fails_at_once(server, sleeps) -> None:
    server.route("GET", "/x", Reply(429, {}, {"Retry-After": "600"}), Reply(200, {"ok": 1}))
    with pytest.raises(RateLimited, match=r"testvenue: GET /x: HTTP 429.*Retry-After 600s"):
        client(server, sleeps).get("/x")
    assert server.hits("GET", "/x") == 1 and sleeps == []


def test_5xx_is_retried_with_growing_backoff(server, sleeps) -> None:
    server.route("GET", "/x", Reply(500), Reply(503), Reply(200, [1, 2]))
    assert client(server, sleeps).get("/x") == [1, 2]
    assert sleeps == [0.01, 0.02]


def test_persistent_5xx_gives_one_line_reason_after_every_attempt(server, sleeps) -> None:
    server.route("GET", "/x", Reply(502, {"message": "bad gateway"}))
    with pytest.raises(VenueUnavailable) as err:
        client(server, sleeps).get("/x")
    assert str(err.value) == "testvenue: GET /x: HTTP 502 (bad gateway) after 4 attempts"
    assert server.hits("GET", "/x") == 4


def test_timeout_when_the_server_is_slower_than_the_client(server, sleeps) -> None:
    server.route("GET", "/slow", Reply(200, {"late": True}, delay=0.4), Reply(200, {"fast": True}))
    # first attempt times out, the retry gets the fast reply
    assert client(server, sleeps, timeout=0.1).get("/slow") == {"fast": True}
    server.route("GET", "/slow", Reply(200, {}, delay=0.4))
    with pytest.raises(VenueUnavailable, match="timed out"):
        client(server, sleeps, timeout=0.1, retry=RetryPolicy(attempts=2, base_delay=0)).get("/slow")


def test_connection_refused_is_unavailable(sleeps) -> None:
    http = VenueHttp("testvenue", "http://127.0.0.1:9", timeout=0.2, retry=RetryPolicy(attempts=2, base_delay=0),
                     sleep=sleeps)
    with pytest.raises(VenueUnavailable, match="connection failed after 2 attempts"):
        http.get("/x")


def test_truncated_json_is_a_malformed_response(server, sleeps) -> None:
    server.route("GET", "/x", Reply(200, b'{"markets": [{"ticker": "KX'))
    with pytest.raises(MalformedResponse, match=r"testvenue: GET /x: response is not valid JSON \(.*char"):
        client(server, sleeps).get("/x")


def test_status_codes_map_to_typed_errors_with_the_venue_message(server, sleeps) -> None:
    server.route("GET", "/auth", Reply(401, {"error": {"code": "authentication_error", "message": "bad signature"}}))
    server.route("GET", "/gone", Reply(404, {"error": "market not found"}))
    server.route("POST", "/bad", Reply(400, {"error": {"code": "invalid_parameters", "message": "count must be > 0"}}))
    http = client(server, sleeps)
    with pytest.raises(VenueAuthError, match="HTTP 401 .*authentication_error: bad signature"):
        http.get("/auth")
    with pytest.raises(VenueNotFound, match="market not found"):
        http.get("/gone")
    with pytest.raises(VenueRejected, match="HTTP 400: invalid_parameters: count must be > 0"):
        http.post("/bad", {"count": 0}, auth=False)
    assert server.hits("GET", "/auth") == 1  # 4xx are not retried


def test_a_post_that_may_have_reached_the_venue_is_not_retried(server, sleeps) -> None:
    server.route("POST", "/order", Reply(500), Reply(201, {"order": {}}))
    with pytest.raises(VenueUnavailable, match="not retried"):
        client(server, sleeps).post("/order", {"n": 1}, auth=False)
    assert server.hits("POST", "/order") == 1
    server.route("POST", "/order", Reply(429, {}, {"Retry-After": "1"}), Reply(201, {"order": {}}))
    assert client(server, sleeps).post("/order", {"n": 1}, auth=False) == {"order": {}}
    assert server.hits("POST", "/order") == 3


def test_circuit_breaker_fails_fast_then_lets_a_trial_through(server, sleeps) -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_seconds=10, clock=lambda: now[0])
    http = client(server, sleeps, retry=RetryPolicy(attempts=1), breaker=breaker)
    server.route("GET", "/x", Reply(500))
    for _ in range(2):
        with pytest.raises(VenueUnavailable, match="HTTP 500"):
            http.get("/x")
    with pytest.raises(VenueUnavailable, match="circuit open after 2 failed calls in a row; next try in 10s"):
        http.get("/x")
    assert server.hits("GET", "/x") == 2 and breaker.state == "open"
    now[0] = 11.0
    server.route("GET", "/x", Reply(200, {"ok": True}))
    assert http.get("/x") == {"ok": True}
    assert breaker.state == "closed"


def test_token_bucket_spaces_requests_to_the_rate() -> None:
    now = [0.0]
    waited: list[float] = []

    def sleep(s: float) -> None:
        waited.append(s)
        now[0] += s

    bucket = TokenBucket(2.0, burst=2, clock=lambda: now[0], sleep=sleep)
    assert [bucket.acquire() for _ in range(4)] == [0.0, 0.0, 0.5, 0.5]
    assert waited == [0.5, 0.5]


def test_rate_limited_client_waits_on_its_bucket(server, sleeps) -> None:
    server.route("GET", "/x", Reply(200, {}))
    http = client(server, sleeps, reads=TokenBucket(1.0, burst=1, clock=lambda: 0.0, sleep=sleeps))
    for _ in range(3):
        http.get("/x")
    assert sleeps == [1.0, 2.0]  # a frozen clock: each request beyond the burst queues behind the last


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Thu, 01 Jan 2026 00:00:10 GMT", now=1767225600) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


HTML_PAGE = (b"<!DOCTYPE html>\r\n<html><head><title>502 Bad Gateway</title>\r\n<style>body{color:red}</style>"
             b"<script>var x = '<b>';</script></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
             b"<hr><center>cloudflare &amp; friends</center>\r\n" + b"<p>padding</p>\r\n" * 80 + b"</body></html>\r\n")


def test_an_html_error_page_becomes_a_short_one_line_reason(server, sleeps) -> None:
    server.route("GET", "/down", Reply(502, HTML_PAGE))
    server.route("POST", "/refused", Reply(400, HTML_PAGE))
    client = VenueHttp("kalshi", server.url, retry=RetryPolicy(attempts=2, base_delay=0), sleep=sleeps)
    with pytest.raises(VenueUnavailable) as down:
        client.get("/down")
    with pytest.raises(VenueRejected) as refused:
        client.post("/refused", {"x": 1}, auth=False)
    for err in (down.value, refused.value):
        reason = err.reason
        assert "\n" not in reason and "\r" not in reason and "<" not in reason and "{" not in reason
        assert len(reason) <= 300
        assert "502 Bad Gateway cloudflare & friends padding" in reason  # head, style, script dropped
    assert down.value.reason.startswith("kalshi: GET /down: HTTP 502 (502 Bad Gateway")
    assert refused.value.reason.startswith("kalshi: POST /refused: HTTP 400: 502 Bad Gateway")


def test_one_line_collapses_whitespace_and_bounds_length() -> None:
    assert one_line("a\r\n\tb   c") == "a b c"
    assert one_line("x" * 500, 50) == "x" * 47 + "..."
    assert one_line("<p>1 &lt; 2</p>") == "1 < 2"
