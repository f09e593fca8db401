"""Fixtures of the swap tests: engines on the test's home whose strategies run in real sandboxed workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from liveswap.engine.loop import Engine
from liveswap.swap.manager import SwapManager

from tests.support.sandboxed import sandboxed_engine


@pytest.fixture
def engines(home: Path) -> Any:
    """``engines(**settings)``: a sandboxed engine and its swap manager, closed after the test."""
    made: list[tuple[Engine, SwapManager]] = []

    def make(**kw: Any) -> tuple[Engine, SwapManager]:
        pair = sandboxed_engine(home, **kw)
        made.append(pair)
        return pair

    yield make
    for engine, swaps in made:
        swaps.close()
        engine.active.runner.close()
