"""Heartbeat, status and snapshot writes never stop trading; status.json holds a bounded state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from liveswap.api import hookimpl
from liveswap.engine import heartbeat as heartbeat_module
from liveswap.engine.state_summary import summarize_state

from tests.support.engine_helpers import Probe, advance, make_engine, status_json


def test_a_state_json_cannot_carry_does_not_stop_status_nor_trading(home: Path) -> None:
    class NanState(Probe):
        @hookimpl
        def export_state(self) -> dict[str, Any]:
            return {"seen": self.seen, "edge": float("nan"), "big": 10**400}

    engine = make_engine(home, strategy=NanState)
    advance(engine, 900)
    engine.take_snapshot(wait=True)
    engine.heartbeat()
    assert status_json(engine.state_dir) is not None
    cursor = engine.cursor
    advance(engine, 900)
    assert engine.cursor > cursor


def test_a_huge_state_is_summarized_in_status(home: Path) -> None:
    class Huge(Probe):
        @hookimpl
        def export_state(self) -> dict[str, Any]:
            return {"seen": self.seen, "blob": "x" * 200_000}

    engine = make_engine(home, strategy=Huge)
    advance(engine, 600)
    engine.take_snapshot(wait=True)
    engine.heartbeat()
    status = status_json(engine.state_dir)
    assert status is not None and status["strategy_state"]["keys"] == ["seen", "blob"]
    assert len(json.dumps(status["strategy_state"])) < 2000


def test_a_failing_status_write_is_logged_and_trading_goes_on(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(home)

    def broken(*_: Any) -> None:
        raise ValueError("1 validation error for StatusDoc")

    monkeypatch.setattr(heartbeat_module, "write_status", broken)  # the heartbeat writes status.json
    engine.heartbeat()
    advance(engine, 900)
    engine.between_batches()
    assert engine.status_errors >= 1 and engine.candles_processed > 0


def test_the_status_summary_of_a_state_never_raises() -> None:
    assert summarize_state({"a": 1}) == {"a": 1}
    assert "not plain JSON" in summarize_state({"edge": float("nan")})["summary"]  # type: ignore[index]
    assert "not plain JSON" in summarize_state({"big": 10**5000})["summary"]  # type: ignore[index]
    assert "not an object" in summarize_state([1, 2])["summary"]  # type: ignore[index]
    assert summarize_state(None) is None
