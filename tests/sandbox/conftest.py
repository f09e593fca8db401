"""Helpers: strategies written as small installed-looking distributions in temp dirs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from liveswap.api import Candle, Context
from liveswap.runners.base import Batch
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.runner import SandboxRunner

HEADER = "from liveswap.api import Intent, hookimpl\n"


def install_strategy(root: Path, name: str, version: str, body: str, *, module: str | None = None) -> Path:
    """Write ``<root>/<name>-<version>/`` holding package ``module`` and its ``*.dist-info``."""
    module = module or f"{name}_strategy"
    target = root / f"{name}-{version}"
    package = target / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(HEADER + textwrap.dedent(body))
    info = target / f"{name}_strategy-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}-strategy\nVersion: {version}\nRequires-Dist: liveswap>=1.0,<2\n"
    )
    (info / "entry_points.txt").write_text(f"[liveswap.strategies]\n{name} = {module}:Strategy\n")
    return target


def nine_candles(close: float = 101.0) -> Batch:
    markets = [f"{a}-{t}" for a in ("BTC", "ETH", "SOL") for t in ("5m", "15m", "1h")]
    ctx = Context(now=300, balance=1000.0, params={"k": 1}, version="1.0.0")
    return Batch(candles=[(Candle(m, m.split("-")[1], 0, 300, 100.0, 102.0, 99.0, close, 5.0, 0.5), ctx)
                          for m in markets])


FAST = SandboxLimits(cpu_seconds=30)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., SandboxRunner]]:
    """Start a runner for a strategy body; every runner is closed after the test."""
    runners: list[SandboxRunner] = []

    def _spawn(body: str, *, name: str = "strat", version: str = "1.0.0", start: bool = True,
               hook_timeout: float = 2.0, limits: SandboxLimits = FAST, module: str | None = None) -> SandboxRunner:
        directory = tmp_path / "versions"
        target = install_strategy(directory, name, version, body, module=module)
        runner = SandboxRunner(name, version, target, limits=limits, hook_timeout=hook_timeout,
                               scratch_root=tmp_path / "scratch")
        runners.append(runner)
        return runner.start() if start else runner

    yield _spawn
    for runner in runners:
        runner.close()
