"""The analysis spec: defaults, a TOML file, flags that override it, one-line refusals."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from liveswap.rollout.spec import AnalysisSpec, AnalysisSpecError, add_analysis_flags, spec_from_args


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_analysis_flags(parser)
    return parser.parse_args(list(argv))


def test_defaults_need_no_file() -> None:
    spec = spec_from_args(_parse())
    assert spec == AnalysisSpec()
    assert spec.no_data == "inconclusive"
    design = spec.design(9)
    assert (design.alpha, design.beta, design.min_edge, design.margin, design.horizon) == (0.05, 0.05, 0.0, -0.25, 2000)
    assert design.bound == pytest.approx(45.0)  # 5 per dollar per market, nine markets


def test_the_money_flags_override_the_file(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text("min_edge = 0.1\nmargin = -0.5\nhorizon = 300\n")
    spec = spec_from_args(_parse("--analysis", str(f), "--horizon", "400", "--margin", "-0.2"))
    assert (spec.min_edge, spec.margin, spec.horizon) == (0.1, -0.2, 400)


def test_file_with_an_analysis_table_then_flags_win(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text("[analysis]\nmin_bets = 40\nalpha = 0.01\nmax_drawdown = 25.0\n")
    spec = spec_from_args(_parse("--analysis", str(f), "--alpha", "0.02", "--no-data", "failed"))
    assert (spec.min_bets, spec.alpha, spec.max_drawdown, spec.no_data) == (40, 0.02, 25.0, "failed")


def test_top_level_keys_work_too(tmp_path: Path) -> None:
    f = tmp_path / "a.toml"
    f.write_text("min_edge = 0.1\nfailure_limit = 2\n")
    assert AnalysisSpec.from_toml(f).failure_limit == 2


@pytest.mark.parametrize(("text", "needle"), [
    ("[analysis]\nalpha = 0.7\n", "alpha"),
    ("[analysis]\nmin_bets = 50\nmax_bets = 10\n", "max_bets"),
    ("[analysis]\nsurprise = 1\n", "surprise"),
    ("[analysis]\nno_data = 'maybe'\n", "no_data"),
    ("[analysis]\nmargin = 0.3\n", "margin"),
    ("not toml at all [", "not TOML"),
])
def test_bad_files_are_refused_with_one_line(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "a.toml"
    f.write_text(text)
    with pytest.raises(AnalysisSpecError) as err:
        AnalysisSpec.from_toml(f)
    assert needle in err.value.reason
    assert "\n" not in err.value.reason


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AnalysisSpecError, match="analysis file"):
        spec_from_args(_parse("--analysis", str(tmp_path / "nope.toml")))


def test_bad_flag_value_is_refused() -> None:
    with pytest.raises(AnalysisSpecError, match="beta"):
        spec_from_args(_parse("--beta", "0.9"))
