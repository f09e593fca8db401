"""A snapshot write killed half-way: the previous snapshot or the new one, never a torn file; and a
snapshot that cannot be read anyway (a hand edit, a disk error) falls back to the journal."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from liveswap.home.snapshots import Snapshot, SnapshotWriter, read_snapshot

from tests.support.engine_helpers import advance, make_engine

WRITER = """
import sys, time
from pathlib import Path
from liveswap.home.snapshots import Snapshot, SnapshotWriter
writer = SnapshotWriter(Path(sys.argv[1]))
blob = "x" * 1_000_000
i = 0
while True:
    i += 1
    writer.write(Snapshot(i, "probe", "1.0.0", {"i": i, "blob": blob}, time.time()), wait=True)
    print(i, flush=True)
"""


def test_snapshot_killed_mid_write_is_the_old_or_the_new_one(tmp_path: Path) -> None:
    rng = random.Random(5)
    outcomes: Counter[str] = Counter()
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "1"  # one whole snapshot exists before the kill
        time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = [int(x) for x in proc.stdout.read().split()]
        proc.stdout.close()
        last_reported = done[-1] if done else 1
        snap = read_snapshot(tmp_path)
        assert snap is not None, "torn or missing snapshot after kill -9"
        assert snap.state is not None and snap.state["i"] == snap.batch_end and len(snap.state["blob"]) == 1_000_000
        # the last write reported done, or the one after it if the kill came between rename and print
        assert snap.batch_end in (last_reported, last_reported + 1)
        outcomes["killed mid-write" if any(tmp_path.glob(".snapshot.json.*.tmp")) else "between writes"] += 1
        SnapshotWriter(tmp_path)  # the next host's writer
        assert not list(tmp_path.glob(".snapshot.json.*.tmp")), "a killed write's temp file was left behind"
    assert outcomes["killed mid-write"] >= 1, outcomes  # the kill did land inside writes


def test_unreadable_snapshot_falls_back_to_replaying_the_whole_journal(home: Path) -> None:
    engine = make_engine(home, snapshot_seconds=3600)
    advance(engine, 1800)
    engine.take_snapshot(wait=True)
    advance(engine, 600)
    engine.journal.close()
    (home / "state" / "snapshot.json").write_text('{"batch_end": 17, "strat')  # torn by hand

    again = make_engine(home, t=engine.clock.now())
    seen = [tuple(x) for x in again.active.runner.export_state()["seen"]]  # type: ignore[index]
    decided = [(r[0], r[1]) for r in again.journal.query("SELECT market, candle_start FROM decisions")]
    assert len(seen) == len(set(seen)) and set(seen) == set(decided)


def test_snapshot_is_replaced_whole_by_the_writer(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    writer.write(Snapshot(1, "probe", "1.0.0", {"a": 1}, 0.0), wait=True)
    writer.write(Snapshot(2, "probe", "1.1.0", {"a": 2}, 0.0), wait=True)
    snap = read_snapshot(tmp_path)
    assert snap is not None and (snap.batch_end, snap.version, snap.state) == (2, "1.1.0", {"a": 2})
