"""Opening a ``journal.sqlite``: create a new one, or check an existing one and migrate it.

:func:`open_journal_db` returns the connection :class:`~liveswap.journal.store.Journal` writes
through (WAL, ``synchronous=FULL``, foreign keys on). A corrupt file, something that is not a
liveswap journal, or a journal from a newer liveswap is refused with :class:`JournalError` and
left untouched; an older journal is migrated step by step (:data:`~.schema.MIGRATIONS`), each step
in one transaction, after a copy of the original is kept beside it
(``journal.sqlite.schema<N>.bak``).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from liveswap import __version__
from liveswap.exceptions import JournalError
from liveswap.journal.probation import migrate_probation
from liveswap.journal.schema import DDL, MIGRATIONS, SCHEMA_VERSION


def open_journal_db(path: Path) -> sqlite3.Connection:
    """The connection to the journal at ``path`` (created if missing), at :data:`SCHEMA_VERSION`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        version = _check_existing(db, path) if existed else SCHEMA_VERSION
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        if version < SCHEMA_VERSION:
            _migrate(db, path, version)
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(DDL)
        if not existed:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [("schema_version", str(SCHEMA_VERSION)), ("created_by", __version__),
                     ("created_at", str(time.time()))],
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        migrate_probation(db)
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: not a usable liveswap journal ({exc}); it was left untouched") from exc
    return db


def _check_existing(db: sqlite3.Connection, path: Path) -> int:
    """The schema version of an existing journal, after an integrity check."""
    try:
        ok = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: corrupt journal ({exc}); it was left untouched") from exc
    if ok != "ok":
        raise JournalError(f"{path}: corrupt journal ({ok}); it was left untouched")
    try:
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: not a liveswap journal ({exc}); it was left untouched") from exc
    if row is None:
        raise JournalError(f"{path}: not a liveswap journal (no schema version); it was left untouched")
    if int(row[0]) > SCHEMA_VERSION:
        raise JournalError(
            f"{path}: journal schema {row[0]} is from a newer liveswap (this is {__version__}, "
            f"schema {SCHEMA_VERSION}); upgrade liveswap, the journal was left untouched"
        )
    return int(row[0])


def _migrate(db: sqlite3.Connection, path: Path, version: int) -> None:
    """Bring a journal of schema ``version`` to :data:`SCHEMA_VERSION`, each step in one
    transaction; a copy of the original is kept first (``journal.sqlite.schema<N>.bak``)."""
    backup = path.with_name(f"{path.name}.schema{version}.bak")
    if not backup.exists():
        tmp = backup.with_name(backup.name + ".tmp")
        copy = sqlite3.connect(tmp)
        try:
            db.backup(copy)
        finally:
            copy.close()
        tmp.replace(backup)
    db.execute("PRAGMA foreign_keys=OFF")  # tables are rebuilt; checked before the commit
    while version < SCHEMA_VERSION:
        try:
            db.executescript(
                "BEGIN IMMEDIATE;" + MIGRATIONS[version]
                + f"INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', '{version + 1}');"
                + f"INSERT OR REPLACE INTO meta (key, value) VALUES ('migrated_to_{version + 1}_by', "
                + f"'{__version__}');"
            )
            bad = db.execute("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise JournalError(f"{path}: migration to schema {version + 1} broke {len(bad)} references")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        version += 1
