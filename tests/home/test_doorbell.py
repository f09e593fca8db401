"""The doorbell: a ring wakes a listening host, and does nothing (and harms nothing) without one."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from liveswap.home.doorbell import Doorbell, ring
from liveswap.home.paths import HomePaths


def test_a_ring_wakes_the_listening_host_and_nobody_after_it_stopped(tmp_path: Path) -> None:
    rung = threading.Event()
    bell = Doorbell(tmp_path, on_ring=rung.set)
    assert bell.start() is None
    try:
        assert ring(tmp_path) is True
        assert rung.wait(5)
        rung.clear()
        for _ in range(10_000):  # more rings than the FIFO holds: none blocks, none fails
            assert ring(tmp_path) is True
        assert rung.wait(5)
    finally:
        bell.close()
    assert not HomePaths(tmp_path).doorbell.exists()
    assert ring(tmp_path) is False


def test_without_a_host_a_ring_is_a_no_op(tmp_path: Path) -> None:
    assert ring(tmp_path) is False  # no doorbell at all
    bell = Doorbell(tmp_path, on_ring=lambda: None)
    assert bell.start() is None
    bell.close()
    os.mkfifo(HomePaths(tmp_path).doorbell)  # a doorbell left behind, nobody listening: no block, no error
    assert ring(tmp_path) is False


def test_a_stray_file_under_the_name_is_never_written_and_the_host_replaces_it(tmp_path: Path) -> None:
    stray = HomePaths(tmp_path).doorbell
    stray.write_text("operator's notes\n")
    assert ring(tmp_path) is False
    assert stray.read_text() == "operator's notes\n"
    target = tmp_path / "elsewhere"
    target.write_text("keep\n")
    stray.unlink()
    stray.symlink_to(target)
    assert ring(tmp_path) is False  # a symlink is not followed
    rung = threading.Event()
    bell = Doorbell(tmp_path, on_ring=rung.set)
    assert bell.start() is None  # state/ is the host's: the stray entry becomes its FIFO
    try:
        assert ring(tmp_path) is True and rung.wait(5)
    finally:
        bell.close()
    assert target.read_text() == "keep\n"
