"""The human ``liveswap status``: a status document (the JSON of ``state/status.json``) as text.

Plain text through :mod:`liveswap.cli.render` (no rich: ``status`` must start in a blink, and
nothing a strategy wrote can be taken as markup or drive the terminal). Two clocks are in play
and every time says which: the **simulated** clock of the feed (candles, positions' settlement,
the daily loss limit's UTC day) and the **wall** clock (heartbeat, since, snapshot). A refusal is
shown only while it is the answer to the newest desired generation; a swap's pause is shown only
when the swap paused trading.
"""

from __future__ import annotations

import time

from liveswap.cli.render import grid, table
from liveswap.home import plainjson

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI starts in a blink)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

STALE_HEARTBEATS = 3


def alive(st: Mapping[str, Any], now: float) -> bool:
    """Running, with a heartbeat younger than three intervals."""
    age = now - float(st.get("heartbeat_at") or 0)
    return bool(st.get("running")) and age <= STALE_HEARTBEATS * float(st.get("heartbeat_seconds") or 1)


def money(x: Any) -> str:
    return "-" if x is None else f"{float(x):,.2f}"


def ago(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def wall(ts: Any) -> str:
    """A wall-clock time, local, labelled."""
    return "-" if not ts else time.strftime("%H:%M:%S", time.localtime(float(ts))) + " wall"


def sim(ts: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A simulated-clock time, UTC, labelled."""
    return "-" if ts is None else time.strftime(fmt, time.gmtime(float(ts))) + " UTC sim"


def _rate(wr: Any) -> str:
    return "-" if wr is None else f"{float(wr):.1%}"


def host_line(st: Mapping[str, Any], now: float, last_words: str | None = None) -> str:
    age = now - float(st.get("heartbeat_at") or 0)
    if alive(st, now):
        return f"running, pid {st.get('pid')}, heartbeat {ago(age)}"
    said = f", last words: {last_words}" if last_words else ""
    if st.get("running"):
        return f"not running: pid {st.get('pid')} stopped answering (last heartbeat {ago(age)}{said})"
    return f"not running: pid {st.get('pid')} stopped (last heartbeat {ago(age)}{said})"


def position_cost(p: Mapping[str, Any]) -> float:
    """What an open position cost as filled: contracts x price + fees (``cost`` when the host wrote it)."""
    cost = p.get("cost")
    if not cost:  # a status from a host before ``cost``: the same product
        cost = float(p.get("shares") or 0) * float(p.get("price") or 0)
    return float(cost) + float(p.get("fee") or 0)


def equity_figures(st: Mapping[str, Any]) -> tuple[float | None, float]:
    """``(equity at cost, open positions at cost)``: the host's own figures when it wrote them."""
    positions = st.get("open_positions") or []
    at_cost = st.get("open_at_cost")
    at_cost = float(at_cost) if isinstance(at_cost, (int, float)) else sum(position_cost(p) for p in positions)
    balance = st.get("balance")
    equity = st.get("equity_at_cost")
    if not isinstance(equity, (int, float)):
        equity = None if balance is None else float(balance) + at_cost
    return equity, at_cost


def equity_line(st: Mapping[str, Any]) -> str:
    equity, at_cost = equity_figures(st)
    n = len(st.get("open_positions") or [])
    return (f"equity at cost {money(equity)} = cash {money(st.get('balance'))} + {money(at_cost)} in {n} open "
            f"position{'' if n == 1 else 's'} (contracts x price + fees, as filled); started with "
            f"{money(st.get('starting_balance'))}")


def risk_line(st: Mapping[str, Any]) -> str:
    risk = st.get("risk") or {}
    parts = []
    if "stake_cap" in risk:
        parts.append(f"stake cap {money(risk['stake_cap'])}")
    if "max_open_positions" in risk:
        parts.append(f"open positions {len(st.get('open_positions') or [])} of {risk['max_open_positions']}")
    daily = st.get("daily_loss")
    daily = daily if isinstance(daily, dict) else {}
    limit = daily.get("limit", risk.get("daily_loss_limit"))
    if limit is not None:
        used = daily.get("used")
        parts.append(f"daily loss {money(used) if used is not None else '?'} of {money(limit)} used"
                     " (the simulated UTC day)" + (" TRIPPED" if daily.get("tripped") else ""))
    return ", ".join(parts) or "-"


def money_rows(st: Mapping[str, Any], now: float) -> list[tuple[str, str]]:
    """The money guards: a tripped daily loss limit, reconciliation with the broker, orders whose
    outcome is not known yet, candles whose data never arrived."""
    rows: list[tuple[str, str]] = []
    daily = st.get("daily_loss")
    if isinstance(daily, dict) and daily.get("tripped"):
        rows.append(("daily loss", f"TRIPPED: {daily.get('reason')}"))  # the reason says what lifts it
    recon = st.get("reconcile")
    if isinstance(recon, dict):
        if recon.get("halted"):
            rows.append(("reconcile", f"HALTED: {recon.get('reason')} (no new positions)"))
        elif recon.get("checked_at"):
            rows.append(("reconcile", f"ledger == broker ({recon.get('checks')} checks, last "
                         f"{ago(now - float(recon['checked_at']))})"))
        if recon.get("error"):
            rows.append(("", f"reconcile: {recon['error']}"))
    orders = st.get("open_orders") or []
    if orders:
        rows.append(("open orders", ", ".join(f"{o.get('market')} {o.get('side')} {money(o.get('stake'))} "
                                              f"{o.get('status')}" for o in orders[:5])))
    missed = st.get("missed_candles") or []
    if missed:
        last = missed[0]
        rows.append(("missed", f"{len(missed)} candles never arrived; last {last.get('market')} "
                     f"{sim(last.get('candle_start'))}: {last.get('reason')}"))
    return rows


def swap_line(swap: Mapping[str, Any]) -> str:
    src, dst = swap.get("from"), swap.get("to")
    what = f"{swap.get('kind') or 'swap'} {src} -> {dst}" if src else f"{swap.get('kind') or 'start'} {dst}"
    when = f" at {wall(swap['at'])}" if swap.get("at") else ""
    if not swap.get("ok"):
        return f"{what} REFUSED{when}: {swap.get('reason') or '?'} (nothing changed)"
    pause = swap.get("pause_ms")
    paused = f", trading paused {float(pause):.2f} ms" if pause is not None else ""
    reason = f" ({swap['reason']})" if swap.get("reason") else ""
    state = f"; {swap['state']}" if swap.get("state") else ""
    return f"{what} ok{paused}{when}{reason}{state}"


def live_refusal(st: Mapping[str, Any], desired: int | None) -> Mapping[str, Any] | None:
    """The host's refusal of the newest desired generation; an older one is history, not status."""
    refusal = st.get("control_refusal")
    if not isinstance(refusal, dict):
        return None
    gen = refusal.get("generation")
    if desired is not None and isinstance(gen, int) and gen < desired:
        return None
    return refusal


def control_rows(st: Mapping[str, Any], desired: int | None) -> list[tuple[str, str]]:
    """The desired state's generation as the host answered it: applied, applied in part, or refused (with why)."""
    observed = st.get("observed_generation")
    refusal = live_refusal(st, desired)
    answer = "applied"
    if refusal and refusal.get("generation") == observed:
        answer = "applied in part" if refusal.get("partial") else "refused"
    pending = desired is not None and (observed is None or desired > observed)
    rows = [("control", f"generation {observed} {answer}" + (f", {desired} pending" if pending else ""))]
    error = st.get("control_error")
    if refusal:
        rows.append(("refused", f"generation {refusal.get('generation')}: {refusal.get('reason')}"))
    if error and (not refusal or str(error) not in str(refusal.get("reason"))):
        rows.append(("control err", str(error)))
    return rows


def header(st: Mapping[str, Any], *, desired: int | None, now: float,
           last_words: str | None = None) -> list[tuple[str, str]]:
    active = st.get("active") or {}
    rows = [("host", host_line(st, now, last_words))]
    sha = f", wheel {str(active.get('wheel_sha256'))[:12]}" if active.get("wheel_sha256") else ""
    rows.append(("active", f"{active.get('name')}=={active.get('version')} since {wall(active.get('since'))}{sha}"))
    paused = "all markets" if st.get("paused") else ""
    if st.get("paused_markets") and not st.get("paused"):
        paused = "markets " + ", ".join(str(m) for m in st["paused_markets"])
    rows.append(("trading", f"{len(st.get('markets') or [])} markets, feed {st.get('feed')}, broker "
                 f"{st.get('broker')}; " + (f"PAUSED: {paused}" if paused else "not paused")))
    if st.get("paused_reason"):
        rows.append(("paused why", str(st["paused_reason"])))
    speed = st.get("speed")
    rows.append(("clock", f"simulated {sim(st.get('clock'))}" + (f" (x{float(speed):g})" if speed else "")
                 + f"; wall {time.strftime('%H:%M:%S', time.localtime(now))}"))
    rows.append(("money", equity_line(st)))
    rows.append(("results", f"realized PnL {money(st.get('realized_pnl'))}, fees {money(st.get('fees_paid'))}, "
                 f"win rate {_rate(st.get('win_rate'))}, {st.get('candles_processed', 0)} candles this run"))
    rows.append(("risk", risk_line(st)))
    rows.extend(money_rows(st, now))
    rows.append(("params", plainjson.dumps(st.get("params") or {})))
    snap = st.get("last_snapshot_at")
    rows.append(("snapshot", "never" if not snap else f"{ago(now - float(snap))} ({wall(snap)})"))
    if st.get("last_swap"):
        rows.append(("last swap", swap_line(st["last_swap"])))
    rows.extend(control_rows(st, desired))
    worker = st.get("worker") or {}
    if worker.get("sandboxed"):
        rss = worker.get("rss_bytes")
        rows.append(("worker", f"pid {worker.get('pid')}, network {'cut' if worker.get('network_isolated') else 'ON'}"
                     + ("" if rss is None else f", {float(rss) / 2**20:.1f} MiB RSS")))
    sandbox = st.get("sandbox")
    if isinstance(sandbox, dict):
        gaps = [str(g).split(":")[0] for g in sandbox.get("not_applied") or []]
        rows.append(("sandbox", f"{sandbox.get('level')}" + (f" (not applied: {', '.join(gaps)})" if gaps else "")))
    probation = st.get("probation")
    if probation:
        rows.append(("probation", f"{probation.get('batches_left')} batches left; {probation.get('old')} kept warm"))
    for market, why in (st.get("stale_markets") or {}).items():
        rows.append(("stale data", f"{market}: {why} (no new positions)"))
    skew = st.get("clock_skew_seconds")
    if isinstance(skew, int | float):
        rows.append(("clock skew", f"{skew:+.2f} s against the venue's server time"))
    if st.get("last_fault"):
        rows.append(("last fault", str(st["last_fault"])))
    return rows


def render(st: Mapping[str, Any], *, desired: int | None = None, now: float | None = None,
           width: int | None = None, last_words: str | None = None) -> str:
    """The whole human status: the header grid, then markets, versions and open positions.
    ``last_words``: why a host that is not running stopped (its exit reason or last log line)."""
    now = time.time() if now is None else now
    parts = [grid(header(st, desired=desired, now=now, last_words=last_words))]
    by_market = st.get("by_market") or {}
    opens: dict[str, int] = {}
    for p in st.get("open_positions") or []:
        opens[p.get("market")] = opens.get(p.get("market"), 0) + 1
    paused_markets = set(st.get("paused_markets") or [])
    rows = []
    for m in st.get("markets") or sorted(by_market):
        t = by_market.get(m) or {}
        rows.append((m, "yes" if st.get("paused") or m in paused_markets else "", opens.get(m, 0), t.get("bets", 0),
                     t.get("wins", 0), _rate(t.get("win_rate")), money(t.get("pnl", 0.0))))
    parts.append(table("markets", ("market", "paused", "open", "bets", "wins", "win rate", "PnL"), rows,
                       right=("open", "bets", "wins", "win rate", "PnL")))
    if st.get("by_version"):
        rows = [(v, t.get("bets", 0), t.get("wins", 0), _rate(t.get("win_rate")), money(t.get("pnl")))
                for v, t in st["by_version"].items()]
        parts.append(table("by strategy version", ("version", "bets", "wins", "win rate", "PnL"), rows,
                           right=("bets", "wins", "win rate", "PnL")))
    if st.get("open_positions"):
        rows = [(p.get("market"), p.get("side"), money(p.get("stake")), money(position_cost(p)),
                 f"{float(p.get('price') or 0):.2f}", f"{float(p.get('shares') or 0):.2f}",
                 sim(p.get("window_end"), "%H:%M"), p.get("version")) for p in st["open_positions"]]
        parts.append(table("open positions", ("market", "side", "asked", "cost+fee", "price", "shares", "settles",
                                              "version"), rows, right=("asked", "cost+fee", "price", "shares")))
    return "\n\n".join(parts)
