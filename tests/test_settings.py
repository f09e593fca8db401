"""Settings precedence: liveswap.toml < LIVESWAP_* environment < command-line flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.settings import load_settings
from pydantic import ValidationError


def test_precedence_toml_env_flags(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "liveswap.toml").write_text('speed = 10\nseed = 3\n[risk]\nstake_cap = 2.0\nmax_open_positions = 4\n')
    s = load_settings(home)
    assert (s.speed, s.seed, s.risk.stake_cap, s.risk.max_open_positions) == (10, 3, 2.0, 4)
    monkeypatch.setenv("LIVESWAP_SPEED", "20")
    monkeypatch.setenv("LIVESWAP_RISK__STAKE_CAP", "1.5")
    s = load_settings(home)
    assert (s.speed, s.risk.stake_cap, s.risk.max_open_positions) == (20, 1.5, 4)
    s = load_settings(home, speed=30.0)
    assert s.speed == 30 and s.home == home.resolve()


def test_home_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVESWAP_HOME", str(tmp_path))
    assert load_settings().state_dir == tmp_path.resolve() / "state"


@pytest.mark.parametrize("toml", ['markets = ["BTC-7x"]', "speed = -1", "[risk]\nstake_cap = 0", "colour = 'red'"])
def test_invalid_settings_are_refused(home: Path, toml: str) -> None:
    (home / "liveswap.toml").write_text(toml + "\n")
    with pytest.raises(ValidationError):
        load_settings(home)
