"""The dashboard in a real headless Chromium, against a real host trading the sample strategies.

A ``liveswap run`` subprocess trades the synthetic feed with the wheels ``plugins/build_all.py``
builds; ``liveswap web`` serves its home. The browser sees the page load and the equity chart fill,
a swap made with the CLI appear in the timeline, a pause clicked with the token reach the host, and
a write without the token refused. Screenshots go to ``test-artifacts/web/`` (printed).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from liveswap.home.status import read_status

from ..support.wait import until

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts" / "web"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not CHROMIUM.exists():
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def trading_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A home with the sample wheels and a real host trading them (momentum, newest: 1.1.0)."""
    home = tmp_path_factory.mktemp("webhome")
    (home / "state").mkdir()
    built = subprocess.run([sys.executable, str(ROOT / "plugins" / "build_all.py"), "--out", str(home / "registry")],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env.update(LIVESWAP_HOME=str(home), LIVESWAP_PROBATION_BATCHES="2")
    host = subprocess.Popen([str(BIN / "liveswap"), "run", "--speed", "3000"], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        until(lambda: getattr(read_status(home / "state"), "by_version", None) or host.poll() is not None,
              timeout=120, what="the host to settle its first bets")
        assert host.poll() is None, host.stderr.read() if host.stderr else ""
        yield home, env
    finally:
        stop(host)
        if host.stderr:
            host.stderr.close()


@contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """``liveswap web --port 0`` on ``env``'s home: (its address, its token)."""
    web = subprocess.Popen([str(BIN / "liveswap"), "web", "--port", "0"], env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert web.stdout is not None
        printed = "".join(web.stdout.readline() for _ in range(3))
        match = re.search(r"open:\s+(http://127\.0\.0\.1:\d+)/#token=(\S+)", printed)
        assert match, printed
        yield match.group(1), match.group(2)
    finally:
        stop(web)
        if web.stdout:
            web.stdout.close()


@pytest.fixture(scope="module")
def dashboard(trading_home: tuple[Path, dict[str, str]]) -> Iterator[tuple[str, str]]:
    with serving(trading_home[1]) as address:
        yield address


@pytest.fixture(scope="module")
def shots() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, dashboard: tuple[str, str]) -> Iterator[object]:  # type: ignore[no-untyped-def]
    url, token = dashboard
    # bypass_csp: the page forbids eval, which Playwright's wait_for_function uses
    pg = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{url}/#token={token}")
    yield pg
    pg.close()
    assert not errors, errors


def post(url: str, path: str, body: dict, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_page_loads_and_the_equity_chart_has_points(page, shots: Path) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-loaded='1']", timeout=30_000)
    page.wait_for_function("Number(document.getElementById('chart-equity').dataset.points) > 0", timeout=60_000)
    assert page.locator("#host-badge").inner_text().startswith("running")
    assert page.locator("#active").inner_text() == "momentum==1.1.0"
    assert page.locator("#chart-equity canvas").count() == 1
    assert "momentum==1.1.0" in page.locator("#versions").inner_text()
    page.screenshot(path=str(shots / "1-loaded.png"), full_page=True)


def test_a_swap_made_with_the_cli_appears_in_the_timeline(page, trading_home, shots: Path) -> None:  # type: ignore[no-untyped-def]
    home, env = trading_home
    done = subprocess.run([str(BIN / "liveswap"), "activate", "momentum==1.0.0", "--wait", "60"], env=env,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    page.wait_for_function("document.getElementById('active').textContent === 'momentum==1.0.0'", timeout=30_000)
    row = page.locator("#timeline tbody tr").filter(has_text="momentum==1.1.0 → momentum==1.0.0").first
    row.wait_for(timeout=30_000)
    assert "done" in row.inner_text() and "ms" in row.inner_text()  # the pause of the swap
    # the swap is drawn as a marker: the chart's swaps include it at a candle time
    marker = page.evaluate("state.series.swaps.filter(s => s.ok && s.to_version === 'momentum==1.0.0')"
                           ".map(s => s.batch_end)")
    assert marker and marker[0] > 0
    page.screenshot(path=str(shots / "2-after-cli-swap.png"), full_page=True)


def test_a_pause_with_the_token_reaches_the_host(page, trading_home, shots: Path) -> None:  # type: ignore[no-untyped-def]
    home, _ = trading_home
    row = page.locator("#markets tbody tr").filter(has_text="ETH-5m").first
    row.get_by_role("button", name="pause").click()
    until(lambda: "ETH-5m" in getattr(read_status(home / "state"), "paused_markets", []),
          timeout=30, what="the host to report ETH-5m paused")
    page.wait_for_function("document.getElementById('action-result').className === 'ok'", timeout=30_000)
    row.get_by_text("paused").wait_for(timeout=10_000)
    page.screenshot(path=str(shots / "3-paused-eth.png"), full_page=True)


def test_a_promoted_candidate_shows_how_it_ended_not_running(page, trading_home, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 24, point 12: after ``promote`` the candidate panel says promoted; no "running" badge is left.
    (Without a guard: with one, the replaced version's guard is what runs next, and the panel shows it.)"""
    home, env = trading_home
    for argv in (["shadow", "momentum==1.1.0", "--guard-batches", "0", "--wait", "60"], ["promote", "--wait", "90"]):
        done = subprocess.run([str(BIN / "liveswap"), *argv], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (argv, done.stderr)
    page.wait_for_function("document.getElementById('active').textContent === 'momentum==1.1.0'", timeout=30_000)
    page.wait_for_function("document.getElementById('candidate').textContent.includes('promoted')", timeout=30_000)
    box = page.locator("#candidate")
    assert box.locator(".tag").filter(has_text="running").count() == 0
    metrics = box.locator("table.metrics")
    if metrics.count():
        assert "running" not in metrics.inner_text()
    page.screenshot(path=str(shots / "3b-promoted.png"), full_page=True)


def test_a_write_without_the_token_is_refused(page, dashboard, trading_home) -> None:  # type: ignore[no-untyped-def]
    url, token = dashboard
    home, _ = trading_home
    before = (home / "state" / "control.json").read_bytes()
    status = page.evaluate("""async () => (await fetch('/api/actions/resume', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: '{}'})).status""")
    assert status == 403
    assert post(url, "/api/actions/resume", {}, {"X-Liveswap-Token": "not-" + token}) == 403
    assert (home / "state" / "control.json").read_bytes() == before


def test_the_page_works_on_a_home_where_no_host_runs(browser, tmp_path: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "quiet"
    (home / "state").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")} | {"LIVESWAP_HOME": str(home)}
    with serving(env) as (url, token):
        pg = browser.new_page(viewport={"width": 1400, "height": 900}, bypass_csp=True)
        pg.goto(f"{url}/#token={token}")
        pg.wait_for_selector("body[data-loaded='1']", timeout=30_000)
        assert pg.locator("#host-badge").inner_text() == "no host has run here"
        assert pg.locator("#candidate").inner_text() == "no candidate"
        assert pg.locator("#fleet-panel").is_hidden()  # a host alone: no fleet panel
        assert pg.locator("#markets tbody tr").count() == 9  # the home's default markets, from its settings
        # an action still records the desired state, applied when a host starts
        pg.get_by_role("button", name="pause all").click()
        pg.wait_for_function("document.getElementById('action-result').textContent.includes("
                             "'generation 1 recorded; no host is running: applied at the next start')", timeout=30_000)
        pg.screenshot(path=str(shots / "4-no-host.png"), full_page=True)
        pg.close()
    assert json.loads((home / "state" / "control.json").read_text())["paused"] is True


def test_a_host_in_a_fleet_shows_its_id_the_markets_it_owns_with_their_lease_and_connected(
        browser, tmp_path: Path, shots: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.fleet_hosts import fleet_env, owned
    from tests.support.host_process import start_host
    from tests.support.nats_server import NatsServer

    server = NatsServer(tmp_path / "nats").start()
    home = tmp_path / "fleet" / "home"
    env = fleet_env(home, server, "web-h1", LIVESWAP_FLEET__NAME="webfleet")
    host = start_host(env)
    try:
        until(lambda: len(owned(home)) == 9 or host.poll() is not None, timeout=60, what="all nine leases")
        leases = owned(home)
        with serving(env) as (url, token):
            pg = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
            pg.goto(f"{url}/#token={token}")
            pg.wait_for_selector("#fleet-panel:not([hidden])", timeout=30_000)
            assert "host web-h1" in pg.locator("#fleet-summary").inner_text()
            assert pg.locator("#fleet-name").inner_text() == "webfleet"
            assert pg.locator("#fleet-connected").inner_text() == "connected to NATS"
            shown = dict(r.split("\t") for r in pg.locator("#fleet-leases tbody tr").all_inner_texts())
            assert set(shown) == set(leases) and all(int(shown[m]) >= leases[m] for m in leases)
            pg.screenshot(path=str(shots / "7-fleet.png"), full_page=True)
            server.kill()  # NATS gone: the page says so once the host notices
            pg.wait_for_function("document.getElementById('fleet-connected').textContent"
                                 ".startsWith('NATS unreachable')", timeout=30_000)
            pg.close()
    finally:
        stop(host)
        server.stop()


def test_a_tripped_daily_loss_latch_is_in_sight_and_lifting_it_asks_first(browser, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                           shots: Path) -> None:
    """Issue 24, point 4: the page shows the latch, the reconciliation, the open positions and "trading blocked"
    with its reason; "resume all" does not lift the latch; its own button asks first, and only a yes lifts it."""
    from ..support.host import running_host as staking_host
    from ..support.host import staker_home, status

    home = tmp_path / "latch"
    (home / "state").mkdir(parents=True)
    (home / "registry").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVESWAP_")}
    env |= {"LIVESWAP_HOME": str(home), "LIVESWAP_INSTALLED_STRATEGIES": "false"}
    env = staker_home(home, env, LIVESWAP_RISK__MAX_OPEN_POSITIONS="50", LIVESWAP_RISK__DAILY_LOSS_LIMIT="3")
    with staking_host(home, env) as proc, serving(env) as (url, token):
        until(lambda: (status(home, proc).get("daily_loss") or {}).get("tripped"), timeout=90,
              what="the daily loss latch to trip")
        pg = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
        pg.goto(f"{url}/#token={token}")
        pg.wait_for_function("document.getElementById('guards').textContent === 'trading blocked'", timeout=30_000)
        guards = pg.locator("#guards-sub").inner_text()
        assert "TRIPPED: daily loss limit reached" in guards and "reconciliation" in guards
        assert "open positions" in guards
        assert "Trading blocked: daily loss limit reached" in pg.locator("#banner").inner_text()
        assert pg.locator("#markets tbody tr").filter(has_text="BTC-5m").first.get_by_text("blocked").count() == 1
        assert pg.locator("#markets").get_by_text("trading", exact=True).count() == 0  # no market shows green
        pg.screenshot(path=str(shots / "5-daily-loss-tripped.png"), full_page=True)

        pg.get_by_role("button", name="resume all").click()  # not the way to lift it
        pg.wait_for_function("document.getElementById('action-result').className === 'ok'", timeout=30_000)
        at = status(home, proc)["cursor"]
        until(lambda: status(home, proc)["cursor"] >= at + 2 * 300, what="two batches after the resume")
        assert status(home, proc)["daily_loss"]["tripped"]

        answers = iter([False, True])
        asked: list[str] = []

        def answer(dialog) -> None:  # type: ignore[no-untyped-def]
            asked.append(dialog.message)
            dialog.accept() if next(answers) else dialog.dismiss()

        pg.on("dialog", answer)
        generation = status(home, proc)["observed_generation"]
        pg.get_by_role("button", name="lift the daily loss latch…").click()  # no: nothing is written
        until(lambda: len(asked) == 1, what="the page to ask")
        assert "Lift the daily loss latch?" in asked[0]
        assert status(home, proc)["observed_generation"] == generation
        pg.get_by_role("button", name="lift the daily loss latch…").click()  # yes: lifted
        until(lambda: not status(home, proc)["daily_loss"]["tripped"], timeout=30, what="the latch to lift")
        pg.wait_for_function("document.getElementById('guards').textContent === 'trading allowed'", timeout=30_000)
        pg.screenshot(path=str(shots / "6-daily-loss-lifted.png"), full_page=True)
        pg.close()


def test_the_last_backtest_shows_both_equity_curves_on_one_chart(page, trading_home, shots: Path) -> None:  # type: ignore[no-untyped-def]
    home, env = trading_home
    done = subprocess.run([str(BIN / "liveswap"), "backtest", "momentum==1.1.0", "--against", "momentum==1.0.0"],
                          env=env, capture_output=True, text=True, timeout=120)  # the running host's journal
    assert done.returncode == 0, done.stderr
    page.wait_for_function("Number(document.getElementById('chart-backtest').dataset.points) > 0", timeout=60_000)
    assert page.evaluate("state.charts['chart-backtest'].series.map(s => s.label).slice(1)") == [
        "momentum==1.1.0", "momentum==1.0.0"]
    table = page.locator("#backtests").inner_text()
    assert "momentum==1.1.0" in table and "momentum==1.0.0" in table
    page.screenshot(path=str(shots / "8-backtest.png"), full_page=True)
