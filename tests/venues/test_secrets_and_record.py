"""Secrets never leak (logs, exceptions, reprs) and ``liveswap record`` writes the replay CSV."""

from __future__ import annotations

import csv

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from liveswap.cli.main import main
from liveswap.exceptions import BrokerError
from liveswap.settings import load_settings
from liveswap.venues.factory import make_broker
from liveswap.venues.kalshi.auth import KalshiSigner
from loguru import logger

from tests.support.venue_server import T0, Reply, fixture

KEY_ID = "4f1d2c3b-SECRET-KEY-ID-9e8d"


@pytest.fixture
def key_file(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = tmp_path / "kalshi.key"
    path.write_bytes(pem)
    return path, pem.decode()


def test_secrets_stay_out_of_logs_errors_and_reprs(server, key_file, tmp_path, monkeypatch) -> None:
    path, pem = key_file
    pem_body = pem.splitlines()[1]
    monkeypatch.setenv("LIVESWAP_VENUES__KALSHI__KEY_ID", KEY_ID)
    monkeypatch.setenv("LIVESWAP_VENUES__KALSHI__PRIVATE_KEY_FILE", str(path))
    monkeypatch.setenv("LIVESWAP_VENUES__KALSHI__BASE_URL", server.url + "/trade-api/v2")
    monkeypatch.setenv("LIVESWAP_VENUES__RETRIES", "1")
    monkeypatch.setenv("LIVESWAP_VENUES__BACKOFF_SECONDS", "0")
    settings = load_settings(tmp_path, markets=["BTC-15m"])
    assert settings.venues.kalshi.key_id.get_secret_value() == KEY_ID

    logs: list[str] = []
    sink = logger.add(logs.append, level="DEBUG", format="{message} {extra}")
    try:
        broker = make_broker("kalshi", settings)
        server.json("GET", "/trade-api/v2/markets", fixture("kalshi_markets_fp"))
        server.route("GET", "/trade-api/v2/portfolio/orders", Reply(500, {"error": "boom"}))
        errors = []
        for call in (lambda: broker.submit(_order()), broker.balance):
            with pytest.raises(BrokerError) as err:
                call()
            errors.append(str(err.value))
        server.route("GET", "/trade-api/v2/portfolio/balance", Reply(401, {"error": {"message": "bad key"}}))
        with pytest.raises(BrokerError) as err:
            broker.balance()
        errors.append(str(err.value))
    finally:
        logger.remove(sink)
    texts = {"logs": "\n".join(logs), "errors": "\n".join(errors), "settings repr": repr(settings),
             "settings str": str(settings.venues), "dump": settings.model_dump_json(),
             "signer": repr(KalshiSigner(KEY_ID, rsa.generate_private_key(public_exponent=65537, key_size=1024)))}
    assert logs, "the retries should have been logged"
    assert "HTTP 401" in texts["errors"]
    for where, text in texts.items():
        assert KEY_ID not in text, where
        assert pem_body not in text, where
        assert "KALSHI-ACCESS-SIGNATURE" not in text, where
    # the key did travel, signed, to the venue
    assert any(r.headers.get("KALSHI-ACCESS-KEY") == KEY_ID for r in server.requests)


def _order():
    from liveswap.brokers.base import OrderRequest

    return OrderRequest("c-1", "BTC-15m", "up", 5.0, T0 + 900, T0 + 1800, 0.55, None, T0 + 901)


def test_record_writes_the_replay_csv(server, tmp_path, monkeypatch, capsys) -> None:
    server.route("GET", "/api/v3/klines", lambda req: Reply(200, fixture(f"binance_klines_{req.query['interval']}")))
    monkeypatch.setenv("LIVESWAP_VENUES__BINANCE_URL", server.url)
    out = tmp_path / "btc.csv"
    code = main(["record", "--home", str(tmp_path), "--feed", "binance", "--out", str(out), "--markets",
                 "BTC-5m,BTC-15m", "--since", str(T0), "--until", "2026-01-01T00:15:00Z"])
    assert code == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["market", "timeframe", "start", "end", "open", "high", "low", "close", "volume", "up_price"]
    assert rows[1] == ["BTC-5m", "5m", str(T0), str(T0 + 300), "94000.0", "94100.5", "93950.0", "94050.25",
                       "12.5", ""]
    assert [(r[0], int(r[3])) for r in rows[1:]] == [
        ("BTC-5m", T0 + 300), ("BTC-5m", T0 + 600), ("BTC-15m", T0 + 900), ("BTC-5m", T0 + 900)]
    assert "recorded 4 candles of 2 markets" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--feed", "binance", "--since", "yesterday"], "--since 'yesterday' is not epoch seconds or an ISO 8601 time"),
        (["--feed", "binance"], "give --since (and optionally --until) or --minutes"),
        (["--feed", "binance", "--minutes", "5", "--since", "1"], "give --since or --minutes, not both"),
        (["--feed", "nope", "--minutes", "5"], "unknown feed 'nope'"),
    ],
)
def test_record_refuses_bad_input_with_one_line(tmp_path, capsys, argv, reason) -> None:
    assert main(["record", "--home", str(tmp_path), "--out", str(tmp_path / "x.csv"), *argv]) == 1
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1
    assert not (tmp_path / "x.csv").exists()


def test_record_reports_an_unreachable_venue(server, tmp_path, monkeypatch, capsys) -> None:
    server.route("GET", "/api/v3/klines", Reply(503, {"msg": "maintenance"}))
    monkeypatch.setenv("LIVESWAP_VENUES__BINANCE_URL", server.url)
    monkeypatch.setenv("LIVESWAP_VENUES__RETRIES", "0")
    assert main(["record", "--home", str(tmp_path), "--feed", "binance", "--out", str(tmp_path / "x.csv"),
                 "--markets", "BTC-5m", "--minutes", "10"]) == 1
    assert "binance: GET /api/v3/klines: HTTP 503 (maintenance) after 1 attempts" in capsys.readouterr().err
