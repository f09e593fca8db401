"""``liveswap fleet status|rollout|undo`` as a user meets it without a fleet: one line, the right exit status."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.cli.main import main


@pytest.mark.parametrize("argv", [["fleet", "status"], ["fleet", "status", "--json"], ["fleet", "undo"],
                                  ["fleet", "rollout", "momentum==1.1.0"]])
def test_without_a_fleet_each_command_refuses_in_one_line_naming_the_setting(
        argv: list[str], home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("LIVESWAP_FLEET__URL", raising=False)
    assert main([*argv, "--home", str(home)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("liveswap: no fleet: set LIVESWAP_FLEET__URL=")


def test_a_malformed_spec_is_a_usage_error_as_for_activate(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "rollout", "bad name!", "--home", str(home)]) == 2
    assert "'bad name!' is not NAME or NAME==VERSION" in capsys.readouterr().err
