"""Wald's SPRT on discordant pairs: boundaries, operating characteristic, ASN, pairing."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from liveswap.rollout.sprt import PairedOutcomes, SprtDesign, discordant_theta, odds_ratio_for


def test_oc_meets_the_declared_error_rates_at_both_hypotheses() -> None:
    design = SprtDesign(alpha=0.05, beta=0.2, odds_ratio=odds_ratio_for(0.5, 0.06))
    assert design.oc(0.5) == pytest.approx(1 - 0.05, abs=1e-6)  # accept H0 under H0
    assert design.oc(design.theta1) == pytest.approx(0.2, abs=1e-6)  # accept H0 under H1 = beta


def test_odds_ratio_of_a_six_point_lift_at_fifty_percent() -> None:
    u = odds_ratio_for(0.5, 0.06)
    assert u == pytest.approx(0.56 / 0.44)
    assert discordant_theta(0.56, 0.5) == pytest.approx(u / (1 + u))


def test_theta_does_not_depend_on_the_common_level_only_on_the_odds_ratio() -> None:
    u = 1.5
    for p_a in (0.3, 0.5, 0.7):
        p_c = u * p_a / (1 - p_a) / (1 + u * p_a / (1 - p_a))
        assert discordant_theta(p_c, p_a) == pytest.approx(u / (1 + u))


def test_decisions_at_the_boundaries() -> None:
    design = SprtDesign(0.05, 0.2, 1.5)
    wins_needed = math.ceil(design.upper / design.win_step)
    assert design.decide(design.llr(wins_needed, 0)) == "h1"
    assert design.decide(design.llr(wins_needed - 1, 0)) is None
    losses_needed = math.ceil(design.lower / design.loss_step)
    assert design.decide(design.llr(0, losses_needed)) == "h0"


def test_asn_matches_a_simulation_within_a_tenth() -> None:
    design = SprtDesign(0.05, 0.2, odds_ratio_for(0.5, 0.1))
    rng = random.Random(3)
    for theta in (0.5, design.theta1):
        lengths = []
        for _ in range(3000):
            llr, n = 0.0, 0
            while design.decide(llr) is None:
                llr += design.win_step if rng.random() < theta else design.loss_step
                n += 1
            lengths.append(n)
        assert sum(lengths) / len(lengths) == pytest.approx(design.asn(theta), rel=0.12)


@given(theta=st.floats(0.05, 0.95), start=st.floats(-1.5, 2.5))
def test_oc_is_a_probability_and_asn_is_finite(theta: float, start: float) -> None:
    design = SprtDesign(0.05, 0.2, 1.3)
    p = design.oc(theta, start)
    assert 0.0 <= p <= 1.0
    assert 0.0 <= design.asn(theta, start) < 1e7


@given(theta=st.floats(0.05, 0.95))
def test_oc_falls_as_the_candidate_gets_better(theta: float) -> None:
    design = SprtDesign(0.05, 0.2, 1.3)
    assert design.oc(min(0.95, theta + 0.02)) <= design.oc(theta) + 1e-9


@given(cand=st.lists(st.booleans(), max_size=60), act=st.lists(st.booleans(), max_size=60),
       split=st.integers(0, 60))
def test_pairing_is_order_preserving_and_independent_of_arrival_chunks(cand: list[bool], act: list[bool],
                                                                     split: int) -> None:
    whole = PairedOutcomes()
    whole.add(candidate=cand, active=act)
    chunked = PairedOutcomes()
    chunked.add(candidate=cand[:split])
    chunked.add(active=act[:split])
    chunked.add(candidate=cand[split:], active=act[split:])
    n = min(len(cand), len(act))
    assert whole.pairs == chunked.pairs == n
    assert whole.wins == chunked.wins == sum(1 for c, a in zip(cand[:n], act[:n], strict=True) if c and not a)
    assert whole.losses == chunked.losses == sum(1 for c, a in zip(cand[:n], act[:n], strict=True) if a and not c)
    assert PairedOutcomes.from_dict(chunked.to_dict()) == chunked


def test_design_refuses_meaningless_declarations() -> None:
    with pytest.raises(ValueError):
        SprtDesign(0.0, 0.2, 1.3)
    with pytest.raises(ValueError):
        SprtDesign(0.05, 0.2, 1.0)
    with pytest.raises(ValueError):
        odds_ratio_for(0.5, 0.6)
