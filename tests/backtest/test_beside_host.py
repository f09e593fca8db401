"""A backtest beside a running host changes nothing of it: its journal, control.json, paper book
and process are byte for byte and pid for pid what they were."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.support.backtest_kit import FAVOURITE, LEDGER_SENSITIVE, T0, add_strategy, backtest_json, synthetic_csv
from tests.support.host import BIN, ls, running_host, status, until

LIVE_FILES = ("journal.sqlite", "journal.sqlite-wal", "control.json", "paper_broker.sqlite", "paper_broker.sqlite-wal")


def snapshot(state: Path) -> dict[str, bytes | None]:
    return {name: (state / name).read_bytes() if (state / name).exists() else None for name in LIVE_FILES}


def quiet(home: Path, host: subprocess.Popen[str], beats: int = 3) -> Callable[[], dict[str, bytes | None] | None]:
    """A condition: the host's files, once unchanged over ``beats`` of its heartbeats (it is idle)."""
    seen: list[tuple[float, dict[str, bytes | None]]] = []

    def check() -> dict[str, bytes | None] | None:
        beat = status(home, host).get("heartbeat_at")
        if beat is None or (seen and beat == seen[-1][0]):
            return None
        now = snapshot(home / "state")
        seen.append((beat, now))
        recent = seen[-beats:]
        return now if len(recent) == beats and all(files == now for _, files in recent) else None

    return check


def test_a_backtest_beside_a_running_host_leaves_its_files_and_process_alone(home: Path, cli_env: dict[str, str]
                                                                            ) -> None:
    spec = add_strategy(home, "sensitive", LEDGER_SENSITIVE)
    other = add_strategy(home, "favourite", FAVOURITE)
    env = {**cli_env, "LIVESWAP_STRATEGY": spec, "LIVESWAP_WARMUP_SECONDS": "0",
           "LIVESWAP_STALE_AFTER_SECONDS": "1000000", "LIVESWAP_HEARTBEAT_SECONDS": "0.2"}
    first = synthetic_csv(home / "first.csv", hours=3)
    done = subprocess.run([str(BIN / "liveswap"), "run", "--feed", f"csv:{first}", "--speed", "3000"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ls(env, "set", "stake=2").returncode == 0  # a control.json with params the backtest reads

    # the same home's host again, on candles a day ahead at real speed: it runs, idle between batches
    later = synthetic_csv(home / "later.csv", hours=1, start=T0 + 86_400)
    with running_host(home, {**env, "LIVESWAP_FEED": f"csv:{later}"}, speed=1) as host:
        before = until(quiet(home, host), what="the host's start-up writes (control.json applied, journaled) to end")
        assert before["journal.sqlite"] and before["control.json"]
        result = backtest_json(env, spec, "--against", other)  # from the journal the host is running on
        assert result["versions"][0]["candles"] == 3 * 12 * 5 + 3 * 4 * 4
        assert result["versions"][0]["bets"] > 0
        assert snapshot(home / "state") == before
        assert host.poll() is None and status(home, host).get("running")
