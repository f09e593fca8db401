"""The journal's probation records: every probation, how it ended, and host deaths during it.

One row per probation: the version on probation (``spec``), the version it replaced
(``previous``), the batch it started after, and its ``outcome`` -- NULL while it runs, then
``passed``, ``rolled-back`` (a fault, or the operator), ``failed`` (faulted and the previous
version could not be brought back either) or ``host-died`` (the host died during it
``max_probation_crashes`` times). A host that starts while a probation is open counts one death.

The table is additive (``CREATE TABLE IF NOT EXISTS``, no data rewritten), so it needs no schema
version of its own: :func:`migrate_probation` is the one migration step, to renumber into the
journal's migration chain when there is one.
"""

from __future__ import annotations

import sqlite3

PROBATION_DDL = """
CREATE TABLE IF NOT EXISTS probations (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, spec TEXT NOT NULL, previous TEXT NOT NULL,
    batch_end INTEGER, outcome TEXT, reason TEXT NOT NULL DEFAULT '', host_deaths INTEGER NOT NULL DEFAULT 0,
    ended_at REAL
);
"""


def migrate_probation(db: sqlite3.Connection) -> None:
    """Add the ``probations`` table to a journal that lacks it (idempotent)."""
    db.executescript(PROBATION_DDL)
