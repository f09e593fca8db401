"""The human ``status``: every figure an operator asks for, times labelled, hostile text inert."""

from __future__ import annotations

import time

from liveswap.cli.status_view import render

from tests.support.status_docs import NOW, status


def line(text: str, key: str) -> str:
    """The value shown for ``key`` in the header grid."""
    return next(x for x in text.splitlines() if x.startswith(key + " "))[len(key):].strip()


def test_shows_params_limits_daily_loss_equity_and_labelled_times() -> None:
    text = render(status(), desired=7, now=NOW)
    assert line(text, "host").split(",")[0].endswith("running")
    assert "equity at cost 995.10 = cash 990.00 + 5.10 in 1 open position" in line(text, "money")
    assert line(text, "risk") == ("stake cap 3.00, open positions 1 of 9, daily loss 12.40 of 50.00 used "
                                  "(the simulated UTC day)")
    assert line(text, "params").endswith('{"stake": 2}')
    clock = line(text, "clock")
    assert "simulated 2023-11-14 22:15 UTC sim (x300)" in clock and "; wall " in clock
    assert "wall" in line(text, "active") and "wall" in line(text, "snapshot")
    assert "activate momentum==1.0.0 -> momentum==1.1.0 ok, trading paused 3.14 ms" in line(text, "last swap")
    assert "PAUSED: markets SOL-5m" in line(text, "trading")
    assert "UTC sim" in text.split("open positions")[-1]  # settlement times are on the simulated clock


def test_never_pause_none_and_no_stale_refusal() -> None:
    refused = {"kind": "activate", "from": "momentum==1.1.0", "to": "momentum==9.0.0", "ok": False,
               "reason": "unknown version", "pause_ms": None, "generation": 8, "at": NOW}
    text = render(status(last_swap=refused, control_refusal={"generation": 8, "reason": "unknown version"}),
                  desired=8, now=NOW)
    assert "None" not in text
    assert "REFUSED" in line(text, "last swap") and "nothing changed" in line(text, "last swap")
    assert line(text, "refused").endswith("generation 8: unknown version")
    # the operator asked again since (generation 9): the old refusal is history (liveswap history), not status
    text = render(status(control_refusal={"generation": 8, "reason": "unknown version"}), desired=9, now=NOW)
    assert "refused " not in text and "9 pending" in line(text, "control")
    auto = {"kind": "auto-rollback", "from": "momentum==1.1.0", "to": "momentum==1.0.0", "ok": True,
            "reason": "worker crashed", "pause_ms": None, "at": NOW}
    assert "paused" not in line(render(status(last_swap=auto), now=NOW), "last swap")


def test_a_stopped_or_silent_host_is_said_so() -> None:
    assert "not running: pid 4242 stopped" in line(render(status(running=False), now=NOW), "host")
    silent = line(render(status(heartbeat_at=NOW - 600), now=NOW), "host")
    assert silent.startswith("not running: pid 4242 stopped answering") and "10 min ago" in silent


def test_hostile_text_from_strategies_is_shown_as_written() -> None:
    hostile = "RuntimeError: [/] and [bold]x \x1b[2J"
    text = render(status(last_fault=hostile, control_error="control.json [red]x[/red]",
                         control_refusal={"generation": 7, "reason": hostile},
                         by_version={"[bold]x": {"bets": 1, "wins": 0, "pnl": -1.0, "win_rate": 0.0}},
                         stale_markets={"BTC-5m": "[/] gone"}), desired=7, now=time.time())
    assert "[/] and [bold]x \\x1b[2J" in line(text, "last fault")
    assert "\x1b" not in text
    assert "control.json [red]x[/red]" in text and "[bold]x" in text and "[/] gone" in text


def test_a_live_feed_clock_skew_is_shown() -> None:
    shown = render(status(clock_skew_seconds=-1.25), desired=None, now=NOW)
    assert "-1.25 s against the venue's server time" in shown
    assert "clock skew" not in render(status(), desired=None, now=NOW)  # a feed that does not measure it


def test_equity_is_at_cost_as_filled_not_the_stakes_asked() -> None:
    """Issue 24, point 3: a $2 stake filled for 1.62 plus a 0.06 fee counts 1.68, not 2.00."""
    pos = {"order_id": "o1", "market": "BTC-5m", "side": "up", "stake": 2.0, "cost": 1.62, "price": 0.54,
           "shares": 3.0, "fee": 0.06, "window_start": 1_700_000_100, "window_end": 1_700_000_400, "version": "1.1.0"}
    text = render(status(balance=939.06, open_positions=[pos]), desired=7, now=NOW)
    assert line(text, "money").startswith("equity at cost 940.74 = cash 939.06 + 1.68 in 1 open position")
    assert "1.68" in text.split("open positions")[-1]  # the table shows what it cost beside what was asked


def test_a_tripped_latch_says_once_how_to_lift_it_and_times_say_ago_once() -> None:
    """Issue 24, point 12: "32.3 s ago ago" and the daily-loss advice printed twice."""
    reason = ("daily loss limit reached (51.00 >= 50.00): no new positions until the next UTC day or "
              "`liveswap resume --lift-daily-loss`")
    text = render(status(daily_loss={"limit": 50.0, "used": 51.0, "tripped": True, "reason": reason},
                         reconcile={"ok": True, "halted": False, "checked_at": NOW - 32.3, "checks": 4}),
                  desired=7, now=NOW)
    assert text.count("--lift-daily-loss") == 1 and text.count("until the next UTC day") == 1
    assert "ago ago" not in text and "last 32.3 s ago)" in text
