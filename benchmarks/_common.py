"""Shared pieces of the benchmarks: percentiles, strategy wheels (a sized state; a threshold
rule), an in-process engine over the synthetic feed and the paper broker (any runner; or with a
real registry, sandboxed workers and a swap manager: no subprocess host, the fastest, least
noisy way to time a commit), the feed's batches, and helpers to drive a real ``liveswap run``.

Nothing here asserts a time; every helper returns what it measured.
"""

from __future__ import annotations

import datetime
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import groupby
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liveswap.api.types import Candle  # noqa: E402
from liveswap.brokers.paper import PaperBroker  # noqa: E402
from liveswap.engine.active import ActiveStrategy  # noqa: E402
from liveswap.engine.loop import Engine  # noqa: E402
from liveswap.feeds.synthetic import SyntheticFeed  # noqa: E402
from liveswap.home.status import read_status  # noqa: E402
from liveswap.host import connect, make_loader, outcome_lookup  # noqa: E402
from liveswap.journal import Journal  # noqa: E402
from liveswap.markets import Market  # noqa: E402
from liveswap.settings import Settings, load_settings  # noqa: E402
from liveswap.swap.manager import SwapManager  # noqa: E402

from tests.support.engine_helpers import T0, ManualClock  # noqa: E402
from tests.support.wheelkit import make_wheel  # noqa: E402

BIN = Path(sys.executable).parent
NAME = "bench"

STRATEGY = '''
from liveswap.api import Intent, hookimpl
VERSION = {version!r}
STATE_BYTES = {state_bytes}

class Strategy:
    """Up after a close above the previous one; keeps a history sized to about STATE_BYTES of JSON."""

    def __init__(self):
        self.last = {{}}
        per = max(1, STATE_BYTES // 20)  # a float is ~20 bytes of JSON
        self.history = [i * 1.000001 for i in range(per)] if STATE_BYTES else []

    @hookimpl
    def on_candle(self, candle, ctx):
        prev = self.last.get(candle.market)
        self.last[candle.market] = candle.close
        if self.history:
            self.history[len(self.last) % len(self.history)] = candle.close
        if prev is not None and candle.close > prev:
            return [Intent(candle.market, "up", 1.0)]
        return [Intent(candle.market, "down", 1.0)]

    @hookimpl
    def export_state(self):
        return {{"last": self.last, "history": self.history}}

    @hookimpl
    def import_state(self, state, from_version):
        self.last = state["last"]
        self.history = state["history"]
'''

THRESHOLD_STRATEGY = '''
from liveswap.api import hookimpl, Intent
class Strategy:
    """Up after a close more than {rise} above the previous one; otherwise no bet."""
    def __init__(self):
        self.last = {{}}
    @hookimpl
    def on_candle(self, candle, ctx):
        prev = self.last.get(candle.market)
        self.last[candle.market] = candle.close
        if prev is not None and candle.close > prev * (1 + {rise!r}):
            return [Intent(candle.market, "up", 1.0)]
        return []
    @hookimpl
    def export_state(self):
        return {{"last": self.last}}
    @hookimpl
    def import_state(self, state, from_version):
        self.last = state["last"]
'''


# ---- figures -------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def p50_p99_max(values: list[float]) -> tuple[float, float, float]:
    return pct(values, 0.5), pct(values, 0.99), max(values) if values else float("nan")


def machine() -> str:
    """One line: date, cores, CPU, Python -- printed at the top of every report."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {sys.version.split()[0]}, {platform.system()} {platform.release()}")


def rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def mib(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 1024 / 1024:.1f}"


# ---- wheels and markets --------------------------------------------------------------------

def strategy_wheel(registry: Path, version: str, state_bytes: int = 0, name: str = NAME) -> Path:
    """A strategy wheel ``name==version`` in ``registry`` whose exported state is ~``state_bytes`` of JSON."""
    return make_wheel(registry, f"{name}-strategy", version, ep=name, module=f"{name}_strategy",
                      body=STRATEGY.format(version=version, state_bytes=state_bytes))


def threshold_wheel(registry: Path, version: str, rise: float, name: str = NAME) -> Path:
    """A strategy wheel ``name==version``: up after a close more than ``rise`` (0.001: 0.1 %) above the last."""
    return make_wheel(registry, f"{name}-strategy", version, ep=name, module=f"{name}_strategy",
                      body=THRESHOLD_STRATEGY.format(rise=rise))


def synthetic_markets(n: int) -> list[str]:
    """``n`` market names: the nine defaults first, then ``A001-5m``, ``A002-15m`` ... (any asset is synthetic)."""
    from liveswap.markets import DEFAULT_MARKETS

    names = list(DEFAULT_MARKETS[:n])
    i = 0
    while len(names) < n:
        i += 1
        names.append(f"A{i:03d}-{'5m' if i % 2 else '15m'}")
    for m in names:
        Market.parse(m)
    return names


# ---- an engine in this process ---------------------------------------------------------------

def paper_engine(settings: Settings, active: ActiveStrategy | Callable[[Settings], ActiveStrategy],
                 journal: type[Journal] = Journal) -> Engine:
    """A recovered engine over ``settings``' home, as the host builds it: the synthetic feed, the
    paper broker, a ManualClock at T0; ``active`` is the strategy (or makes it from the settings)."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    feed = SyntheticFeed(settings.markets, seed=settings.seed)
    clock = ManualClock(T0)
    broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    strategy = active if isinstance(active, ActiveStrategy) else active(settings)
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal(settings.state_dir / "journal.sqlite"),
                    clock=clock, active=strategy)
    engine.recover(T0)
    return engine


def batches(engine: Engine, n: int) -> list[tuple[int, list[Candle]]]:
    """The first ``n`` five-minute batches of ``engine``'s feed after T0, as ``(close time, candles)``."""
    candles = engine.feed.closed_candles(T0, T0 + n * 300)
    return [(end, list(group)) for end, group in groupby(candles, key=lambda c: c.end)]


def sandboxed_engine(home: Path, markets: list[str] | None = None, start: str = f"{NAME}==1.0.0",
                     probation: int = 0, journal: type[Journal] = Journal) -> tuple[Engine, SwapManager]:
    """An engine on a ManualClock over ``home`` (wheels already in ``home/registry``), as the host builds it."""
    flags: dict[str, Any] = {"hook_timeout_seconds": 30.0, "snapshot_seconds": 1e9, "heartbeat_seconds": 1e9,
                             "max_state_bytes": 1 << 30}  # states up to 10 MB are measured
    if markets is not None:
        flags["markets"] = markets
    settings = load_settings(home, **flags)
    settings.risk.max_open_positions = 10_000
    settings.risk.daily_loss_limit = 1e12
    settings.paper.starting_balance = 1e12
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    loader = make_loader(settings)
    engine = paper_engine(settings, loader.load(start), journal)
    engine.journal.record_swap(kind="start", from_version=None, to_version=engine.active.spec, ok=True,
                               batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=probation)
    connect(engine, swaps=swaps)
    return engine, swaps


def advance(engine: Engine, batches: int) -> int:
    """Decide ``batches`` five-minute batches, as a live host would; returns candles decided."""
    before = engine.candles_processed
    for _ in range(batches):
        engine.clock.t += 300  # type: ignore[attr-defined]
        engine.catch_up(engine.clock.now())
    return engine.candles_processed - before


def swap(engine: Engine, swaps: SwapManager, spec: str) -> float:
    """Prepare ``spec`` off the trading path, commit it at the next boundary; the commit's pause in ms."""
    out: list[str | None] = []
    swaps.request(kind="activate", spec=spec, generation=1, done=out.append)
    if not swaps.wait_prepared(120):
        raise RuntimeError(f"{spec} was not prepared in 120 s")
    swaps.tick(engine)
    if out != [None]:
        raise RuntimeError(f"swap to {spec} refused: {out}")
    return engine.swap_pauses_ms[-1]


def close_engine(engine: Engine, swaps: SwapManager) -> None:
    swaps.close()
    engine.active.runner.close()
    engine.flush_snapshot()  # a snapshot still being written would race the temporary home's removal
    engine.journal.close()


# ---- the journal ---------------------------------------------------------------------------

def journal_gaps(journal: Path) -> tuple[int, int, int]:
    """(candles decided, candles missing, markets) from the decisions table: per market, every
    window between its first and last decided candle must be there exactly once."""
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT market, MIN(candle_start), MAX(candle_start), COUNT(*) FROM decisions "
                          "GROUP BY market").fetchall()
    finally:
        db.close()
    decided = missing = 0
    for market, first, last, count in rows:
        expected = (last - first) // Market.parse(market).seconds + 1
        decided += count
        missing += expected - count
    return decided, missing, len(rows)


def decisions_by(journal: Path, version: str) -> int:
    try:
        db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=0.05)
        try:
            return int(db.execute("SELECT COUNT(*) FROM decisions WHERE version = ?", (version,)).fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


# ---- a real host ---------------------------------------------------------------------------

def host_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env.update(LIVESWAP_HOME=str(home), LIVESWAP_INSTALLED_STRATEGIES="false",  # only this home's wheels
               LIVESWAP_PROBATION_BATCHES="2", LIVESWAP_LOG_LEVEL="WARNING",
               LIVESWAP_RISK__DAILY_LOSS_LIMIT="1000000000", LIVESWAP_PAPER__STARTING_BALANCE="1000000000",
               LIVESWAP_RISK__MAX_OPEN_POSITIONS="100000", **extra)
    return env


def liveswap(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def start_host(env: dict[str, str], speed: float, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(BIN / "liveswap"), "run", "--speed", str(speed), *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def until(predicate: Callable[[], Any], timeout: float = 60.0, poll: float = 0.002) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError("timed out")


def host_trading(home: Path, proc: subprocess.Popen[bytes]) -> dict[str, Any] | None:
    st = read_status(home / "state")
    if proc.poll() is not None:
        raise RuntimeError(f"host exited with {proc.returncode}")
    return st.to_json() if st and st.pid == proc.pid and st.running and st.cursor else None


def stop_host(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class NoWriteJournal(Journal):
    """Reads like the journal; writes nothing: the candle path without journaling (a baseline)."""

    def record_risk_event(self, **kw: Any) -> None:
        return None

    def write_batch(self, *args: Any, **kw: Any) -> None:
        return None

    def record_order_results(self, *args: Any, **kw: Any) -> None:
        return None

    def record_settlements(self, rows: Any) -> Any:
        return list(rows)

    def order_exists(self, client_order_id: str) -> bool:
        return False
