"""``liveswap new``: the scaffolded project builds a valid strategy wheel and passes its own tests."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from liveswap import ENTRY_POINT_GROUP, __version__
from liveswap.scaffold.render import LAYOUT
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).with_name("liveswap")
CLI = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "liveswap.cli.main"]


def liveswap(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def build_wheel(source: Path, out: Path) -> Path:
    """``python -m build --wheel --no-isolation``: offline, with this environment's backends."""
    cmd = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("scaffold") / "demo-strat"
    done = liveswap("new", "demo-strat", "--dir", str(target))
    assert done.returncode == 0, done.stderr
    assert "demo_strat:DemoStrat" in done.stdout
    return target


@pytest.fixture(scope="module")
def wheel(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(project, tmp_path_factory.mktemp("dist"))


def test_new_writes_a_complete_project(project: Path) -> None:
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert files == sorted(dest.replace("__module__", "demo_strat") for dest in LAYOUT.values())
    strategy = (project / "src/demo_strat/strategy.py").read_text()
    for hook in ("setup", "on_candle", "on_fill", "on_settle", "on_params", "export_state", "import_state"):
        assert f"def {hook}(" in strategy


def test_generated_tests_use_only_the_public_api(project: Path) -> None:
    """Issue 24, point 12: a strategy's tests import ``liveswap.api`` and ``liveswap.testing``, never the host's
    internals (``liveswap.runners``...), which may change in any release."""
    import re

    for test in (project / "tests").rglob("*.py"):
        used = set(re.findall(r"^(?:from|import) (liveswap[\w.]*)", test.read_text(), re.M))
        assert used <= {"liveswap.api", "liveswap.testing"}, (test.name, used)


def test_generated_project_passes_its_own_tests(project: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "5 passed" in done.stdout


def test_wheel_declares_the_entry_point_and_the_host_requirement(wheel: Path) -> None:
    assert wheel.name == "demo_strat-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        entry_points = zf.read("demo_strat-1.0.0.dist-info/entry_points.txt").decode()
        metadata = Parser().parsestr(zf.read("demo_strat-1.0.0.dist-info/METADATA").decode())
    assert f"[{ENTRY_POINT_GROUP}]\ndemo-strat = demo_strat:DemoStrat" in entry_points
    (host,) = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    assert host.name == "liveswap" and host.specifier.contains(__version__)
    assert not host.specifier.contains("2.0.0")


def test_wheel_loads_through_its_entry_point_and_trades(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    script = (
        "import sys\n"
        "from liveswap.runners.strategy_plugin import resolve_entry_point\n"
        "from liveswap.testing import StrategyHarness, synthetic_candles\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        f"h = StrategyHarness(resolve_entry_point('demo-strat', path=[{str(site)!r}]))\n"
        "print(len(h.feed(synthetic_candles(count=100))), len(h.rejected))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    intents, rejected = map(int, done.stdout.split())
    assert intents > 0 and rejected == 0


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    done = liveswap("new", "demo", "--dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip() == f"liveswap: {tmp_path} already exists and is not an empty folder"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_fills_an_empty_folder(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert liveswap("new", "x1", "--dir", str(target)).returncode == 0
    assert (target / "pyproject.toml").read_text().count('x1 = "x1:X1"') == 1
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no scratch folder left behind


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Demo", "must be lowercase letters and digits"),
        ("1demo", "must be lowercase letters and digits"),
        ("demo strat", "must be lowercase letters and digits"),
        ("demo--strat", "must be lowercase letters and digits"),
        ("class", "would shadow the Python module 'class'"),
        ("json", "would shadow the Python module 'json'"),
    ],
)
def test_refuses_bad_names_in_one_line_and_writes_nothing(tmp_path: Path, name: str, reason: str) -> None:
    done = liveswap("new", name, cwd=tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and reason in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_host_wheel_ships_the_templates(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(ROOT, tmp_path)) as zf:
        shipped = set(zf.namelist())
    assert {f"liveswap/scaffold/template/{name}" for name in LAYOUT} <= shipped


def readme_commands(readme: str) -> list[str]:
    """The shell lines of the README's indented code blocks, in order."""
    return [line.strip() for line in readme.splitlines() if line.startswith("    ") and line.strip()]



def test_the_readme_commands_work_verbatim_from_the_project_folder(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """The generated README is a script: this host's Python and liveswap, this home, version 1.0.0."""
    home = tmp_path / "bot"
    (home / "registry").mkdir(parents=True)
    project = tmp_path / "src" / "demo-strat"
    env = {k: v for k, v in cli_env.items() if k != "LIVESWAP_HOME"}  # the README says where the home is
    done = subprocess.run([*CLI, "new", "demo-strat", "--dir", str(project), "--home", str(home)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1.0.0" in done.stdout and str(home) in done.stdout
    lines = readme_commands((project / "README.md").read_text())
    assert lines[0] == f"export LIVESWAP_HOME={home}"
    assert all(line.startswith((sys.executable, str(CONSOLE_SCRIPT), "export")) for line in lines), lines
    script = "set -e\n" + "\n".join(lines) + "\n"
    done = subprocess.run(["bash", "-c", script], cwd=project, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (home / "registry" / "demo_strat-1.0.0-py3-none-any.whl").is_file()
    assert "state:             schema 1, reads [1]" in done.stdout  # its declaration, as check reads it
    control = json.loads((home / "state" / "control.json").read_text())
    assert control["params"] == {"stake": 2}  # activate, set and rollback were recorded for the host
    assert not (project / "registry").exists() and not (project / "state").exists()
