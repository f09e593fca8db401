"""status.json has one strict model: what the engine writes, the CLI reads back exactly."""

from __future__ import annotations

import json
from pathlib import Path

from liveswap.home.status import StatusDoc, read_status
from liveswap.home.wait import check

from tests.support.engine_helpers import advance, make_engine


def test_what_the_engine_writes_reads_back_as_the_model(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 3600)
    engine.heartbeat()
    raw = json.loads((home / "state" / "status.json").read_text())
    doc = read_status(home / "state")
    assert doc is not None and doc.to_json() == raw
    assert doc.active.name == "probe" and doc.candles_processed == engine.candles_processed
    assert doc.paused is False and doc.paused_reason is None and doc.last_swap is None


def test_a_status_file_the_model_refuses_reads_as_no_status(home: Path) -> None:
    engine = make_engine(home)
    engine.heartbeat()
    path = home / "state" / "status.json"
    good = json.loads(path.read_text())
    for bad in ({**good, "surprise": 1}, {**good, "paused": "yes"}, {**good, "pid": "41022"}):
        path.write_text(json.dumps(bad))
        assert read_status(home / "state") is None
    path.write_text(json.dumps(good)[:50])  # half a file
    assert read_status(home / "state") is None


def test_wait_reads_refusals_and_the_applied_generation_from_the_model(home: Path) -> None:
    engine = make_engine(home)
    engine.heartbeat()
    data = json.loads((home / "state" / "status.json").read_text())
    data.update(observed_generation=3, control_refusal={"generation": 4, "reason": "no such version"})
    doc = StatusDoc.model_validate(data, strict=True)
    assert check(doc, 3).ok  # type: ignore[union-attr]
    refused = check(doc, 4)
    assert refused is not None and not refused.ok and refused.message.endswith("no such version")
    assert check(doc, 5) is None
