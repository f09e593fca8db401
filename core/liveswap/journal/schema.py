"""Journal schema (version 2) and why each table is written the way it is.

Durability: WAL, and ``PRAGMA synchronous`` chosen per write (set before each transaction):

* ``candles``, ``decisions``, ``orders`` as first written (status ``new``/``stale``), one
  transaction per batch: **NORMAL** -- committed before any order leaves and durable against a
  host crash or ``kill -9`` (the WAL is in the OS page cache), not fsync'd. A power cut may lose
  the last batches; they are then decided again after the restart, and because client order ids
  are deterministic and every broker answers a known id with the first answer (the Kalshi broker
  looks the id up before placing; intents that come back stale are looked up too), a lost row can
  never become a second order or a hidden fill. This keeps the candle path free of fsyncs.
* ``fills`` (with the order's final status), ``settlements``, ``ledger``, ``swaps`` (the persisted
  active version), ``controls``: **FULL** -- money and the operator's decisions; one fsync'd
  commit per batch for all of a batch's broker answers.
* ``candidates``, ``hypothetical_orders``, ``candidate_snapshots`` (version 2, issue 17): a
  rollout's candidate, its hypothetical orders, fills and settlements, and its state snapshots:
  **NORMAL** -- no money moves; after a crash the candidate resumes from its last snapshot and
  re-decides the batches since, which re-creates the same rows (deterministic ids).
* Readers (``status``, ``history``, ``journal export``) never block the engine (WAL).

Migrations: ``MIGRATIONS[n]`` brings a journal of version ``n - 1`` to version ``n``; an older
journal is migrated in one transaction when it is opened, a newer one is refused.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, amount REAL NOT NULL, note TEXT
);
CREATE TABLE IF NOT EXISTS candles (
    market TEXT NOT NULL, start INTEGER NOT NULL, end_ts INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (market, start)
);
CREATE TABLE IF NOT EXISTS decisions (
    market TEXT NOT NULL, candle_start INTEGER NOT NULL, batch_end INTEGER NOT NULL,
    strategy TEXT NOT NULL, version TEXT NOT NULL, intents TEXT NOT NULL, rejected TEXT NOT NULL,
    fault TEXT, decided_at REAL NOT NULL,
    PRIMARY KEY (market, candle_start)
);
CREATE INDEX IF NOT EXISTS decisions_batch ON decisions (batch_end);
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY, batch_end INTEGER NOT NULL, market TEXT NOT NULL,
    candle_market TEXT NOT NULL, candle_start INTEGER NOT NULL, intent_index INTEGER NOT NULL,
    side TEXT NOT NULL, stake REAL NOT NULL, max_price REAL, price REAL NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
    strategy TEXT NOT NULL, version TEXT NOT NULL, tag TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', venue_order_id TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status);
CREATE TABLE IF NOT EXISTS fills (
    client_order_id TEXT PRIMARY KEY REFERENCES orders(client_order_id),
    ts INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL, stake REAL NOT NULL,
    price REAL NOT NULL, shares REAL NOT NULL, fee REAL NOT NULL,
    window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, version TEXT NOT NULL,
    delivered_batch INTEGER
);
CREATE TABLE IF NOT EXISTS settlements (
    client_order_id TEXT PRIMARY KEY REFERENCES fills(client_order_id),
    ts INTEGER NOT NULL, market TEXT NOT NULL, side TEXT NOT NULL, won INTEGER NOT NULL,
    payout REAL NOT NULL, pnl REAL NOT NULL, version TEXT NOT NULL, delivered_batch INTEGER
);
CREATE TABLE IF NOT EXISTS swaps (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, kind TEXT NOT NULL, from_version TEXT,
    to_version TEXT NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL, pause_ms REAL,
    batch_end INTEGER, sha256 TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS controls (
    generation INTEGER NOT NULL, ts REAL NOT NULL, ok INTEGER NOT NULL, reason TEXT NOT NULL
);
"""

CANDIDATES_DDL = """
CREATE TABLE IF NOT EXISTS candidates (
    id INTEGER PRIMARY KEY, spec TEXT NOT NULL, mode TEXT NOT NULL, markets TEXT NOT NULL,
    active TEXT NOT NULL, generation INTEGER NOT NULL, start_batch INTEGER NOT NULL, analysis TEXT NOT NULL,
    auto_promote INTEGER NOT NULL, balance REAL NOT NULL, settlement_rowid INTEGER NOT NULL,
    started_at REAL NOT NULL, ended_at REAL, outcome TEXT, verdict TEXT, reason TEXT, figures TEXT
);
CREATE TABLE IF NOT EXISTS hypothetical_orders (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id), order_id TEXT NOT NULL, spec TEXT NOT NULL,
    batch_end INTEGER NOT NULL, market TEXT NOT NULL, candle_start INTEGER NOT NULL, side TEXT NOT NULL,
    stake REAL NOT NULL, max_price REAL, quote REAL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL, price REAL NOT NULL, shares REAL NOT NULL, fee REAL NOT NULL,
    tag TEXT NOT NULL, settled_batch INTEGER, won INTEGER, payout REAL, pnl REAL, settled_ts INTEGER,
    PRIMARY KEY (candidate_id, order_id)
);
CREATE INDEX IF NOT EXISTS hypothetical_batch ON hypothetical_orders (candidate_id, batch_end);
CREATE TABLE IF NOT EXISTS candidate_snapshots (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id), batch_end INTEGER NOT NULL,
    strategy_state TEXT, rollout_state TEXT NOT NULL, ts REAL NOT NULL,
    PRIMARY KEY (candidate_id, batch_end)
);
"""

MIGRATIONS: dict[int, str] = {2: CANDIDATES_DDL}
"""``MIGRATIONS[n]``: the DDL that brings a journal of version ``n - 1`` to version ``n``."""

DDL = DDL + CANDIDATES_DDL
