"""Where a restarted engine, or a freshly started runner, resumes: which snapshot it imports and
from which batch the journal is replayed (liveswap.engine.recovery)."""

from __future__ import annotations

from pathlib import Path

from liveswap.engine.recovery import replay_start, restore_point
from liveswap.home.snapshots import Snapshot

from tests.support.engine_helpers import T0, advance, make_engine


def snap(batch_end: int, name: str = "probe", state: dict[str, int] | None = None) -> Snapshot:
    return Snapshot(batch_end, name, "1.0.0", {"n": 1} if state is None else state, 0.0)


def test_a_snapshot_the_journal_covers_is_imported_and_only_later_batches_replayed(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 1500)
    journal, end = engine.journal, engine.cursor
    assert end is not None
    start = replay_start(snap(end - 600), "probe", journal, end)
    assert start.snapshot == snap(end - 600) and start.since == end - 600


def test_a_snapshot_newer_than_the_journal_replays_the_whole_journal(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 1500)
    journal, end = engine.journal, engine.cursor
    assert end is not None
    first = journal.first_batch_end()
    assert first is not None and first > T0
    for found in (snap(end + 300), None):  # a power cut took the journal's last batches; no snapshot at all
        start = replay_start(found, "probe", journal, end)
        assert start.snapshot is None and start.since == first - 1


def test_a_runner_of_another_strategy_starts_from_the_journal_not_the_snapshot(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 900)
    first = engine.journal.first_batch_end()
    assert first is not None
    assert restore_point(snap(first, name="probe"), "probe", engine.journal).snapshot is not None
    other = restore_point(snap(first, name="probe"), "other", engine.journal)
    assert other.snapshot is None and other.since == first - 1
    stateless = restore_point(Snapshot(first, "probe", "1.0.0", None, 0.0), "probe", engine.journal)
    assert stateless.snapshot is None and stateless.since == first - 1
