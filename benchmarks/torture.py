"""Kill -9 torture: a real ``liveswap run`` killed at random moments, restarted, and audited.

    python benchmarks/torture.py --kills 200 [--seed S] [--speed 3000] [--home DIR] [--keep]

A fresh home gets two versions (1.0.0, 1.1.0) of a PROBE strategy wheel in ``registry/``. The
probe stakes $1 on every candle and carries in its exported state every (market, candle start)
it decided, every fill and every settlement it heard of, plus 64 KB of padding so that each
snapshot write takes measurable time. The host runs the synthetic feed at ``--speed`` with a
snapshot every 0.25 s. Each round starts the host, waits until ``status.json`` shows its pid
and a heartbeat, then SIGKILLs it in one of four ways:

* ``random``: 0-300 ms later;
* ``swap``: right after writing an activate (or rollback) to ``control.json``, 0-800 ms later,
  so before, during or after the swap's prepare and commit;
* ``trading``: 0.3-1.5 s later, past the catch-up of the downtime (whose intents are stale,
  not traded), while it trades live: kills land between journaling and sending orders;
* ``snapshot``: as soon as a snapshot temp file appears (mid-write), or after 1.5 s.

After every kill: ``snapshot.json`` is whole JSON (never torn) and the journal passes
``PRAGMA quick_check``. After the last kill a final run is stopped with SIGTERM, then the
invariants are checked (also every ``--audit-every`` kills) against the journal, the paper broker's own SQLite file, the
final ``status.json`` and ``snapshot.json``. Prints the figures; exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from liveswap.home.control_store import update_control  # noqa: E402
from liveswap.markets import Market  # noqa: E402

from tests.support.wheelkit import make_wheel  # noqa: E402

STRATEGY = "probe"
VERSIONS = ("1.0.0", "1.1.0")

PROBE = '''
from liveswap.api import Intent, hookimpl

VERSION = {version!r}
PAD = "x" * 65536


class Strategy:
    """Stakes $1 on every candle; carries everything it decided and heard of in its state."""

    def __init__(self):
        self.seen = []
        self.fills = []
        self.settled = []

    @hookimpl
    def on_candle(self, candle, ctx):
        self.seen.append([candle.market, candle.start])
        side = "up" if candle.close >= candle.open else "down"
        return [Intent(candle.market, side, 1.0)]

    @hookimpl
    def on_fill(self, fill):
        self.fills.append(fill.order_id)

    @hookimpl
    def on_settle(self, settlement):
        self.settled.append(settlement.order_id)

    @hookimpl
    def export_state(self):
        return {{"version": VERSION, "seen": self.seen, "fills": self.fills, "settled": self.settled, "pad": PAD}}

    @hookimpl
    def import_state(self, state, from_version):
        self.seen, self.fills, self.settled = state["seen"], state["fills"], state["settled"]
'''

STARTING_BALANCE = 1_000_000.0


def liveswap_bin() -> str:
    local = Path(sys.executable).parent / "liveswap"
    return str(local) if local.exists() else (shutil.which("liveswap") or "liveswap")


def prepare_home(home: Path, speed: float) -> dict[str, str]:
    """Probe wheels in ``home/registry``; returns the environment a host of this home runs with."""
    (home / "state").mkdir(parents=True, exist_ok=True)
    for version in VERSIONS:
        make_wheel(home / "registry", "probe-strategy", version, ep=STRATEGY, module="probe_strategy",
                   body=PROBE.format(version=version))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env["LIVESWAP_INSTALLED_STRATEGIES"] = "false"  # only the probe wheels of this home
    env.update({
        "LIVESWAP_HOME": str(home), "LIVESWAP_SPEED": str(speed), "LIVESWAP_STRATEGY": f"{STRATEGY}=={VERSIONS[0]}",
        "LIVESWAP_SNAPSHOT_SECONDS": "0.25", "LIVESWAP_HEARTBEAT_SECONDS": "0.2", "LIVESWAP_PROBATION_BATCHES": "2",
        "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000", "LIVESWAP_RISK__MAX_OPEN_POSITIONS": "100",
        "LIVESWAP_PAPER__STARTING_BALANCE": str(STARTING_BALANCE), "LIVESWAP_LOG_LEVEL": "WARNING",
        # 30 min of warm-up history, not 4 h: with a durable (fsync'd) commit per batch, a loaded
        # 2-core machine spent the first rounds' short lives replaying history instead of trading
        "LIVESWAP_WARMUP_SECONDS": "1800",
    })
    return env


# ---- running and killing the host ------------------------------------------------------------

def read_json_or_none(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def start_host(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen([liveswap_bin(), "run"], env=env, stdout=subprocess.DEVNULL, stderr=fh)


def wait_alive(home: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> dict[str, Any]:
    """Block until status.json shows this pid running with a cursor; raise if the host exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        st = read_json_or_none(home / "state" / "status.json")
        if isinstance(st, dict) and st.get("pid") == proc.pid and st.get("running") and st.get("cursor"):
            return st
        if proc.poll() is not None:
            raise RuntimeError(f"host exited with {proc.returncode} before it was up (see host.log)")
        time.sleep(0.01)
    raise RuntimeError(f"host not up after {timeout:g}s")


def snapshot_tmp_exists(state: Path) -> bool:
    return any(p.name.startswith(".snapshot.json.") for p in state.iterdir())


def request_swap(state: Path, rng: random.Random) -> str:
    """Write an activate of the other version, or a rollback, to control.json (as the CLI does)."""
    st = read_json_or_none(state / "status.json") or {}
    running = (st.get("active") or {}).get("version", VERSIONS[0])
    other = VERSIONS[1] if running == VERSIONS[0] else VERSIONS[0]
    if rng.random() < 0.3:
        def change(doc: dict[str, Any], gen: int) -> dict[str, Any]:
            return {**doc, "active": None, "active_request": None, "rollback": {"to": None, "request": gen}}
        what = "rollback"
    else:
        spec = f"{STRATEGY}=={other}"

        def change(doc: dict[str, Any], gen: int) -> dict[str, Any]:
            return {**doc, "active": spec, "active_request": gen, "rollback": None}
        what = f"activate {spec}"
    update_control(state, change)
    return what


def kill_round(home: Path, env: dict[str, str], rng: random.Random, log: Path) -> str:
    """One start + SIGKILL; returns how the kill was timed."""
    state = home / "state"
    proc = start_host(env, log)
    try:
        wait_alive(home, proc)
        mode = rng.choice(["random", "random", "swap", "snapshot", "trading"])
        if mode == "random":
            time.sleep(rng.uniform(0.0, 0.3))
        elif mode == "trading":
            time.sleep(rng.uniform(0.3, 1.5))
        elif mode == "swap":
            request_swap(state, rng)
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline and not snapshot_tmp_exists(state):
                time.sleep(0.0005)
            mode = "snapshot-mid-write" if time.monotonic() < deadline else "snapshot-timeout"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    return mode


def clean_run(home: Path, env: dict[str, str], log: Path, batches: int = 20) -> int:
    """Start, let it catch up with its clock (the downtime's candles are decided, not traded),
    settle any swap and trade ``batches`` live batches, stop with SIGTERM."""
    proc = start_host(env, log)
    try:
        wait_alive(home, proc)
        start_cursor: int | None = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            st = read_json_or_none(home / "state" / "status.json") or {}
            ctl = read_json_or_none(home / "state" / "control.json") or {}
            settled = st.get("observed_generation", 0) >= ctl.get("generation", 0) and not st.get("probation")
            cursor = st.get("cursor") or 0
            if start_cursor is None and cursor >= (st.get("clock") or 0) - 600:
                start_cursor = cursor  # caught up: from here on it trades live
            if settled and start_cursor is not None and cursor >= start_cursor + batches * 300:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        return proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---- the checks ------------------------------------------------------------------------------

@dataclass
class Checks:
    """Named invariants with how many times each was checked and how many times it failed."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: Callable[[], str] | str = "") -> bool:
        passed, failed = self.counts.setdefault(name, [0, 0])
        self.counts[name] = [passed + int(ok), failed + int(not ok)]
        if not ok:
            self.failures.append(f"{name}: {detail() if callable(detail) else detail}")
        return ok

    @property
    def ok(self) -> bool:
        return not self.failures


def ro(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return db


SNAPSHOT_WHOLE = "snapshot.json present and whole after kill -9 (once written)"


def check_after_kill(home: Path, checks: Checks) -> None:
    state = home / "state"
    snap_path = state / "snapshot.json"
    if snap_path.exists() or checks.counts.get(SNAPSHOT_WHOLE):
        snap = read_json_or_none(snap_path)
        checks.check(SNAPSHOT_WHOLE, isinstance(snap, dict) and "batch_end" in snap,
                     lambda: f"missing or unreadable snapshot: {snap_path.read_bytes()[:200]!r}"
                     if snap_path.exists() else "snapshot.json vanished")
    db = sqlite3.connect(state / "journal.sqlite")
    try:
        ok = db.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        db.close()
    checks.check("journal quick_check after kill -9", ok == "ok", str(ok))


def check_final(home: Path, checks: Checks) -> dict[str, Any]:
    """Every invariant of the issue, after a final clean shutdown. Returns a few totals."""
    state = home / "state"
    journal, broker = ro(state / "journal.sqlite"), ro(state / "paper_broker.sqlite")
    try:
        return _check_final(journal, broker, state, checks)
    finally:
        journal.close()
        broker.close()


def _check_final(journal: sqlite3.Connection, broker: sqlite3.Connection, state: Path,
                 checks: Checks) -> dict[str, Any]:
    b_orders = {r["client_order_id"]: r for r in broker.execute("SELECT * FROM paper_book")}
    b_fills = {k: r for k, r in b_orders.items() if r["status"] == "filled"}
    sends = Counter(r[0] for r in broker.execute("SELECT client_order_id FROM paper_submits"))
    j_orders = {r["client_order_id"]: r for r in journal.execute("SELECT * FROM orders")}
    j_fill_rows = journal.execute("SELECT * FROM fills").fetchall()
    j_fills = {r["client_order_id"]: r for r in j_fill_rows}

    # no client order id sent twice: the broker's append-only submit log, not its (idempotent) book
    twice = sorted(k for k, n in sends.items() if n > 1)
    checks.check("no client order id ever sent twice (the paper broker's append-only submit log)", not twice,
                 lambda: f"{len(twice)} ids sent more than once, e.g. {twice[:5]}")
    checks.check("every order in the broker's book was sent once and every send is in its book",
                 set(sends) == set(b_orders), lambda: f"diff {sorted(set(sends) ^ set(b_orders))[:5]}")

    # no lost or duplicated fill; booked exactly as the broker filled it (integer micro-units)
    checks.check("every broker fill is in the journal exactly once (and vice versa)",
                 set(b_fills) == set(j_fills) and len(j_fill_rows) == len(j_fills),
                 lambda: f"broker-only {sorted(set(b_fills) - set(j_fills))[:5]}, "
                         f"journal-only {sorted(set(j_fills) - set(b_fills))[:5]}")
    fields = ("price_micros", "contracts_micros", "cost_micros", "fee_micros")
    differ = [k for k, j in j_fills.items() if k in b_fills and any(b_fills[k][f] != j[f] for f in fields)]
    checks.check("journal fills carry the broker's contracts, price, cost and fee exactly", not differ,
                 lambda: f"{len(differ)} differ, e.g. {differ[:3]}")

    # nothing stale ever reached the broker
    stale = {k for k, r in j_orders.items() if r["status"] == "stale"}
    checks.check("the broker never saw an order journaled stale", not (stale & set(sends)),
                 lambda: f"{sorted(stale & set(sends))[:5]}")
    answered = {k for k, r in j_orders.items() if r["status"] in ("filled", "rejected")}
    checks.check("broker orders == journal orders filled/rejected", set(b_orders) == answered,
                 lambda: f"{len(b_orders)} at the broker, {len(answered)} answered in the journal; "
                         f"diff {sorted(set(b_orders) ^ answered)[:5]}")
    status_agrees = all(j_orders[k]["status"] == b_orders[k]["status"] for k in answered & set(b_orders))
    checks.check("journal order status == broker order status", status_agrees)
    unanswered = [k for k, r in j_orders.items() if r["status"] in ("new", "pending", "unknown")]
    checks.check("no order left unanswered after a clean stop", not unanswered, lambda: f"{unanswered[:5]}")

    # settlements: computed by the broker == journaled, once
    b_settled = {k: r for k, r in b_fills.items() if r["settled"]}
    j_setts = {r["client_order_id"]: r for r in journal.execute("SELECT * FROM settlements")}
    checks.check("broker settlements == journal settlements (same payout)",
                 set(b_settled) == set(j_setts)
                 and all(b_settled[k]["payout_micros"] == j_setts[k]["payout_micros"] for k in j_setts),
                 lambda: f"broker-only {sorted(set(b_settled) - set(j_setts))[:5]}, "
                         f"journal-only {sorted(set(j_setts) - set(b_settled))[:5]}")

    # balance, exactly (micro-units)
    status = read_json_or_none(state / "status.json") or {}
    deposits = journal.execute("SELECT COALESCE(SUM(amount_micros), 0) FROM ledger").fetchone()[0]
    from_broker = (deposits - sum(r["cost_micros"] + r["fee_micros"] for r in b_fills.values())
                   + sum(r["payout_micros"] for r in b_settled.values()))
    realized = sum(r["pnl_micros"] for r in j_setts.values())
    open_cost = sum(j["cost_micros"] + j["fee_micros"] for k, j in j_fills.items() if k not in j_setts)
    from_pnl = deposits + realized - open_cost
    balance = status.get("balance")
    micros = round(balance * 1_000_000) if isinstance(balance, (int, float)) else None
    checks.check("status balance == start + payouts - cost - fees (broker's own book), to the micro-dollar",
                 micros == from_broker, lambda: f"status {balance}, broker book {from_broker / 1e6}")
    checks.check("status balance == start + realized PnL - cost of open positions, to the micro-dollar",
                 micros == from_pnl, lambda: f"status {balance}, journal {from_pnl / 1e6}")
    checks.check("starting balance deposited once", deposits == round(STARTING_BALANCE * 1_000_000), str(deposits))
    found = journal.execute("SELECT detail FROM risk_events WHERE kind='discrepancy'").fetchall()
    recon = status.get("reconcile") or {}
    checks.check("the host's reconciliation never found the ledger and the broker apart",
                 not found and recon.get("ok") is True and recon.get("checks", 0) > 0,
                 lambda: f"{len(found)} discrepancies, e.g. {found[:1]}; status {recon}")

    # every candle decided exactly once, contiguous, and the strategy's state says the same
    decided = [(r[0], r[1]) for r in journal.execute("SELECT market, candle_start FROM decisions")]
    snap = read_json_or_none(state / "snapshot.json") or {}
    carried = snap.get("state") or {}
    seen = [tuple(x) for x in carried.get("seen", [])]
    dup = [k for k, n in Counter(seen).items() if n > 1]
    checks.check("strategy state lists each decided candle exactly once", not dup and set(seen) == set(decided),
                 lambda: f"{len(dup)} decided twice {dup[:3]}; missing {sorted(set(decided) - set(seen))[:3]}; "
                         f"extra {sorted(set(seen) - set(decided))[:3]}")
    gaps = []
    for market in sorted({m for m, _ in decided}):
        starts = sorted(s for m, s in decided if m == market)
        step = Market.parse(market).seconds
        expected = set(range(starts[0], starts[-1] + step, step))
        if set(starts) != expected:
            gaps.append(f"{market}: {len(expected - set(starts))} missing")
    checks.check("decisions contiguous per market (no window skipped)", not gaps, lambda: "; ".join(gaps))
    cands = {(r[0], r[1]) for r in journal.execute("SELECT market, start FROM candles")}
    checks.check("journal candles == journal decisions", cands == set(decided))

    # the strategy heard of every delivered fill and settlement exactly once
    delivered_f = {r["client_order_id"] for r in j_fill_rows if r["delivered_batch"] is not None}
    heard_f = carried.get("fills", [])
    checks.check("strategy heard each delivered fill exactly once",
                 len(heard_f) == len(set(heard_f)) and set(heard_f) == delivered_f,
                 lambda: f"heard {len(heard_f)} ({len(set(heard_f))} distinct), delivered {len(delivered_f)}")
    delivered_s = {k for k, r in j_setts.items() if r["delivered_batch"] is not None}
    heard_s = carried.get("settled", [])
    checks.check("strategy heard each delivered settlement exactly once",
                 len(heard_s) == len(set(heard_s)) and set(heard_s) == delivered_s,
                 lambda: f"heard {len(heard_s)} ({len(set(heard_s))} distinct), delivered {len(delivered_s)}")

    # the active version: journal, status and snapshot agree
    newest = journal.execute("SELECT to_version FROM swaps WHERE ok=1 ORDER BY id DESC LIMIT 1").fetchone()
    active = status.get("active") or {}
    spec = f"{active.get('name')}=={active.get('version')}"
    checks.check("active version: status == journal's last committed swap == snapshot",
                 newest is not None and newest[0] == spec and snap.get("strategy", {}).get("version")
                 == active.get("version") == carried.get("version"),
                 lambda: f"journal {newest[0] if newest else None}, status {spec}, snapshot {snap.get('strategy')}")

    swaps = journal.execute("SELECT COUNT(*) FROM swaps WHERE ok=1 AND kind IN ('activate', 'rollback')").fetchone()[0]
    return {"decisions": len(decided), "orders": len(j_orders), "fills": len(j_fills), "settlements": len(j_setts),
            "stale": len(stale), "swaps": swaps, "balance": balance}


# ---- driver ----------------------------------------------------------------------------------

@dataclass
class TortureResult:
    kills: int
    modes: Counter[str]
    totals: dict[str, Any]
    checks: Checks
    seconds: float


def torture(home: Path, kills: int, seed: int, speed: float = 3000.0, audit_every: int = 50,
            progress: Callable[[str], None] | None = None) -> TortureResult:
    rng = random.Random(seed)
    env = prepare_home(home, speed)
    log = home / "host.log"
    checks = Checks()
    modes: Counter[str] = Counter()
    t0 = time.monotonic()
    for i in range(kills):
        modes[kill_round(home, env, rng, log)] += 1
        check_after_kill(home, checks)
        if audit_every and (i + 1) % audit_every == 0 and i + 1 < kills:
            checks.check("audit run stops cleanly on SIGTERM", clean_run(home, env, log) == 0)
            check_final(home, checks)
        if progress and (i + 1) % 10 == 0:
            progress(f"{i + 1}/{kills} kills, {time.monotonic() - t0:.0f}s, {len(checks.failures)} failures")
    code = clean_run(home, env, log)
    checks.check("final run stops cleanly on SIGTERM", code == 0, f"exit {code}")
    totals = check_final(home, checks)
    totals["snapshot temp files left by kills"] = sum(1 for p in (home / "state").iterdir()
                                                      if p.name.startswith(".snapshot.json."))
    return TortureResult(kills, modes, totals, checks, time.monotonic() - t0)


def report(result: TortureResult) -> str:
    modes = ", ".join(f"{k} {v}" for k, v in sorted(result.modes.items()))
    lines = [f"kills: {result.kills} in {result.seconds:.1f}s  ({modes})",
             "totals: " + ", ".join(f"{k} {v}" for k, v in result.totals.items()), "invariants (pass/fail):"]
    for name, (passed, failed) in result.checks.counts.items():
        lines.append(f"  {'PASS' if not failed else 'FAIL'}  {passed:>4}/{failed:<3} {name}")
    lines += [f"  failure: {f}" for f in result.checks.failures[:20]]
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=200)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--speed", type=float, default=3000.0)
    p.add_argument("--audit-every", type=int, default=50,
                   help="after every K kills, a clean run and the full audit (0: only at the end)")
    p.add_argument("--home", type=Path, help="a fresh folder to use (default: a temporary one)")
    p.add_argument("--keep", action="store_true", help="keep the temporary home for inspection")
    args = p.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="liveswap-torture-")) / "home"
    if home.exists() and any(home.iterdir()):
        print(f"{home} is not empty: torture needs a fresh home", file=sys.stderr)
        return 1
    print(f"torture: {args.kills} kills, seed {args.seed}, speed {args.speed:g}, home {home}", flush=True)
    result = torture(home, args.kills, args.seed, args.speed, args.audit_every, progress=lambda m: print(m, flush=True))
    print(report(result))
    if not args.home and not args.keep and result.checks.ok:
        shutil.rmtree(home.parent, ignore_errors=True)
    return 0 if result.checks.ok else 1


if __name__ == "__main__":
    sys.exit(main())
