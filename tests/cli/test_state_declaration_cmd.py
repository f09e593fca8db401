"""``__liveswap_state__`` as a user meets it: ``check`` and ``registry list`` show it, a malformed one
is refused by ``check`` and ``registry add``, and ``check A --against B`` says how state crosses
both ways before any code of either version runs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.support.wheelkit import make_wheel, strategy_source


def declaring(declaration: str, version: str, marker: Path | None = None) -> str:
    """A strategy module declaring ``declaration``; with ``marker``, importing it writes that file."""
    spy = f"open({str(marker)!r}, 'a').write('imported {version}\\n')\n" if marker else ""
    return f"{spy}__liveswap_state__ = {declaration}\n" + strategy_source(version)


def cli(liveswap_bin: Callable[..., list[str]], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(liveswap_bin(*args), capture_output=True, text=True, env=env, timeout=120)


def test_check_against_prints_both_crossings_and_never_imports_either_version(
        tmp_path: Path, home: Path, cli_env: dict[str, str], liveswap_bin: Callable[..., list[str]]) -> None:
    marker = tmp_path / "imported.txt"
    out = tmp_path / "out"
    old = make_wheel(out, version="1.0.0", body=declaring('{"schema": 1, "reads": [1]}', "1.0.0", marker))
    new = make_wheel(out, version="1.1.0",
                     body=declaring('{"schema": 2, "reads": [1, 2], "writes": [1]}', "1.1.0", marker))
    added = cli(liveswap_bin, cli_env, "registry", "add", "--static", str(old), str(new))
    assert added.returncode == 0, added.stderr

    done = cli(liveswap_bin, cli_env, "check", "momentum==1.1.0", "--against", "momentum==1.0.0")
    assert done.returncode == 0, done.stderr
    assert "momentum==1.1.0              schema 2, reads [1, 2], writes [1] [compatible]" in done.stdout
    assert "momentum==1.0.0              schema 1, reads [1] [compatible]" in done.stdout
    assert "momentum==1.0.0 -> momentum==1.1.0: state carried directly (1.1.0 reads schema 1)" in done.stdout
    assert ("momentum==1.1.0 -> momentum==1.0.0: state converted down: 1.1.0 exports schema 1 (its writes), "
            "which 1.0.0 reads") in done.stdout

    as_json = json.loads(cli(liveswap_bin, cli_env, "check", "momentum==1.0.0", "--against", "momentum==1.1.0",
                             "--json").stdout)
    assert [(c["from"], c["to"], c["mode"], c["schema"]) for c in as_json["crossings"]] == [
        ("momentum==1.1.0", "momentum==1.0.0", "converted", 1), ("momentum==1.0.0", "momentum==1.1.0", "direct", 1)]

    listed = cli(liveswap_bin, cli_env, "registry", "list")
    rows = [line.split() for line in listed.stdout.splitlines() if "momentum" in line]
    assert [r[1:2] + r[5:] for r in rows] == [["1.0.0", "1", "r1"], ["1.1.0", "2", "r1,2", "w1"]]
    listed_json = json.loads(cli(liveswap_bin, cli_env, "registry", "list", "--json").stdout)
    assert [r["state"] for r in listed_json] == [{"schema": 1, "reads": [1], "writes": []},
                                                 {"schema": 2, "reads": [1, 2], "writes": [1]}]
    static = cli(liveswap_bin, cli_env, "check", "momentum==1.1.0", "--static")
    assert "  state:             schema 2, reads [1, 2], writes [1]" in static.stdout
    assert not marker.exists()  # not one of those commands ran the strategies' code


def test_check_against_a_version_that_reads_nothing_of_the_other_says_what_happens_instead(
        tmp_path: Path, home: Path, cli_env: dict[str, str], liveswap_bin: Callable[..., list[str]]) -> None:
    out = tmp_path / "out"
    make_wheel(home / "registry", version="1.0.0", body=declaring('{"schema": 1, "reads": [1]}', "1.0.0"))
    newer = make_wheel(out, version="2.0.0", body=declaring('{"schema": 2, "reads": [1, 2]}', "2.0.0"))
    done = cli(liveswap_bin, cli_env, "check", str(newer), "--against", "momentum")  # a wheel file, not added
    assert done.returncode == 0, done.stderr
    assert ("momentum==2.0.0 -> momentum==1.0.0: state not carried (1.0.0 reads none of the schemas 2.0.0 "
            "writes): 1.0.0 starts from its own last state plus a replay, or warms up without state") in done.stdout


def test_a_malformed_declaration_is_refused_by_check_and_registry_add_in_one_line(
        tmp_path: Path, home: Path, cli_env: dict[str, str], liveswap_bin: Callable[..., list[str]]) -> None:
    bad = make_wheel(tmp_path / "out", body=declaring('{"schema": 2, "reads": [1]}', "1.0.0"))
    reason = ("entry point momentum: momentum_strategy: __liveswap_state__ 'reads' [1] does not hold its own "
              "schema 2")
    checked = cli(liveswap_bin, cli_env, "check", str(bad))
    assert checked.returncode == 1
    assert checked.stderr == f"liveswap: refused: {reason}\n"
    assert "  state:             malformed __liveswap_state__ (see the reasons)" in checked.stdout
    added = cli(liveswap_bin, cli_env, "registry", "add", str(bad))
    assert added.returncode == 1
    assert added.stderr == f"liveswap: {bad.name} refused: {reason}\n"
    assert list((home / "registry").iterdir()) == []
