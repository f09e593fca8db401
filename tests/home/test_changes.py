"""The desired-state edits shared by the CLI and the dashboard, applied through update_control."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from liveswap.exceptions import ControlError
from liveswap.home import changes
from liveswap.home.control_store import update_control
from liveswap.specs import SpecError


def test_pause_and_resume_a_market_then_all(home: Path) -> None:
    state = home / "state"
    update_control(state, changes.pause(["ETH-5m", "BTC-5m", "ETH-5m"]))
    doc = update_control(state, changes.pause())
    assert (doc.paused, doc.paused_markets) == (True, ["BTC-5m", "ETH-5m"])
    doc = update_control(state, changes.resume(["BTC-5m"]))
    assert (doc.paused, doc.paused_markets) == (True, ["ETH-5m"])
    doc = update_control(state, changes.resume())
    assert (doc.paused, doc.paused_markets, doc.generation) == (False, [], 4)


def test_a_malformed_spec_or_version_is_refused_before_anything_is_written(home: Path) -> None:
    with pytest.raises(SpecError):
        changes.activate("two words")
    with pytest.raises(SpecError):
        changes.rollback("not-a-version")
    assert not (home / "state" / "control.json").exists()


def test_promote_without_a_candidate_is_refused_and_changes_nothing(home: Path) -> None:
    state = home / "state"
    update_control(state, changes.pause())
    before = (state / "control.json").read_bytes()
    with pytest.raises(ControlError, match="no candidate to promote"):
        update_control(state, changes.decide_candidate("promote"))
    assert (state / "control.json").read_bytes() == before
    with pytest.raises(ValueError, match="unknown candidate decision"):
        changes.decide_candidate("maybe")


def test_promote_marks_the_candidate_and_reject_removes_it(home: Path) -> None:
    state = home / "state"
    update_control(state, changes.activate("momentum==1.1.0"))
    update_control(state, changes.start_candidate("momentum==1.2.0", mode="canary", markets=["BTC-5m", "BTC-5m"],
                                                  analysis={"min_bets": 40}, auto_promote=True))
    cand = json.loads((state / "control.json").read_text())["candidate"]
    assert cand == {"spec": "momentum==1.2.0", "mode": "canary", "markets": ["BTC-5m"], "analysis": {"min_bets": 40},
                    "auto_promote": True, "request": 2, "promote": None}
    update_control(state, changes.decide_candidate("promote"))
    doc = json.loads((state / "control.json").read_text())
    assert doc["candidate"] == {**cand, "promote": 3}
    assert (doc["active"], doc["active_request"], doc["rollback"]) == (None, None, None)
    update_control(state, changes.decide_candidate("reject"))
    assert "candidate" not in json.loads((state / "control.json").read_text())
    with pytest.raises(ControlError, match="no candidate to reject"):
        update_control(state, changes.decide_candidate("reject"))


def test_a_candidate_the_typed_model_refuses_changes_nothing(home: Path) -> None:
    state = home / "state"
    with pytest.raises(ControlError, match="a canary needs at least one market"):
        update_control(state, changes.start_candidate("momentum==1.2.0", mode="canary"))
    with pytest.raises(ControlError, match="candidate.request"):
        update_control(state, lambda doc, gen: {**doc, "candidate": {"spec": "momentum==1.2.0"}})
    assert not (state / "control.json").exists() or "candidate" not in json.loads(
        (state / "control.json").read_text())


def test_a_control_file_without_a_candidate_keeps_the_key_out(home: Path) -> None:
    update_control(home / "state", changes.pause())
    assert "candidate" not in json.loads((home / "state" / "control.json").read_text())


def test_unknown_markets_are_named(home: Path) -> None:
    assert changes.check_markets(["B", "A", "B"], ["A", "B"]) == ["B", "A"]
    with pytest.raises(ControlError, match="unknown market 'C' \\(this home trades A, B\\)"):
        changes.check_markets(["C"], ["A", "B"])
