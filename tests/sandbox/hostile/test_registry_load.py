"""Nothing unbounded on the trading thread (issue 23): wheels dropped into a running host's
``registry/`` (zip bombs, too many, too large) are read, hashed and checked by the registry's own
scan thread, within the limits of the settings, while the engine keeps deciding candles.

Judged from outside: which thread logged the scan, the candles decided while the scan was held
up, the reasons the registry gives, and the host's memory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from liveswap.host import connect
from loguru import logger

from tests.support.hostile import Host, hostile_wheel, needs_strict
from tests.support.wheelkit import make_wheel

pytestmark = needs_strict


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))


def test_dropped_bombs_are_scanned_off_the_trading_thread_within_the_limits(
        home: Path, host: Callable[..., Host]) -> None:
    (home / "liveswap.toml").write_text("max_wheel_unpacked_bytes = 1048576\nmax_wheel_bytes = 2097152\n"
                                        "max_registry_wheels = 6\n")
    hostile_wheel(home / "registry", "def attack(ctx):\n    pass\n", {})  # a plain strategy that bets
    h = host()
    engine = h.start()
    connect(engine, registry=h.loader)
    scans = h.loader.scans
    threads: list[str] = []
    sink = logger.add(lambda m: threads.append(m.record["thread"].name), filter=lambda r: "registry:" in r["message"])
    before = rss_kib()
    try:
        for i in range(4):  # unpack to 8 MiB each, over the 1 MiB limit: refused unread
            make_wheel(home / "registry", f"bomb{i}-strategy", "1.0.0", ep=f"bomb{i}", module=f"bomb{i}_strategy",
                       files={f"bomb{i}_strategy/zeros.bin": b"\0" * (8 << 20)})
        (home / "registry" / "huge_strategy-1.0.0-py3-none-any.whl").write_bytes(b"\0" * (3 << 20))  # > 2 MiB
        for i in range(3):  # 1 + 4 + 1 + 3 = 9 wheels: the three newest are past max_registry_wheels
            make_wheel(home / "registry", f"late{i}-strategy", "1.0.0", ep=f"late{i}", module=f"late{i}_strategy")
        with h.loader.lock:  # a scan held up as long as we like: trading must not wait for it
            orders, cursor = h.orders(), engine.cursor or 0
            h.attack(1800)
            assert h.orders() > orders and (engine.cursor or 0) >= cursor + 1800, "trading waited for the scan"
        assert h.loader.wait_scanned(60, after=scans) is not None
    finally:
        logger.remove(sink)
    assert threads and set(threads) == {"liveswap-registry-scan"}, threads
    reasons = {r.path.name: r.reasons for r in h.loader.registry.wheel_reports() if r.path is not None}
    for i in range(4):
        (why,) = [r for r in reasons[f"bomb{i}_strategy-1.0.0-py3-none-any.whl"] if "unpacks" in r]
        assert "more than the 1048576 allowed (max_wheel_unpacked_bytes)" in why
    assert "more than the 2097152 allowed (max_wheel_bytes)" in reasons["huge_strategy-1.0.0-py3-none-any.whl"][0]
    late = [name for name, why in reasons.items() if any("max_registry_wheels" in r for r in why)]
    assert len(late) == 3
    assert rss_kib() - before < 32 * 1024
    h.assert_keeps_trading_with_money_intact()
