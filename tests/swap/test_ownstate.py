"""Each version's own last state, on disk: a version resumes its own, or the newest one of a layout it
declares it reads; never one it cannot read; a damaged file is skipped, not fatal."""

from __future__ import annotations

from pathlib import Path

from liveswap.swap.ownstate import VersionStates


def test_a_version_resumes_its_own_or_the_newest_state_of_a_schema_it_reads(tmp_path: Path) -> None:
    kept = VersionStates(tmp_path)
    kept.put(name="m", version="1.0.0", schema=1, batch_end=100, state={"v": "1.0.0"})
    kept.put(name="m", version="1.2.0", schema=1, batch_end=300, state=b'{"v":"1.2.0"}')  # a worker's JSON bytes
    kept.put(name="m", version="2.0.0", schema=2, batch_end=500, state={"v": "2.0.0"})
    kept.put(name="other", version="1.0.0", schema=1, batch_end=900, state={"v": "other"})

    mine = kept.own(name="m", version="1.0.0", reads=(1,))
    assert mine is not None and (mine.version, mine.batch_end, mine.state) == ("1.2.0", 300, {"v": "1.2.0"})
    undeclared = kept.own(name="m", version="1.0.0", reads=None)  # no declaration: only its own version's
    assert undeclared is not None and undeclared.state == {"v": "1.0.0"}
    assert kept.own(name="m", version="3.0.0", reads=(3,)) is None  # nothing it reads: it warms up
    assert kept.own(name="m", version="1.5.0", reads=(1, 2)).state == {"v": "2.0.0"}  # type: ignore[union-attr]

    (kept.folder / "m" / "2.0.0.json").write_text("{not json")
    assert kept.own(name="m", version="1.5.0", reads=(1, 2)).version == "1.2.0"  # type: ignore[union-attr]
    assert VersionStates(tmp_path).own(name="m", version="1.0.0", reads=(1,)) is not None  # survives a restart
