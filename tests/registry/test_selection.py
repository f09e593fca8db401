"""Which version a spec selects among those scanned, and what a refused one says (liveswap.registry.selection)."""

from __future__ import annotations

from pathlib import Path

import pytest
from liveswap.registry import RegistryError, Report, StrategyVersion
from liveswap.registry.selection import refusal, select, versions_of


def version(v: str, *, source: str = "registry", reasons: tuple[str, ...] = (),
            name: str = "momentum") -> StrategyVersion:
    report = Report(source=source, path=Path(f"{name}-{v}.whl") if source == "registry" else None,  # type: ignore[arg-type]
                    sha256=f"{name}{v}{source}", dist_name=f"{name}-strategy", version=v, kind="strategy",
                    entry_points={name: f"{name}_strategy:Strategy"}, reasons=list(reasons))
    (only,) = versions_of(report)
    return only


def test_the_newest_compatible_version_is_selected_and_a_registry_wheel_wins_a_tie() -> None:
    scanned = [version("1.0.0"), version("1.2.0", source="installed"), version("1.2.0"),
               version("2.0.0", reasons=("needs liveswap>=9",))]
    best = select(scanned, "momentum")
    assert (best.version, best.source) == ("1.2.0", "registry")
    assert select(scanned, "Momentum==1.0.0").version == "1.0.0"
    assert select(scanned, "momentum==2.0").verdict == "refused"  # 2.0 is 2.0.0


def test_nothing_matching_is_one_line_naming_what_there_is() -> None:
    scanned = [version("1.0.0")]
    with pytest.raises(RegistryError, match=r"unknown strategy 'meanrev' \(known: momentum\)"):
        select(scanned, "meanrev")
    with pytest.raises(RegistryError, match=r"momentum 3.0.0 is not in the registry \(versions: 1.0.0\)"):
        select(scanned, "momentum==3.0.0")
    with pytest.raises(RegistryError, match="the registry is empty"):
        select([], "momentum")
    with pytest.raises(RegistryError, match="invalid strategy spec"):
        select(scanned, "momentum>=1")


def test_a_refused_version_says_its_first_reason_and_how_many_more() -> None:
    refused = version("2.0.0", reasons=("needs liveswap>=9", "no wheel for this platform"))
    message = str(refusal(refused, "momentum"))
    assert message.startswith("no compatible version of momentum; newest is refused: needs liveswap>=9")
    assert "(+1 more: liveswap check momentum==2.0.0)" in message
