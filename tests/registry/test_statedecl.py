"""``__liveswap_state__``: read from a wheel's source without importing it; malformed is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.registry import Registry, check_wheel
from liveswap.registry.crossing import Crossing, decide
from liveswap.registry.statedecl import StateDecl

from tests.support.wheelkit import make_wheel, site_install, strategy_source


def declaring(declaration: str, version: str = "1.0.0") -> str:
    return f"__liveswap_state__ = {declaration}\n" + strategy_source(version)


def test_a_declaration_is_read_into_the_report_and_the_listing(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, body=declaring('{"schema": 2, "reads": [1, 2], "writes": [1]}'))
    report = check_wheel(wheel)
    assert report.reasons == []
    assert report.state == {"momentum": StateDecl(schema=2, reads=(1, 2), writes=(1,))}
    assert report.to_dict()["state"] == {"momentum": {"schema": 2, "reads": [1, 2], "writes": [1]}}


def test_a_module_without_a_declaration_has_none_and_is_compatible(tmp_path: Path) -> None:
    report = check_wheel(make_wheel(tmp_path))
    assert report.reasons == [] and report.state == {"momentum": None}


def test_an_annotated_declaration_in_a_submodule_is_found(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, body="", ep_value="momentum_strategy.core:Strategy", files={
        "momentum_strategy/core.py": ("__liveswap_state__: dict = {'schema': 0, 'reads': (0,)}\n"
                                      + strategy_source("1.0.0")).encode()})
    assert check_wheel(wheel).state == {"momentum": StateDecl(schema=0, reads=(0,))}


def test_a_pip_installed_version_is_read_from_its_installed_source(tmp_path: Path) -> None:
    from importlib.metadata import distributions

    from liveswap.registry import check_installed

    site = tmp_path / "site"
    site_install(make_wheel(tmp_path, body=declaring('{"schema": 3, "reads": [2, 3], "writes": [2]}')), site)
    (dist,) = distributions(path=[str(site)])
    report = check_installed(dist)
    assert report.reasons == [] and report.state == {"momentum": StateDecl(3, (2, 3), (2,))}
    (site / "momentum_strategy" / "__init__.py").write_text(declaring("{'schema': 'x', 'reads': [1]}"))
    assert "'schema' holds 'x', not an integer schema" in check_installed(dist).reasons[-1]


MALFORMED = {
    "not a literal": ('dict(schema=1, reads=[1])', "is not a literal (line 1)"),
    "a name inside": ('{"schema": ONE, "reads": [1]}', "is not a literal"),
    "not a dict": ("[1, 2]", "is a list, not a dict"),
    "unknown key": ('{"schema": 1, "reads": [1], "write": [0]}', "unknown key(s) 'write'"),
    "no schema": ('{"reads": [1]}', "has no 'schema'"),
    "no reads": ('{"schema": 1}', "has no 'reads'"),
    "negative schema": ('{"schema": -1, "reads": [-1]}', "'schema' holds -1: a schema is not negative"),
    "float schema": ('{"schema": 1.5, "reads": [1]}', "'schema' holds 1.5, not an integer schema"),
    "bool schema": ('{"schema": True, "reads": [1]}', "'schema' holds True, not an integer schema"),
    "string in reads": ('{"schema": 1, "reads": [1, "2"]}', "'reads' holds '2', not an integer schema"),
    "reads not a list": ('{"schema": 1, "reads": 1}', "'reads' is a int, not a list of schemas"),
    "schema not in reads": ('{"schema": 2, "reads": [1]}', "'reads' [1] does not hold its own schema 2"),
    "writes newer": ('{"schema": 2, "reads": [2], "writes": [3]}', "'writes' holds 3: it may list only layouts older"),
    "negative writes": ('{"schema": 2, "reads": [2], "writes": [-1]}', "'writes' holds -1: a schema is not negative"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_declaration_refuses_the_wheel_with_one_line(case: str, tmp_path: Path) -> None:
    declaration, expected = MALFORMED[case]
    report = check_wheel(make_wheel(tmp_path, body=declaring(declaration)))
    assert report.verdict == "refused"
    (reason,) = report.reasons
    assert reason.startswith("entry point momentum: momentum_strategy: __liveswap_state__ ")
    assert expected in reason and "\n" not in reason


@pytest.mark.parametrize("source, expected", [
    ("__liveswap_state__ = {'schema': 1, 'reads': [1]}\n__liveswap_state__ = {'schema': 2, 'reads': [2]}\n",
     "must be bound exactly once, by a plain module-level assignment (line 2)"),
    ("if True:\n    __liveswap_state__ = {'schema': 1, 'reads': [1]}\n", "must be bound exactly once"),
    ("from elsewhere import __liveswap_state__\n", "must be bound exactly once"),
    ("def f():\n    global __liveswap_state__\n", "must be bound exactly once"),
    ("__liveswap_state__ = {'schema': 1,\n", "cannot be parsed to read __liveswap_state__: SyntaxError"),
])
def test_a_declaration_bound_any_other_way_is_refused(source: str, expected: str, tmp_path: Path) -> None:
    reasons = check_wheel(make_wheel(tmp_path, body=source + strategy_source("1.0.0"))).reasons
    assert len(reasons) == 1 and expected in reasons[0], reasons


def test_registry_scan_lists_the_declaration_and_refuses_a_malformed_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_wheel(home / "registry", version="1.0.0", body=declaring('{"schema": 1, "reads": [1]}'))
    make_wheel(home / "registry", version="1.1.0", body=declaring('{"schema": 2, "reads": [2], "writes": [3]}'))
    first, second = Registry(home).scan()
    assert first.verdict == "compatible" and first.to_dict()["state"] == {"schema": 1, "reads": [1], "writes": []}
    assert second.verdict == "refused" and "'writes' holds 3" in second.reasons[0]


@pytest.mark.parametrize("source, target, expected", [
    (StateDecl(1, (1,)), StateDecl(2, (1, 2), (1,)), Crossing("direct", 1)),
    (StateDecl(2, (1, 2), (1,)), StateDecl(1, (1,)), Crossing("converted", 1)),
    (StateDecl(3, (3,), (1, 2)), StateDecl(1, (1, 2)), Crossing("converted", 2)),
    (StateDecl(2, (1, 2)), StateDecl(1, (1,)), Crossing("none")),
    (StateDecl(2, (2,), (0,)), StateDecl(1, (1,)), Crossing("none")),
    (None, StateDecl(1, (1,)), Crossing("runtime")),
    (StateDecl(1, (1,)), None, Crossing("runtime")),
])
def test_the_crossing_is_decided_from_the_two_declarations(
        source: StateDecl | None, target: StateDecl | None, expected: Crossing) -> None:
    crossing = decide(source, target)
    assert crossing == expected
    assert crossing.carries == (expected.mode != "none")
    assert crossing.export_schema == (expected.schema if expected.mode == "converted" else None)
    assert "\n" not in crossing.describe("1.1.0", "1.0.0")
