"""The CLI's fast paths to control.json and status.json (home/quick.py): same file, same lock,
same generation rule as the full path; anything unusual is left to the full path."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from hypothesis import given, settings
from hypothesis import strategies as st
from liveswap.home import quick

MARKETS = ["BTC-5m", "SOL-5m"]


def pause(doc: dict[str, Any], generation: int) -> dict[str, Any]:
    return {**doc, "paused": True}


def test_edits_bump_the_generation_past_the_file_and_the_host(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert quick.update_control_quick(state, pause, markets=MARKETS) is None  # no file: the full path rebuilds it
    (state / "control.json").write_text("{}")
    doc = quick.update_control_quick(state, pause, markets=MARKETS)
    assert doc is not None and doc["generation"] == 1 and doc["paused"] is True
    assert json.loads((state / "control.json").read_text()) == doc
    (state / "status.json").write_text(json.dumps({"observed_generation": 41}))
    doc = quick.update_control_quick(state, lambda d, g: {**d, "active": "momentum==1.2.0", "active_request": g},
                                     markets=MARKETS)
    assert doc is not None and doc["generation"] == 42 and doc["active_request"] == 42
    assert set(doc) == set(quick.DEFAULTS)


@pytest.mark.parametrize("content", [
    "{not json", '{"paused": "yes"}', '{"surprise": 1}', '{"risk": {"stake_cap": -1}}', '{"params": {"x": NaN}}',
    '{"active": "momentum==1.0.0", "rollback": {"to": null, "request": 3}}', '{"paused_markets": ["DOGE-5m"]}',
    '{"active": "momentum==1.0.0rc1"}', '[]',
])
def test_leaves_anything_unusual_to_the_full_path_and_writes_nothing(tmp_path: Path, content: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "control.json").write_text(content)
    assert quick.update_control_quick(state, pause, markets=MARKETS) is None
    assert (state / "control.json").read_text() == content


def test_a_change_it_cannot_vouch_for_is_not_written(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "control.json").write_text("{}")
    assert quick.update_control_quick(state, lambda d, g: {**d, "paused_markets": ["XRP-5m"]},
                                      markets=MARKETS) is None
    assert (state / "control.json").read_text() == "{}"


def test_waits_for_the_same_lock_filelock_takes(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "control.json").write_text("{}")
    taken, released = threading.Event(), threading.Event()

    def hold(seconds: float) -> None:  # the full path (filelock) holding control.lock
        with FileLock(str(state / "control.lock")):
            taken.set()
            time.sleep(seconds)
            released.set()

    threading.Thread(target=hold, args=(0.3,)).start()
    taken.wait(10)
    assert quick.update_control_quick(state, pause, markets=MARKETS) is not None
    assert released.is_set()  # it waited for the holder
    taken.clear()
    holder = threading.Thread(target=hold, args=(1.0,))
    holder.start()
    taken.wait(10)
    with pytest.raises(TimeoutError):
        quick.update_control_quick(state, pause, markets=MARKETS, timeout=0.1)
    holder.join()


def test_host_running_by_heartbeat_or_by_a_live_pid_file(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    assert quick.host_running(state) is None
    (state / "status.json").write_text(json.dumps({"running": True, "pid": 77, "heartbeat_at": time.time(),
                                                   "heartbeat_seconds": 1}))
    assert quick.host_running(state) == 77
    (state / "status.json").write_text(json.dumps({"running": True, "pid": 77, "heartbeat_at": time.time() - 60,
                                                   "heartbeat_seconds": 1}))
    assert quick.host_running(state) is None  # a stale heartbeat: the host died
    (state / "host.pid").write_text(f"{os.getpid()}\n")  # a host starting up: its pid is alive
    assert quick.host_running(state) == os.getpid()


def test_risk_keys_are_the_full_models() -> None:
    from liveswap.home.control import RISK_KEYS

    assert quick.RISK_KEYS == RISK_KEYS


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZ09._-=+ \n\u0663é", max_size=12))
def test_names_and_versions_it_vouches_for_are_the_spec_parsers(text: str) -> None:
    """The hand-written checks (no re) accept only what liveswap.specs accepts."""
    from liveswap.specs import NAME_RE, SpecError, check_version, parse_spec

    if quick.surely_name(text):
        assert NAME_RE.match(text)
    if quick.surely_version(text):
        check_version(text)
    if quick.surely_spec(text):
        try:
            parse_spec(text)
        except SpecError as exc:
            raise AssertionError(f"{text!r}: {exc}") from None
    for ok in ("momentum", "a", "m.o_m-1"):
        assert quick.surely_name(ok) and quick.surely_spec(ok) and quick.surely_spec(f"{ok}==1.2.3")
    for bad in ("", "-a", "a-", "a b", "é", "a\n"):
        assert not quick.surely_name(bad)
    assert quick.surely_version("1.2.3.4") and not quick.surely_version("1.2.3.4.5") and not quick.surely_version("1.")


def variants() -> list[Any]:
    """Control documents around the edges of the model: valid ones, and each rule broken once."""
    base: dict[str, Any] = {"active": "momentum==1.2.0", "active_request": 3, "rollback": None, "paused": False,
                            "paused_markets": ["SOL-5m"], "params": {"stake": 2, "mode": "fast", "w": [1, 2.5]},
                            "risk": {"stake_cap": 3, "max_open_positions": 4, "daily_loss_limit": 10.5},
                            "generation": 7}
    edits: list[dict[str, Any]] = [
        {}, {"active": None}, {"active": "momentum"}, {"active": "Mo.men_t-um==10.20.30"}, {"active": " momentum"},
        {"active": "momentum==1.2.0rc1"}, {"active": "momentum==x"}, {"active": "-bad"}, {"active": 5},
        {"active": None, "rollback": {"to": None, "request": 8}},
        {"active": None, "rollback": {"to": "1.0", "request": 8}},
        {"rollback": {"to": None, "request": 8}}, {"active": None, "rollback": {"request": -1}},
        {"active": None, "rollback": {"to": "1.0", "request": 8, "x": 1}}, {"active": None, "rollback": "back"},
        {"active_request": -1}, {"active_request": True}, {"active_request": 1.0}, {"paused": 1}, {"paused": "yes"},
        {"paused_markets": []}, {"paused_markets": ["SOL-5m", "SOL-5m"]}, {"paused_markets": ["DOGE-5m"]},
        {"paused_markets": "SOL-5m"}, {"paused_markets": [1]}, {"params": []}, {"params": {"x": float("inf")}},
        {"params": {"x": {"y": [None, True]}}}, {"risk": {}}, {"risk": {"stake_cap": 0}}, {"risk": {"stake_cap": -1}},
        {"risk": {"stake_cap": True}}, {"risk": {"stake_cap": "3"}}, {"risk": {"max_open_positions": 0}},
        {"risk": {"max_open_positions": 1.5}}, {"risk": {"max_open_positions": -1}}, {"risk": {"daily_loss_limit": 0}},
        {"risk": {"bogus": 1}}, {"risk": {"stake_cap": None}}, {"generation": -1}, {"generation": 1.0},
        {"extra": 1}, {"risk": []},
        # the candidate of shadow / canary / promote (issue 24: it no longer sends every command to the slow path)
        {"candidate": None},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "shadow", "markets": [], "analysis": {},
                       "auto_promote": False, "request": 8, "promote": None}},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "shadow", "request": 8, "promote": 9}, "active": None},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "canary", "markets": ["SOL-5m"], "analysis": {"alpha": 0.05},
                       "auto_promote": True, "request": 8}},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "canary", "markets": [], "request": 8}},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "canary", "markets": ["DOGE-5m"], "request": 8}},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "shadow", "markets": ["SOL-5m"], "request": 8}},
        {"candidate": {"spec": "momentum==1.3.0", "mode": "judge", "request": 8}},
        {"candidate": {"spec": "momentum==1.3.0", "request": -1}}, {"candidate": {"spec": "momentum==x", "request": 1}},
        {"candidate": {"spec": "momentum==1.3.0", "request": 1, "promote": True}},
        {"candidate": {"spec": "momentum==1.3.0", "request": 1, "analysis": {"a": float("nan")}}},
        {"candidate": {"spec": "momentum==1.3.0", "request": 1, "auto_promote": 1}},
        {"candidate": {"spec": "momentum==1.3.0", "request": 1, "extra": 1}}, {"candidate": []},
    ]
    docs: list[Any] = [{**base, **e} for e in edits]
    docs += [{}, {"generation": 0}, [], "x", None, {k: v for k, v in base.items() if k != "params"}]
    return docs


def test_what_the_fast_path_vouches_for_the_full_model_accepts() -> None:
    """The fast path may leave a valid document to the full model, never accept an invalid one."""
    from liveswap.home.control import ControlDoc
    from pydantic import ValidationError

    vouched = 0
    for doc in variants():
        if not quick.surely_valid(doc, MARKETS):
            continue
        vouched += 1
        try:
            ControlDoc.parse(doc, MARKETS)
        except ValidationError as exc:
            raise AssertionError(f"the fast path accepted {doc!r}, the model refuses it: {exc}") from None
    assert vouched >= 10  # and it does vouch for the everyday shapes
    assert any(quick.surely_valid(d, MARKETS) for d in variants() if isinstance(d, dict) and d.get("candidate"))


def test_a_candidate_is_written_as_the_model_writes_it(tmp_path: Path) -> None:
    """After ``shadow`` / ``promote`` the fast path keeps the candidate exactly as the full model would."""
    from liveswap.home.control import ControlDoc

    state = tmp_path / "state"
    state.mkdir()
    cand = {"spec": "momentum==1.3.0", "mode": "shadow", "request": 8, "promote": 9}
    (state / "control.json").write_text(json.dumps({"candidate": cand, "generation": 9}))
    doc = quick.update_control_quick(state, pause, markets=MARKETS)
    assert doc is not None and doc["candidate"]["promote"] == 9
    assert doc == ControlDoc.parse(doc, MARKETS).to_json()


def test_activate_skips_the_registry_only_for_a_version_the_last_scan_found_compatible(tmp_path: Path) -> None:
    state = tmp_path / "home" / "state"
    (tmp_path / "home" / "registry").mkdir(parents=True)
    (state / "registry").mkdir(parents=True)
    catalog = state / "registry" / "catalog.json"
    catalog.write_text(json.dumps({"versions": {"momentum": {"1.0.0": "compatible", "2.0.0": "refused"}}}))
    assert quick.surely_known(str(state), "momentum==1.0.0") and quick.surely_known(str(state), "momentum")
    for unsure in ("momentum==2.0.0", "momentum==3.0.0", "nosuch", "nosuch==1.0.0"):
        assert not quick.surely_known(str(state), unsure)  # the registry decides (and refuses at once)
    os.utime(catalog, ns=(0, 0))  # a wheel dropped into registry/ after the scan: the catalog is stale
    assert not quick.surely_known(str(state), "momentum==1.0.0")
