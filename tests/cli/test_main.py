"""The ``liveswap`` entry point: lazy dispatch, every command listed, quiet on a closed pipe."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from liveswap.cli.main import BROKEN_PIPE_EXIT, COMMANDS

from tests.conftest import BIN
from tests.support.host_process import probe_env, running_host, status_of
from tests.support.wheelkit import make_wheel

HEAVY = ("pydantic", "pydantic_settings", "rich", "loguru", "httpx", "filelock", "liveswap.host",
         "liveswap.engine.loop", "liveswap.settings", "liveswap.venues", "liveswap.registry")


def imported_after(argv: list[str], env: dict[str, str]) -> tuple[int, set[str]]:
    """Run ``main(argv)`` in a fresh interpreter; its exit code and which HEAVY modules it imported."""
    code = ("import json, sys\nfrom liveswap.cli.main import main\n"
            f"rc = main({argv!r})\n"
            f"print(json.dumps([rc, sorted(m for m in {HEAVY!r} if m in sys.modules)]), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    rc, mods = json.loads(done.stderr.strip().splitlines()[-1])
    return rc, set(mods)


def test_help_lists_every_command_without_importing_any(cli_env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "--help"], capture_output=True, text=True,
                          env=cli_env, timeout=60)
    assert done.returncode == 0
    for name in COMMANDS:
        assert f"    {name} " in done.stdout, name
    with pytest.raises(SystemExit):  # in-process too: no command module imported for the listing
        from liveswap.cli.main import build_parser

        build_parser(None).parse_args(["--version"])
    _, mods = imported_after([], cli_env)  # no command: the usage, nothing imported
    assert mods == set()


def test_the_listing_says_what_each_module_registers() -> None:
    """COMMANDS (the lazy listing) and the modules' own ``register`` agree on names and help."""
    for module in sorted({m for m, _ in COMMANDS.values()}):
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered = {a.dest: a.help for a in sub._choices_actions}
        listed = {name: help_text for name, (m, help_text) in COMMANDS.items() if m == module}
        assert registered == listed, module


@pytest.mark.parametrize("group", ["registry", "journal", "fleet"])
def test_a_command_group_without_its_action_shows_its_own_usage_and_exits_2(group: str,
                                                                           cli_env: dict[str, str]) -> None:
    """``liveswap registry`` alone listed the top-level usage with two commands (registry, check) as if
    they were all; each group now shows its own actions."""
    done = subprocess.run([sys.executable, "-m", "liveswap.cli.main", group], capture_output=True, text=True,
                          env=cli_env, timeout=60)
    assert done.returncode == 2
    assert f"usage: liveswap {group} " in done.stdout + done.stderr


STATUS = {"pid": 1, "running": False, "heartbeat_at": 0, "heartbeat_seconds": 1, "observed_generation": 0,
          "paused": False, "active": {"name": "momentum", "version": "1.0.0", "since": 0}, "markets": ["BTC-5m"],
          "balance": 1000.0, "starting_balance": 1000.0, "open_positions": [], "realized_pnl": 0.0}


@pytest.mark.parametrize("argv", [
    ["history"], ["journal", "export", "fills"], ["logs"], ["status"], ["status", "--json"],
    ["activate", "momentum==1.0.0"], ["rollback"], ["pause"], ["pause", "--market", "BTC-5m"], ["resume"],
    ["set", "stake=2"],
])
def test_everyday_commands_import_only_what_they_need(argv: list[str], cli_env: dict[str, str], home: Path) -> None:
    """No pydantic, rich, loguru, httpx, filelock, settings or host: each of them costs interpreter starts."""
    (home / "state" / "logs").mkdir()
    (home / "state" / "logs" / "liveswap.log").write_text("a line\n")
    (home / "state" / "status.json").write_text(json.dumps(STATUS))
    (home / "state" / "control.json").write_text('{"generation": 3}')  # a home in use (a missing one takes the
    _journal(home)                                                     # full path: rebuilt from status.json)
    (home / "state" / "registry").mkdir()  # and a registry scan: activate of a version it found is not re-checked
    (home / "state" / "registry" / "catalog.json").write_text('{"versions": {"momentum": {"1.0.0": "compatible"}}}')
    rc, mods = imported_after(argv, cli_env)
    assert rc == 0 and mods == set()


NEVER = ("pydantic", "pydantic_settings", "loguru", "rich", "httpx", "packaging", "installer", "sqlite3",
         "filelock", "liveswap.settings", "liveswap.registry", "liveswap.home.control", "liveswap.home.status",
         "argparse", "json", "re")
"""What an everyday command must not import: each costs from a few milliseconds (argparse, json, re: about
as much as all the rest of the command) to several interpreter starts (pydantic). ``history`` needs sqlite3."""


def imports_of(argv: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the real console script under ``-X importtime``; what it imported beyond a bare interpreter."""
    def modules(cmd: list[str]) -> tuple[subprocess.CompletedProcess[str], set[str]]:
        done = subprocess.run([sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True, env=env,
                              timeout=120)
        names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                 if line.startswith("import time:") and line.count("|") == 2}
        return done, names

    _, bare = modules(["-c", "pass"])
    done, names = modules([str(BIN / "liveswap"), *argv])
    done.stderr = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))
    return done, names - bare


def test_the_everyday_commands_import_only_what_they_need_on_a_real_home(home: Path, cli_env: dict[str, str]) -> None:
    """status, history, activate, rollback, pause, resume and set, against a real host, through the real console
    script (issue 15): none imports pydantic, the settings, the registry, loguru, rich, httpx, argparse, json or
    re; only history imports sqlite3. ``activate NAME==VERSION`` knows the version from the catalog the host
    wrote at its start. (Not covered, by design: the first edit of a home without control.json, which rebuilds
    the file from status.json through the full model and says so.)"""
    env = probe_env(home, cli_env)
    first = subprocess.run([str(BIN / "liveswap"), "activate", "ctlprobe==1.0.0"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr  # the host starts it; control.json exists from now on
    (home / "state" / "registry" / "catalog.json").unlink()  # that activate's registry scan wrote it: the host
    with running_host(home, env):                            # writes its own at start
        everyday = [["status"], ["status", "--json"], ["history"], ["history", "--json"],
                    ["activate", "ctlprobe==2.0.0", "--wait", "60"], ["rollback", "--wait", "60", "--json"],
                    ["pause", "--market", "BTC-5m"], ["resume", "--wait", "60"], ["set", "stake=2", "--wait", "60"],
                    ["set", "risk.stake_cap=3"], ["activate", "ctlprobe==1.0.0"], ["rollback", "--to", "2.0.0"]]
        for argv in everyday:
            done, imported = imports_of(argv, env)
            assert done.returncode == 0, (argv, done.stderr)
            allowed = {"sqlite3"} if argv[0] == "history" else set()
            heavy = {m for m in imported if m in NEVER or m.split(".")[0] in NEVER or m.rpartition(".")[0] in NEVER}
            assert {m for m in heavy if m.split(".")[0] not in allowed} == set(), argv
        # and they did what they say: the host applied each change
        st = status_of(home)
        assert st["params"] == {"stake": 2} and st["risk"]["stake_cap"] == 3.0 and not st["paused"]
    done, imported = imports_of(["activate", "ctlprobe==9.9.9"], env)  # unknown: refused at once, by the registry
    assert done.returncode == 1 and "ctlprobe 9.9.9 is not in the registry" in done.stderr
    assert "liveswap.registry" in imported
    make_wheel(home / "registry", "ctlprobe-strategy", "3.0.0", ep="ctlprobe", module="ctlprobe_strategy")
    done, imported = imports_of(["activate", "ctlprobe==3.0.0"], env)  # registry/ changed: the catalog is stale
    assert done.returncode == 0 and "liveswap.registry" in imported, done.stderr
    done, imported = imports_of(["activate", "ctlprobe==3.0.0"], env)  # and that check wrote a new one
    assert done.returncode == 0 and "liveswap.registry" not in imported, done.stderr


def _journal(home: Path) -> None:
    from liveswap.journal import Journal

    journal = Journal(home / "state" / "journal.sqlite")
    for i in range(300):
        journal.record_swap(kind="activate", from_version="momentum==1.0.0", to_version=f"momentum==1.0.{i}",
                            ok=i % 2 == 0, reason=f"reason {i}", pause_ms=1.5, batch_end=i)
    journal.close()


def closed_pipe_run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the console script with stdout a pipe whose reader is already gone (``| head`` having exited)."""
    read, write = os.pipe()
    os.close(read)
    env = {k: v for k, v in env.items() if k != "PYTHONUNBUFFERED"}  # buffered, as in a terminal session
    try:
        return subprocess.run([sys.executable, "-m", "liveswap.cli.main", *argv], stdout=write,
                              stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(write)


@pytest.mark.parametrize("argv", [
    ["--help"], ["history"], ["history", "--json"], ["journal", "export", "swaps"],
    ["journal", "export", "swaps", "--format", "jsonl"], ["logs"], ["registry", "list"], ["new", "--help"],
    ["status"], ["status", "--json"], ["pause"], ["check", "--help"],
])
def test_a_closed_pipe_is_quiet(argv: list[str], cli_env: dict[str, str], home: Path) -> None:
    _journal(home)
    (home / "state" / "logs").mkdir()
    (home / "state" / "logs" / "liveswap.log").write_text("a line\n" * 100)
    (home / "state" / "status.json").write_text(json.dumps(STATUS))
    (home / "state" / "control.json").write_text('{"generation": 3}')
    done = closed_pipe_run(argv, cli_env)
    assert done.stderr == ""
    assert done.returncode == BROKEN_PIPE_EXIT  # like a Unix tool killed by SIGPIPE, without a word


def test_an_error_is_one_line_and_exit_1(cli_env: dict[str, str], home: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "liveswap.cli.main", "history"], capture_output=True, text=True,
                          env=cli_env, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("liveswap: no journal at ") and len(done.stderr.splitlines()) == 1


def test_the_everyday_commands_stay_fast_after_shadow_promote_and_reject(home: Path, cli_env: dict[str, str]) -> None:
    """The ``candidate`` a shadow, canary or promote leaves in control.json no longer sends every later command to
    the slow path (issue 24, point 5: pause took 0.58 s after a promote, against 0.04 s)."""
    env = probe_env(home, cli_env)
    first = subprocess.run([str(BIN / "liveswap"), "activate", "ctlprobe==1.0.0"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    with running_host(home, env):
        steps = [["shadow", "ctlprobe==2.0.0", "--wait", "60"], None, ["promote", "--wait", "60"], None,
                 ["shadow", "ctlprobe==1.0.0", "--wait", "60"], ["reject", "--wait", "60"], None]
        for step in steps:
            if step is not None:
                done = subprocess.run([str(BIN / "liveswap"), *step], env=env, capture_output=True, text=True,
                                      timeout=120)
                assert done.returncode == 0, (step, done.stderr)
                continue
            for argv in (["pause", "--market", "BTC-5m"], ["resume", "--wait", "60"], ["set", "stake=2"]):
                done, imported = imports_of(argv, env)
                assert done.returncode == 0, (argv, done.stderr)
                heavy = {m for m in imported if m in NEVER or m.split(".")[0] in NEVER or m.rpartition(".")[0] in NEVER}
                assert heavy == set(), (step, argv, sorted(heavy))
