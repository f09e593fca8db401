"""``liveswap web`` as a user starts it: the install hint without the extra, a clear refusal for a busy port."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest
from liveswap.cli import web_cmd
from liveswap.cli.main import main


def test_without_the_web_extra_it_says_in_one_line_how_to_install_it(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(web_cmd.importlib.util, "find_spec",
                        lambda name, *a: None if name in ("starlette", "uvicorn") else real(name, *a))
    assert main(["web", "--home", str(home)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "liveswap: the dashboard needs the 'web' extra: pip install 'liveswap[web]'"


def test_a_port_in_use_is_refused_with_the_reason(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("uvicorn", reason="the 'web' extra (uvicorn) is not installed")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["web", "--home", str(home), "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
