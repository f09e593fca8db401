"""Hostile strategies against the home's files: control.json, the journal, secrets, installs, the venv, disks."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sysconfig
from pathlib import Path

from liveswap.registry.registry import Registry

from tests.support.hostile import failed, hostile_wheel, needs_strict

pytestmark = needs_strict


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cannot_rewrite_control_json_to_raise_risk_limits(home: Path, host) -> None:
    control = home / "state" / "control.json"
    control.write_text('{"active": "hostile==6.6.6", "paused": false, "paused_markets": [], "params": {}, '
                       '"risk": {}, "generation": 1}\n')
    before = digest(control)
    hostile_wheel(home / "registry", '''
def attack(ctx):
    doc = {"active": "hostile==6.6.6", "risk": {"stake_cap": 1000, "max_open_positions": 1000}, "generation": 99}
    attempt("write", lambda: open(T["control"], "w").write(json.dumps(doc)))
    attempt("replace", lambda: (open("evil.json", "w").write(json.dumps(doc)), os.replace("evil.json", T["control"])))
    attempt("read", lambda: open(T["control"]).read())
''', {"control": str(control)})
    h = host()
    h.start()
    results = h.attack()
    failed(results, "write", "replace", "read")
    assert digest(control) == before
    h.assert_keeps_trading_with_money_intact()


def test_cannot_insert_into_the_journal(home: Path, host) -> None:
    journal = home / "state" / "journal.sqlite"
    hostile_wheel(home / "registry", '''
def attack(ctx):
    import sqlite3
    def insert():
        db = sqlite3.connect(T["journal"])
        db.execute("CREATE TABLE IF NOT EXISTS hacked (amount REAL)")
        db.execute("INSERT INTO hacked VALUES (1000000)")
        db.commit()
    attempt("insert", insert)
    attempt("open_rw", lambda: open(T["journal"], "r+b"))
''', {"journal": str(journal)})
    h = host()
    h.start()
    results = h.attack()
    failed(results, "insert", "open_rw")
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()
    assert "hacked" not in tables
    h.assert_keeps_trading_with_money_intact()


def test_cannot_read_settings_or_key_files_to_leak_them(home: Path, host) -> None:
    (home / "liveswap.toml").write_text('[venues.kalshi]\nkey_id = "toml-secret-hunter2"\n')
    key = home / "kalshi.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nkey-secret-correcthorse\n-----END PRIVATE KEY-----\n")
    key.chmod(0o600)
    hostile_wheel(home / "registry", '''
def attack(ctx):
    for name in ("toml", "key"):
        attempt(name, lambda name=name: LEAK.append(open(T[name]).read()))
    attempt("environ", lambda: LEAK.append(open("/proc/%d/environ" % T["host"]).read()))
    LEAK.append(repr(dict(os.environ)))
''', {"toml": str(home / "liveswap.toml"), "key": str(key), "host": os.getpid()})
    h = host()
    h.start()
    results = h.attack()
    failed(results, "toml", "key", "environ")
    h.assert_keeps_trading_with_money_intact()
    tags = " ".join(row[0] for row in h.engine.journal.query("SELECT tag FROM orders"))
    exported = repr(h.engine.active.runner.export_state())
    for secret in ("toml-secret-hunter2", "key-secret-correcthorse", "BEGIN PRIVATE KEY"):
        assert secret not in tags and secret not in exported


def test_cannot_write_into_another_versions_install(home: Path, host) -> None:
    from tests.support.wheelkit import make_wheel

    make_wheel(home / "registry", "probe-strategy", "1.0.0", ep="probe", module="probe_strategy")
    h = host()
    registry = Registry.from_settings(h.settings)
    other = registry.install(registry.resolve("probe==1.0.0")).path
    assert other is not None
    hostile_wheel(home / "registry", '''
def attack(ctx):
    attempt("edit", lambda: open(T["module"], "a").write("\\nimport os; os.system('id')\\n"))
    attempt("add", lambda: open(T["extra"], "w").write("print('owned')"))
    attempt("own", lambda: open(os.path.join(os.path.dirname(__file__), "x.py"), "w").write("x = 1"))
''', {"module": str(other / "probe_strategy" / "__init__.py"), "extra": str(other / "probe_strategy" / "json.py")})
    registry.rescan()
    h.start()
    results = h.attack()
    failed(results, "edit", "add", "own")
    assert not (other / "probe_strategy" / "json.py").exists()
    registry.install(registry.resolve("probe==1.0.0"))  # still verifies against its RECORD
    h.assert_keeps_trading_with_money_intact()


def test_cannot_write_a_pth_into_the_host_environment(home: Path, host) -> None:
    target = Path(sysconfig.get_paths()["purelib"]) / "zz_liveswap_hostile.pth"
    hostile_wheel(home / "registry", '''
def attack(ctx):
    attempt("pth", lambda: open(T["pth"], "w").write("import os; os.system('touch /tmp/owned')\\n"))
''', {"pth": str(target)})
    h = host()
    h.start()
    results = h.attack()
    failed(results, "pth")
    assert not target.exists()
    h.assert_keeps_trading_with_money_intact()


def test_scratch_is_size_limited_and_the_journals_disk_out_of_reach(home: Path, host) -> None:
    hostile_wheel(home / "registry", '''
def attack(ctx):
    def fill(path):
        chunk = b"x" * (1 << 20)
        written = 0
        with open(path, "wb") as out:
            try:
                for _ in range(200):
                    out.write(chunk)
                    out.flush()
                    written += len(chunk)
            finally:
                LEAK.append("wrote %d MiB to %s" % (written >> 20, path))
    attempt("scratch", lambda: fill("big.bin"))
    attempt("journal_disk", lambda: fill(os.path.join(T["state"], "fill.bin")))
    attempt("tmp", lambda: fill("/tmp/fill.bin"))
    os.remove("big.bin")
''', {"state": str(home / "state")})
    h = host()
    h.start()
    results = h.attack()
    failed(results, "scratch", "journal_disk", "tmp")
    assert "No space left" in results["scratch"] or "File too large" in results["scratch"]
    assert not (home / "state" / "fill.bin").exists()
    assert all(not p.name.startswith("fill") for p in (home / "state").rglob("*"))
    h.assert_keeps_trading_with_money_intact()
