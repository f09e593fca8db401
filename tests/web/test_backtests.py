"""The dashboard's read of the last backtests: newest first, the newest one's curves, bad files left out."""

from __future__ import annotations

import json
from pathlib import Path

from liveswap.web.backtests import last_backtests


def test_the_newest_backtests_come_first_and_bad_files_are_left_out(tmp_path: Path) -> None:
    root = tmp_path / "backtests"
    root.mkdir()
    run = {"created_at": 1.0, "candles_source": "journal", "comparison": {"verdict": "failed", "reason": "r",
                                                                          "candidate": "a==1", "active": "b==1"},
           "versions": [{"spec": "a==1", "bets": 3, "pnl": -1.5, "equity": [[300, -1.0], [600, -1.5], "x"]},
                        {"spec": "b==1", "bets": 2, "pnl": 2.0, "equity": [[300, 2.0]]}]}
    (root / "20260101T000000-1-a.json").write_text(json.dumps(run))
    (root / "20260102T000000-1-b.json").write_text(json.dumps({**run, "created_at": 2.0, "comparison": None}))
    (root / "20260103T000000-1-c.json").write_text("{not json")
    (root / "20260104T000000-1-d.json").write_text(json.dumps({"versions": [{"spec": 3}]}))
    found = last_backtests(tmp_path)
    assert [r["file"] for r in found["runs"]] == ["20260102T000000-1-b.json", "20260101T000000-1-a.json"]
    assert found["runs"][1]["comparison"]["verdict"] == "failed"
    assert found["latest"]["versions"][0] == {"spec": "a==1", "equity": [[300, -1.0], [600, -1.5]]}
    assert last_backtests(tmp_path / "nothing") == {"runs": [], "latest": None}
