"""Terminal escapes (issue 23): text a wheel or a strategy wrote never drives the operator's terminal.

Wheel metadata shown by ``check`` and ``registry add``, strategy exception text the host logs and
``logs`` shows, a fault reason that ``activate`` prints: run as the operator runs them (the real
console script), the output holds no ESC, BEL, CR or bidi override, only their escaped spelling.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from liveswap.logs import host_log

from tests.conftest import BIN
from tests.support.wheelkit import make_wheel

ATTACK = "\x1b[2J\x1b]0;owned\x07\r\u202egnp.exe"
RAW = ("\x1b", "\x07", "\r", "\u202e")


def liveswap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), *args], env=env, capture_output=True, text=True, timeout=120)


def assert_clean(*outputs: str) -> None:
    for out in outputs:
        assert not any(ch in out for ch in RAW), repr(out[:300])


def test_check_and_add_show_wheel_metadata_escaped(home: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "wheels", ep="momentum", ep_value=f"momentum_strategy:Strategy{ATTACK}",
                       requires=("liveswap>=1.0,<2", f"evil; extra == '{ATTACK}'"))
    check = liveswap(cli_env, "check", str(wheel), "--static")
    add = liveswap(cli_env, "registry", "add", str(wheel))
    assert check.returncode == add.returncode == 1
    assert_clean(check.stdout, check.stderr, add.stdout, add.stderr)
    assert "\\x1b[2J" in check.stdout and "\\u202e" in check.stdout
    listing = liveswap(cli_env, "registry", "list")
    assert_clean(listing.stdout, listing.stderr)


def test_logs_show_strategy_text_escaped(home: Path, cli_env: dict[str, str]) -> None:
    log = host_log(home / "state")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"12:00:00 WARNING hostile==6.6.6 failed (on_candle raised RuntimeError: {ATTACK}); restarted\n")
    shown = liveswap(cli_env, "logs")
    assert shown.returncode == 0
    assert_clean(shown.stdout, shown.stderr)
    assert "\\x1b]0;owned\\x07" in shown.stdout and "restarted" in shown.stdout


def test_a_backtest_shows_a_strategys_fault_text_escaped(home: Path, cli_env: dict[str, str]) -> None:
    from tests.support.backtest_kit import add_strategy, synthetic_csv

    body = ("from liveswap.api import hookimpl\nclass Strategy:\n    @hookimpl\n"
            f"    def on_candle(self, candle, ctx):\n        raise RuntimeError({ATTACK!r})\n")
    spec = add_strategy(home, "loud", body)
    csv = synthetic_csv(home / "c.csv", hours=1)
    shown = liveswap(cli_env, "backtest", spec, "--candles", f"csv:{csv}")
    assert shown.returncode == 1
    assert_clean(shown.stdout, shown.stderr)
    assert "\\x1b]0;owned\\x07" in shown.stdout and "\\x1b]0;owned\\x07" in shown.stderr
