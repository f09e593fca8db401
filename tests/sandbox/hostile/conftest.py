"""The adversarial suite's fixture: a :class:`~tests.support.hostile.Host` per test, closed after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from liveswap.sandbox.limits import SandboxLimits

from tests.support.hostile import STRICT, Host


@pytest.fixture
def host(home: Path) -> Iterator[Callable[..., Host]]:
    made: list[Host] = []

    def _make(limits: SandboxLimits = STRICT) -> Host:
        made.append(Host(home, limits))
        return made[-1]

    yield _make
    for h in made:
        h.close()
