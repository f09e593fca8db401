"""The everyday commands' plain command lines read without argparse: exactly what argparse reads."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

import pytest
from liveswap.cli.fastargs import Shape, parse
from liveswap.cli.main import COMMANDS
from liveswap.cli.parser import build_parser

FAST = {name: getattr(importlib.import_module(module), "FAST_ARGS", {}).get(name)
        for name, (module, _help) in COMMANDS.items()}
FAST = {name: found for name, found in FAST.items() if found is not None}


def subparser(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]


def test_the_everyday_commands_have_a_shape() -> None:
    assert set(FAST) == {"status", "history", "activate", "rollback", "pause", "resume", "set"}


@pytest.mark.parametrize("command", sorted(FAST))
def test_each_shape_has_the_options_argparse_is_given(command: str) -> None:
    shape: Shape = FAST[command][0]
    flags, values, appends, slow, positional = set(), {}, set(), {}, None
    for action in subparser(command)._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            positional = (action.dest, action.nargs == "+")
            assert action.nargs in (None, "+"), command
            continue
        (option,) = [o for o in action.option_strings if o.startswith("--")]
        assert action.dest == option[2:].replace("-", "_")
        if isinstance(action, argparse._StoreTrueAction):
            flags.add(option)
        elif isinstance(action, argparse._AppendAction) and action.type is None and action.nargs is None:
            appends.add(option)
        elif type(action) is argparse._StoreAction and action.nargs is None and action.default is None:
            values[option] = action.type or str
        else:
            slow[option] = action.default
    assert set(shape.flags) == flags
    assert shape.values == values
    assert set(shape.appends) == appends
    assert shape.slow == slow
    assert (shape.positional, shape.many) == (positional or (None, False))


LINES = [
    ["status"], ["status", "--json"], ["status", "--home", "/h", "--json"], ["status", "--home=/h"],
    ["history"], ["history", "--json", "--home", "x"],
    ["activate", "momentum==1.0.0"], ["activate", "--json", "m"], ["activate", "m", "--wait", "5"],
    ["activate", "m", "--wait=0.5", "--home", "h", "--home", "h2"], ["activate", "m", "--wait", "inf"],
    ["rollback"], ["rollback", "--to", "1.0.0"], ["rollback", "--to=1.0.0", "--wait", "3", "--json"],
    ["pause"], ["pause", "--market", "BTC-5m"], ["pause", "--market", "BTC-5m", "--market=ETH-5m", "--json"],
    ["resume", "--market", "BTC-5m", "--wait", "2"], ["resume"],
    ["set", "stake=2"], ["set", "stake=2", "risk.stake_cap=3", "--json"], ["set", "--wait", "1", "a=b", "c="],
    ["set", "a=1", "--json", "b=2"], ["activate", "a", "b"], ["activate"], ["set"], ["pause", "x"],
    ["status", "--watch"], ["status", "--watch", "3"], ["activate", "--help"], ["pause", "-h"],
    ["activate", "m", "--wai", "3"], ["activate", "--", "m"], ["activate", "m", "--wait", "soon"],
    ["activate", "m", "--wait", "-1"], ["pause", "--market"], ["history", "--json=1"], ["pause", "--bogus"],
    ["status", "extra"], ["activate", "-m"], ["--version", "status"], ["set", "-1=2"],
]


def argparse_reads(argv: list[str]) -> dict[str, Any] | None:
    try:
        args = build_parser(argv[0] if not argv[0].startswith("-") else None).parse_args(argv)
    except SystemExit:
        return None
    return vars(args)


@pytest.mark.parametrize("argv", LINES, ids=" ".join)
def test_a_line_read_fast_is_read_as_argparse_reads_it(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    command = argv[0]
    fast = parse(argv, command, *FAST[command]) if command in FAST else None
    slow = argparse_reads(argv)
    capsys.readouterr()
    if fast is None:
        return  # argparse reads it (and words its errors)
    assert slow is not None, f"{argv}: argparse refuses what the fast path took: {fast}"
    got = dict(vars(fast))
    assert got.pop("func") is slow.pop("func")
    assert got == slow


def test_plain_lines_are_read_fast_and_doubtful_ones_are_left_to_argparse() -> None:
    def fast(*argv: str) -> Any:
        return parse(list(argv), argv[0], *FAST[argv[0]])

    assert fast("pause", "--market", "A", "--market=B").market == ["A", "B"]
    assert fast("set", "x=1", "y=2").assignments == ["x=1", "y=2"]
    assert fast("activate", "m", "--wait", "2").wait == 2.0
    for doubtful in (["activate", "--help"], ["activate", "m", "--wai", "3"], ["activate", "--", "m"],
                     ["activate", "m", "--wait", "soon"], ["activate", "m", "--wait", "-1"],
                     ["set", "a=1", "--json", "b"], ["status", "--watch"], ["pause", "--market"],
                     ["history", "--json=1"], ["activate", "a", "b"]):
        assert fast(*doubtful) is None, doubtful
