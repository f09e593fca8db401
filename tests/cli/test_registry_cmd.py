"""``liveswap registry list|add`` and ``liveswap check`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from liveswap.cli import registry_cmd
from liveswap.cli.main import main
from liveswap.registry import Report

from tests.support.wheelkit import make_wheel, tree


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_copies_accepted_wheels_and_refuses_the_rest(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = home.parent / "out"
    good = make_wheel(out, version="1.0.0")
    bad = make_wheel(out, version="1.1.0", requires=["liveswap>=2"], hash_algo="md5")
    code, stdout, stderr = run(capsys, "registry", "add", str(good), str(bad), "--home", str(home))
    assert code == 1
    assert sorted(p.name for p in (home / "registry").iterdir()) == [good.name]
    assert (home / "registry" / good.name).read_bytes() == good.read_bytes()
    assert f"{good.name}: added" in stdout
    lines = stderr.splitlines()
    assert f"liveswap: {bad.name} refused: requires liveswap>=2 but this host is liveswap 1.0.0" in lines
    assert all(line.startswith(f"liveswap: {bad.name} refused: ") for line in lines)
    assert len(lines) == 5  # four md5 hashes and the liveswap requirement, one line each
    # adding the same wheel again is fine; another wheel under the same version is not
    assert run(capsys, "registry", "add", str(good), "--home", str(home))[0] == 0
    other = make_wheel(home.parent / "other", version="1.0.0", body="from liveswap.api import hookimpl\n")
    code, _, stderr = run(capsys, "registry", "add", str(other), "--home", str(home))
    assert code == 1 and "versions are immutable" in stderr


def test_add_accepts_a_dependency_given_in_the_same_command(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = home.parent / "out"
    lib = make_wheel(out, name="helper-lib", version="1.0", ep=None, module="helper_lib", requires=(), body="")
    strategy = make_wheel(out, requires=["liveswap>=1.0,<2", "helper-lib>=1"])
    code, _, stderr = run(capsys, "registry", "add", str(strategy), str(lib), "--home", str(home))
    assert (code, stderr) == (0, "")
    assert len(list((home / "registry").iterdir())) == 2


def test_add_of_a_missing_file_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, "registry", "add", str(home / "nope-1.0-py3-none-any.whl"), "--home", str(home))
    assert code == 1 and "no such file" in stderr


def test_list_json_shows_every_version_with_verdict_and_reasons(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = home.parent / "out"
    for wheel in (make_wheel(out, version="1.0.0"), make_wheel(out, version="2.0.0", requires=["liveswap>=2"])):
        (home / "registry" / wheel.name).write_bytes(wheel.read_bytes())
    code, stdout, _ = run(capsys, "registry", "list", "--json", "--home", str(home))
    assert code == 0
    rows = json.loads(stdout)
    assert [(r["name"], r["version"], r["source"], r["verdict"]) for r in rows] == [
        ("momentum", "1.0.0", "registry", "compatible"), ("momentum", "2.0.0", "registry", "refused")]
    assert rows[1]["reasons"] == ["requires liveswap>=2 but this host is liveswap 1.0.0"]
    assert len(rows[0]["sha256"]) == 64
    code, stdout, _ = run(capsys, "registry", "list", "--home", str(home))
    assert "- requires liveswap>=2 but this host is liveswap 1.0.0" in stdout


def test_check_a_refused_wheel_prints_one_line_per_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make_wheel(tmp_path / "out", requires=["liveswap>=2", "nothere-lib"], ep=None)
    home = tmp_path / "home"
    code, stdout, stderr = run(capsys, "check", str(wheel), "--home", str(home))
    assert code == 1
    assert stderr.splitlines() == [
        "liveswap: refused: requires liveswap>=2 but this host is liveswap 1.0.0",
        "liveswap: refused: no entry point in group liveswap.strategies (entry_points.txt)",
    ]
    assert "verdict:           refused" in stdout
    assert not home.exists()  # checking a wheel writes nothing


def test_check_by_name_and_version(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = make_wheel(home.parent / "out")
    (home / "registry" / wheel.name).write_bytes(wheel.read_bytes())
    code, stdout, stderr = run(capsys, "check", "momentum==1.0.0", "--json", "--home", str(home))
    assert (code, stderr) == (0, "")
    report = json.loads(stdout)
    assert report["verdict"] == "compatible" and report["entry_points"] == {"momentum": "momentum_strategy:Strategy"}
    code, _, stderr = run(capsys, "check", "momentum==3.0", "--home", str(home))
    assert (code, stderr) == (1, "liveswap: momentum 3.0 is not in the registry (versions: 1.0.0)\n")


@pytest.fixture
def failing_load_test() -> Iterator[None]:
    def load_test(report: Report) -> list[str]:
        return [f"load test: {report.dist_name} raised ImportError at import"]

    registry_cmd.LOAD_TESTS.append(load_test)
    yield
    registry_cmd.LOAD_TESTS.remove(load_test)


def test_check_runs_the_load_test_hook_unless_static(home: Path, capsys: pytest.CaptureFixture[str],
                                                     failing_load_test: None) -> None:
    wheel = make_wheel(home.parent / "out")
    code, _, stderr = run(capsys, "check", str(wheel), "--home", str(home))
    assert (code, stderr) == (1, "liveswap: refused: load test: momentum-strategy raised ImportError at import\n")
    assert run(capsys, "check", str(wheel), "--static", "--home", str(home))[0] == 0


def test_the_console_script_exit_codes(home: Path) -> None:
    bad = home.parent / "junk-1.0-py3-none-any.whl"
    bad.write_bytes(b"junk")
    before = tree(home)
    proc = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "check", str(bad), "--home", str(home)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == ("liveswap: refused: not a readable zip archive (corrupt or truncated): "
                           "File is not a zip file\n")
    proc = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "registry", "add", "--home", str(home)],
                          capture_output=True, text=True)
    assert proc.returncode == 2  # usage error: no wheel given
    assert tree(home) == before


def test_check_installs_and_shows_the_lock_then_list_json_carries_it(home: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = home.parent / "out"
    make_wheel(home / "registry", name="tinylib", version="1.0", ep=None, module="tinylib", requires=(),
               body="VERSION = '1.0'\n")
    (home / "liveswap.toml").write_text("offline = true\n")
    wheel = make_wheel(out, requires=["liveswap>=1.0,<2", "tinylib"])
    (home / "registry" / wheel.name).write_bytes(wheel.read_bytes())
    code, stdout, _ = run(capsys, "registry", "list", "--json", "--home", str(home))
    assert [v["lock"] for v in json.loads(stdout)] == [None]  # not installed yet
    code, stdout, stderr = run(capsys, "check", "momentum", "--static", "--home", str(home))
    assert (code, stderr) == (0, "")
    assert "  dependency:        tinylib -> 1.0 (locked)" in stdout
    assert "  locked set:        tinylib==1.0 [" in stdout
    code, stdout, _ = run(capsys, "registry", "list", "--json", "--home", str(home))
    (listed,) = json.loads(stdout)
    assert listed["lock"]["packages"][0]["name"] == "tinylib" and listed["lock"]["sources"]["offline"] is True


def test_check_refuses_an_unresolvable_requirement_in_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "liveswap.toml").write_text("offline = true\n")
    wheel = make_wheel(home.parent / "out", requires=["liveswap>=1.0,<2", "nothere-lib>=1"])
    code, _, stderr = run(capsys, "check", str(wheel), "--static", "--home", str(home))
    assert code == 1
    (line,) = stderr.splitlines()
    assert line.startswith("liveswap: refused: cannot resolve nothere-lib>=1: ") and "nothere-lib" in line[50:]
