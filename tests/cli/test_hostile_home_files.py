"""Every reader of control.json and status.json turns a malformed, truncated or hostile file into a
one-line reason (issue 24, point 2): the CLI's fast path (plain JSON without :mod:`json` loaded),
its full path (pydantic) and the status renderer, over truncations, garbage and wrong types."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from liveswap.cli.main import main

from tests.conftest import BIN
from tests.support.status_docs import NOW, status

CONTROL = {"active": "momentum==1.1.0", "active_request": 3, "rollback": None, "paused": False,
           "resume_request": None, "paused_markets": [], "params": {"stake": 2}, "risk": {"stake_cap": 3.0},
           "generation": 4}
STATUS = status(heartbeat_at=NOW, markets=["BTC-5m", "SOL-5m"])
COMMANDS = (["status"], ["status", "--json"], ["pause"], ["resume"], ["set", "stake=3"], ["rollback"])
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                     max_size=3), max_leaves=6)


def _bad_texts(doc: dict) -> st.SearchStrategy[bytes]:
    text = json.dumps(doc, indent=2).encode()
    truncated = st.integers(0, len(text) - 1).map(lambda n: text[:n])
    garbage = st.binary(max_size=40)
    wrong_type = st.tuples(st.sampled_from(sorted(doc)), JSON_VALUES).map(
        lambda kv: json.dumps({**doc, kv[0]: kv[1]}).encode())
    return truncated | garbage | wrong_type


def _run(home: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([*argv, "--home", str(home)])
    out = capsys.readouterr()
    return code, out.err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(["control.json", "status.json"]), data=st.data(), command=st.sampled_from(COMMANDS))
def test_a_bad_control_or_status_json_is_a_one_line_reason(home: Path, capsys: pytest.CaptureFixture[str], which: str,
                                                            data: st.DataObject, command: list[str]) -> None:
    """One of the two files truncated, garbage or of the wrong types, the other as a host and the CLI write it."""
    good = {"control.json": CONTROL, "status.json": STATUS}
    for name, doc in good.items():
        (home / "state" / name).write_text(json.dumps(doc))
    (home / "state" / which).write_bytes(data.draw(_bad_texts(good[which])))
    code, err = _run(home, command, capsys)
    assert code in (0, 1), err
    assert len(err.strip().splitlines()) <= 2, err


def test_a_half_written_control_json_does_not_crash_status(home: Path, cli_env: dict[str, str]) -> None:
    """The issue's own case, in a fresh interpreter (the fast path, without ``json`` loaded)."""
    (home / "state" / "status.json").write_text(json.dumps(STATUS))
    (home / "state" / "control.json").write_text('{"paused": true,')
    for argv in (["status"], ["status", "--json"], ["pause"]):
        got = subprocess.run([str(BIN / "liveswap"), *argv], env=cli_env, capture_output=True, text=True, timeout=60)
        assert got.returncode in (0, 1), got.stderr
        assert "Traceback" not in got.stderr and "SystemError" not in got.stderr, got.stderr
    pause = subprocess.run([str(BIN / "liveswap"), "pause"], env=cli_env, capture_output=True, text=True, timeout=60)
    assert pause.returncode == 1
    assert "control.json: not valid JSON" in pause.stderr
