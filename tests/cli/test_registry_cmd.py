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

from tests.support.wheelkit import make_wheel, site_install, tree


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


def test_add_refuses_a_library_registry_holds_strategies_only(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = home.parent / "out"
    lib = make_wheel(out, name="helper-lib", version="1.0", ep=None, module="helper_lib", requires=(), body="")
    strategy = make_wheel(out, requires=["liveswap>=1.0,<2"])
    code, _, stderr = run(capsys, "registry", "add", str(strategy), str(lib), "--home", str(home))
    assert code == 1
    assert "not a strategy (no entry point in group liveswap.strategies)" in stderr and "wheelhouse" in stderr
    assert [p.name for p in (home / "registry").iterdir()] == [strategy.name]


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


def test_list_marks_the_active_version_and_which_of_two_copies_wins(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    for version in ("1.0.0", "1.1.0"):
        wheel = make_wheel(out, version=version)
        (home / "registry" / wheel.name).write_bytes(wheel.read_bytes())
    site = tmp_path / "site"
    site_install(make_wheel(tmp_path / "pip", version="1.1.0"), site)  # the same version, pip-installed
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("LIVESWAP_INSTALLED_STRATEGIES", "true")  # this test asks for installed strategies
    sha = {p.name: __import__("hashlib").sha256(p.read_bytes()).hexdigest() for p in (home / "registry").iterdir()}
    (home / "state").mkdir(exist_ok=True)
    (home / "state" / "status.json").write_text(json.dumps({"active": {
        "name": "momentum", "version": "1.1.0", "wheel_sha256": sha["momentum_strategy-1.1.0-py3-none-any.whl"],
        "since": 0}}))

    code, stdout, _ = run(capsys, "registry", "list", "--json", "--home", str(home))
    assert code == 0
    rows = {(r["version"], r["source"]): r for r in json.loads(stdout)}
    assert set(rows) == {("1.0.0", "registry"), ("1.1.0", "registry"), ("1.1.0", "installed")}
    assert [k for k, r in rows.items() if r["active"]] == [("1.1.0", "registry")]
    assert "wins" in rows[("1.1.0", "registry")]["note"]
    assert "shadowed by the registry wheel" in rows[("1.1.0", "installed")]["note"]
    assert rows[("1.0.0", "registry")]["note"] == ""

    code, stdout, _ = run(capsys, "registry", "list", "--home", str(home))
    active_lines = [line for line in stdout.splitlines() if line.startswith("*")]
    assert len(active_lines) == 1 and "1.1.0" in active_lines[0] and "registry" in active_lines[0]


def test_add_refuses_to_make_a_home_of_a_project_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "my-strategy"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    wheel = make_wheel(project / "dist")
    monkeypatch.chdir(project)
    monkeypatch.delenv("LIVESWAP_HOME", raising=False)
    code, _, stderr = run(capsys, "registry", "add", str(wheel))
    assert code == 1
    assert "not a liveswap home" in stderr and "--home" in stderr and "LIVESWAP_HOME" in stderr
    assert sorted(p.name for p in project.iterdir()) == ["dist", "pyproject.toml"]  # no registry/, no state/
    fresh = tmp_path / "new-home"  # a folder that is not a project: becomes a home, and says so
    code, _, stderr = run(capsys, "registry", "add", str(wheel), "--home", str(fresh))
    assert code == 0 and "creating a new home" in stderr
    assert (fresh / "registry" / wheel.name).is_file()


def _journal_with(home: Path, *swaps: tuple[str, str]) -> None:
    from liveswap.journal import Journal

    journal = Journal(home / "state" / "journal.sqlite")
    try:
        for spec, sha in swaps:
            journal.record_swap(kind="activate", from_version=None, to_version=spec, ok=True, sha256=sha)
    finally:
        journal.close()


def test_prune_keeps_what_a_wheel_the_host_or_a_rollback_needs_and_removes_the_rest(
        home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from liveswap.registry import Registry

    out = tmp_path / "out"
    wheels = {v: make_wheel(out, version=v) for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0")}
    for w in wheels.values():
        (home / "registry" / w.name).write_bytes(w.read_bytes())
    registry = Registry(home)
    installed = {v: registry.install(registry.resolve(f"momentum=={v}")).path.parent for v in wheels}  # env dirs
    sha = {v: __import__("hashlib").sha256(w.read_bytes()).hexdigest() for v, w in wheels.items()}
    crashed = home / "state" / "versions" / ".tmp-momentum-strategy-9.9.9-abcdefabcdef-x1y2"
    crashed.mkdir()
    # 1.0.0 was active before 1.1.0 (the rollback target), 1.1.0 runs; 1.2.0 and 1.3.0 lose their wheels,
    # and 1.3.0 was active long ago
    _journal_with(home, ("momentum==1.3.0", sha["1.3.0"]), ("momentum==1.0.0", sha["1.0.0"]),
                  ("momentum==1.1.0", sha["1.1.0"]))
    for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0"):
        (home / "registry" / wheels[v].name).unlink()
    (home / "registry" / wheels["1.2.0"].name).write_bytes(wheels["1.2.0"].read_bytes())  # 1.2.0's wheel is back

    code, stdout, _ = run(capsys, "registry", "prune", "--dry-run", "--home", str(home))
    assert code == 0 and "would remove 2 install(s)" in stdout
    assert all(p.exists() for p in installed.values()) and crashed.exists()

    code, stdout, _ = run(capsys, "registry", "prune", "--json", "--home", str(home))
    result = json.loads(stdout)
    assert code == 0
    assert sorted(Path(p).name for p in result["removed"]) == sorted([installed["1.3.0"].name, crashed.name])
    kept = {Path(p).name: why for p, why in result["kept"].items()}
    assert "active" in kept[installed["1.1.0"].name]
    assert "rollback target" in kept[installed["1.0.0"].name]
    assert "registry wheel" in kept[installed["1.2.0"].name]
    assert not installed["1.3.0"].exists() and installed["1.2.0"].exists()


def test_check_installs_and_shows_the_lock_then_list_json_carries_it(home: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = home.parent / "out"
    make_wheel(home / "wheelhouse", name="tinylib", version="1.0", ep=None, module="tinylib", requires=(),
               body="VERSION = '1.0'\n")
    (home / "liveswap.toml").write_text('offline = true\nwheelhouse = "wheelhouse"\n')
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
    (home / "liveswap.toml").write_text('offline = true\nwheelhouse = "wheelhouse"\n')
    wheel = make_wheel(home.parent / "out", requires=["liveswap>=1.0,<2", "nothere-lib>=1"])
    code, _, stderr = run(capsys, "check", str(wheel), "--static", "--home", str(home))
    assert code == 1
    (line,) = stderr.splitlines()
    assert line.startswith("liveswap: refused: cannot resolve nothere-lib>=1: ") and "nothere-lib" in line[50:]
