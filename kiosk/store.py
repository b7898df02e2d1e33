"""The hall's SQLite database: WAL, synchronous=FULL, numbered migrations.

One file per hall holds every ticket ever issued (history is kept; a new business
day starts new sequences, it never deletes), an append-only event log and the
state of each window. sqlite-utils writes the SQL of table rebuilds in migrations
and answers introspection (`kiosk db check`); it never runs the queue's own
transactions. Writes go through one connection inside explicit
`BEGIN IMMEDIATE` transactions, so two kiosks can never draw the same number;
reads go through a second connection, so a screen refresh never queues behind a
write of this process or waits for another process's write lock (WAL readers
never block and are never blocked).

How long a write may wait for the lock is the caller's choice (`waiting_at_most`):
a command-line tool can wait the default 30 s, a touch screen's attempt waits a
second or two and tries again, showing 请稍候 in between.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import logging
import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Union

if TYPE_CHECKING:
    import sqlite_utils

from kiosk.errors import StoreBusy, StoreError
from kiosk.privacy import PRIVATE_FILE_MODE, make_private_dir, make_private_file

log = logging.getLogger(__name__)

# With the idle checkpointer running, SQLite's own checkpoint only fires for a
# burst this long without a quiet second (~40 MB of WAL at 4 KB pages).
BACKSTOP_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
# How long a write waits for the write lock unless the caller says otherwise.
DEFAULT_WRITE_WAIT_SECONDS = 30.0

# Each entry is applied once, in order, inside one transaction, and recorded in
# schema_migrations. Never edit a shipped migration: append a new one. A step is
# SQL text, or a function of sqlite-utils' Database returning statements (see
# Store.migrate): table rebuilds go through sqlite-utils' transform_sql.
MigrationStep = Union[str, Callable[["sqlite_utils.Database"], Iterable[str]]]
Migration = tuple[int, str, MigrationStep]


def _dropoffs_with_lapsed_status(db: "sqlite_utils.Database") -> list[str]:
    """SQLite cannot change a CHECK in place: sqlite-utils' rebuild (which keeps the
    constraints, the rows and the indexes) with 'lapsed' added to the status list."""
    statements = list(db["dropoffs"].transform_sql())
    listed = "'ready', 'collected')"
    if statements[0].count(listed) != 1:
        raise RuntimeError("the dropoffs table's status CHECK is not the one migration 5 created")
    statements[0] = statements[0].replace(listed, "'ready', 'collected', 'lapsed')")
    return statements


MIGRATIONS: tuple[Migration, ...] = (
    (
        1,
        "queue: counters, tickets, append-only events, window state, alerts",
        """
        CREATE TABLE queue_counters (
            queue_id TEXT NOT NULL,
            business_day TEXT NOT NULL,
            last_number INTEGER NOT NULL,
            PRIMARY KEY (queue_id, business_day)
        ) WITHOUT ROWID;
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY,
            queue_id TEXT NOT NULL,
            business_day TEXT NOT NULL,
            number INTEGER NOT NULL,
            code TEXT NOT NULL,
            priority TEXT NOT NULL DEFAULT 'normal',
            holder_hash TEXT,
            channel TEXT NOT NULL DEFAULT 'kiosk',
            status TEXT NOT NULL CHECK (status IN
                ('waiting', 'called', 'serving', 'suspended', 'finished', 'no_show', 'transferred')),
            arrival_at TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            called_at TEXT,
            started_at TEXT,
            finished_at TEXT,
            window_number INTEGER,
            recall_count INTEGER NOT NULL DEFAULT 0,
            origin_ticket_id INTEGER REFERENCES tickets(id),
            transferred_to_id INTEGER REFERENCES tickets(id),
            updated_at TEXT NOT NULL
        );
        -- A number is drawn once per queue and day; transfer copies reuse theirs.
        CREATE UNIQUE INDEX tickets_drawn_number
            ON tickets (queue_id, business_day, number) WHERE origin_ticket_id IS NULL;
        -- Equality on all three, then a rowid range: "who is ahead of ticket N" is an index range.
        CREATE INDEX tickets_by_day_queue_status ON tickets (business_day, queue_id, status);
        -- Partial: anonymous tickets (most of them) cost this index nothing.
        CREATE INDEX tickets_by_holder ON tickets (holder_hash, business_day) WHERE holder_hash IS NOT NULL;

        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            ticket_id INTEGER,
            window_number INTEGER,
            queue_id TEXT,
            actor TEXT,
            data TEXT
        );
        CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

        CREATE TABLE window_state (
            window_number INTEGER PRIMARY KEY,
            paused INTEGER NOT NULL DEFAULT 0,
            current_ticket_id INTEGER REFERENCES tickets(id),
            last_call_was_priority INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT
        );

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            source TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
            code TEXT NOT NULL,
            message_zh TEXT NOT NULL,
            message_en TEXT NOT NULL,
            resolved_at TEXT
        );
        CREATE INDEX alerts_open ON alerts (resolved_at, at);
        """,
    ),
    (
        2,
        "queue: numbers come from the tickets themselves; the counter table goes",
        # The next number is MAX(number) + 1 over the partial unique index
        # tickets_drawn_number, read inside the same BEGIN IMMEDIATE that inserts
        # the ticket: the index already holds the sequence, so a separate counter
        # row was one more B-tree page in every ticket's fsync and a second truth
        # that could disagree. Migration 1 kept them equal (db check verified it),
        # so dropping the counter loses nothing.
        """
        DROP TABLE queue_counters;
        """,
    ),
    (
        3,
        "queue: find staff's latest clock confirmation without scanning the event log",
        # Issuing stops while the clock reads earlier than the last ticket; a staff
        # member who has checked the clock confirms it (an event, like every staff
        # action). Only those rows are in this index, so the lookup is one step.
        """
        CREATE INDEX events_clock_confirmed ON events (id) WHERE kind = 'clock_confirmed';
        """,
    ),
    (
        4,
        "staff access: find the latest PIN tries without scanning the event log",
        # The staff lockout counts wrong PINs since the last login or new PIN, from
        # these events (kept across restarts, shared by every process of the hall).
        # Only these rows are in the index; the query repeats its exact WHERE.
        """
        CREATE INDEX events_staff_access ON events (id)
            WHERE kind IN ('staff_pin_set', 'staff_login', 'staff_pin_wrong');
        """,
    ),
    (
        5,
        "drop-off: submissions, their pages (sealed files), an append-only audit",
        # Personal details only sealed (AES-GCM, kiosk.dropoff.vault) plus a keyed
        # hash to find a holder's drop-offs; pages are files named by keyed content
        # hash, a row per page. A blob column is NULL once retention removed the file.
        # Lookups by code + last 4 that fail are audit rows with no drop-off, so the
        # rate limit holds across restarts and processes.
        """
        CREATE TABLE dropoffs (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            matter_id TEXT NOT NULL,
            matter_name TEXT NOT NULL,
            department TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL DEFAULT 'kiosk',
            status TEXT NOT NULL CHECK (status IN
                ('submitted', 'accepted', 'correction', 'rejected', 'ready', 'collected')),
            holder_lookup TEXT NOT NULL,
            holder_sealed TEXT NOT NULL,
            masked_name TEXT NOT NULL DEFAULT '',
            page_count INTEGER NOT NULL,
            materials TEXT NOT NULL,
            pdf_blob TEXT,
            submitted_at TEXT NOT NULL,
            review_on TEXT,
            promised_working_days INTEGER,
            case_number TEXT UNIQUE,
            accepted_at TEXT,
            due_on TEXT,
            status_note TEXT NOT NULL DEFAULT '',
            closed_at TEXT,
            scans_deleted_at TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX dropoffs_by_holder ON dropoffs (holder_lookup, submitted_at);
        CREATE INDEX dropoffs_by_status ON dropoffs (status, submitted_at);
        CREATE INDEX dropoffs_closed ON dropoffs (closed_at) WHERE closed_at IS NOT NULL AND scans_deleted_at IS NULL;

        CREATE TABLE dropoff_pages (
            dropoff_id INTEGER NOT NULL REFERENCES dropoffs(id),
            page_number INTEGER NOT NULL,
            material_index INTEGER NOT NULL,
            material_name TEXT NOT NULL,
            blob TEXT,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            size_bytes INTEGER NOT NULL,
            PRIMARY KEY (dropoff_id, page_number)
        ) WITHOUT ROWID;
        CREATE INDEX dropoff_pages_by_blob ON dropoff_pages (blob) WHERE blob IS NOT NULL;

        CREATE TABLE dropoff_audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            dropoff_id INTEGER REFERENCES dropoffs(id),
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            data TEXT
        );
        CREATE INDEX dropoff_audit_by_dropoff ON dropoff_audit (dropoff_id, id);
        CREATE INDEX dropoff_audit_lookups ON dropoff_audit (actor, at) WHERE action = 'lookup_wrong';
        CREATE TRIGGER dropoff_audit_append_only_update BEFORE UPDATE ON dropoff_audit
            BEGIN SELECT RAISE(ABORT, 'dropoff_audit is append-only'); END;
        CREATE TRIGGER dropoff_audit_append_only_delete BEFORE DELETE ON dropoff_audit
            BEGIN SELECT RAISE(ABORT, 'dropoff_audit is append-only'); END;
        """,
    ),    (
        6,
        "hall server: staff accounts, their sessions, an append-only accounts audit",
        # Passwords only as salted scrypt hashes with their parameters
        # (kiosk.services.accounts); wrong tries in a row and the lockout live on the
        # account row, so they hold across restarts and every process of the hall.
        # Sessions are kept by the SHA-256 of their random token: a copied database
        # lets nobody in. Logins, logouts and account changes go to account_audit;
        # counter operations stay in `events` with the staff member as the actor.
        """
        CREATE TABLE staff_accounts (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('window_staff', 'hall_manager', 'county_auditor')),
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            failed_in_a_row INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            password_set_at TEXT NOT NULL,
            last_login_at TEXT
        );
        CREATE TABLE staff_sessions (
            token_hash TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES staff_accounts(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT,
            client TEXT NOT NULL DEFAULT ''
        ) WITHOUT ROWID;
        CREATE INDEX staff_sessions_by_account ON staff_sessions (account_id, expires_at);
        CREATE TABLE account_audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            account TEXT,
            client TEXT NOT NULL DEFAULT '',
            data TEXT
        );
        CREATE TRIGGER account_audit_append_only_update BEFORE UPDATE ON account_audit
            BEGIN SELECT RAISE(ABORT, 'account_audit is append-only'); END;
        CREATE TRIGGER account_audit_append_only_delete BEFORE DELETE ON account_audit
            BEGIN SELECT RAISE(ABORT, 'account_audit is append-only'); END;
        """,
    ),
    (
        7,
        "hall server: kiosk devices that take numbers over HTTP, by device token",
        # A kiosk (the second one in the hall, a tablet at the door) authenticates with a
        # random token made at the terminal (`kiosk device add NAME`); only its SHA-256 is
        # kept, like a session's. Adding, disabling and enabling go to account_audit.
        """
        CREATE TABLE kiosk_devices (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            token_hash TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        """,
    ),
    (
        8,
        "ratings: one satisfaction rating per finished ticket or closed drop-off, 差评 follow-up, audit",
        # The national five levels as numbers (kiosk.satisfaction: 5 非常满意 … 1 非常不满意).
        # A rating names exactly one subject (a ticket or a drop-off) and each subject
        # is rated at most once (the UNIQUE columns). What was rated never changes:
        # only the follow-up columns of a 差评 may be updated (the trigger), and each
        # rating and follow-up step is also a row in the append-only rating_audit.
        # The window, queue, staff member (the actor who finished the ticket) and
        # matter are copied at rating time, so reports need no join through events.
        """
        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            ticket_id INTEGER UNIQUE REFERENCES tickets(id),
            dropoff_id INTEGER UNIQUE REFERENCES dropoffs(id),
            business_day TEXT NOT NULL,
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            reasons TEXT NOT NULL DEFAULT '[]',
            comment TEXT NOT NULL DEFAULT '',
            queue_id TEXT,
            window_number INTEGER,
            staff TEXT NOT NULL DEFAULT '',
            matter_id TEXT,
            service_channel TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL,
            rated_at TEXT NOT NULL,
            followup TEXT CHECK (followup IN ('open', 'handled')),
            handled_at TEXT,
            handled_by TEXT,
            handled_note TEXT NOT NULL DEFAULT '',
            CHECK ((ticket_id IS NULL) <> (dropoff_id IS NULL)),
            CHECK ((level <= 2) = (followup IS NOT NULL))
        );
        CREATE INDEX ratings_by_day ON ratings (business_day);
        CREATE INDEX ratings_open_followups ON ratings (id) WHERE followup = 'open';
        CREATE TRIGGER ratings_rated_is_final BEFORE UPDATE OF ticket_id, dropoff_id, business_day, level, reasons,
            comment, queue_id, window_number, staff, matter_id, service_channel, channel, rated_at ON ratings
            BEGIN SELECT RAISE(ABORT, 'a rating is final: only its follow-up changes'); END;
        CREATE TRIGGER ratings_never_deleted BEFORE DELETE ON ratings
            BEGIN SELECT RAISE(ABORT, 'ratings are kept'); END;
        CREATE TABLE rating_audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            rating_id INTEGER NOT NULL REFERENCES ratings(id),
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            data TEXT
        );
        CREATE INDEX rating_audit_by_rating ON rating_audit (rating_id, id);
        CREATE TRIGGER rating_audit_append_only_update BEFORE UPDATE ON rating_audit
            BEGIN SELECT RAISE(ABORT, 'rating_audit is append-only'); END;
        CREATE TRIGGER rating_audit_append_only_delete BEFORE DELETE ON rating_audit
            BEGIN SELECT RAISE(ABORT, 'rating_audit is append-only'); END;
        """,
    ),
    (
        9,
        "issue requests: a kiosk device's tap (idempotency key) -> the one ticket it drew",
        # A second kiosk sends a key per tap with POST /api/kiosk/tickets. The key is
        # recorded in the very transaction that draws the number, so a retry after a
        # timeout finds the ticket already drawn and gets it back instead of a second one.
        # `request_key` is "<device name>:<key>": one device cannot replay another's taps.
        """
        CREATE TABLE issue_requests (
            request_key TEXT PRIMARY KEY,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id),
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        10,
        "drop-off pages: whether the kiosk was sure which way is up",
        # A page with no readable text or QR is kept as laid; staff are told to check it.
        # Pages stored before this migration were not judged: they count as sure.
        "ALTER TABLE dropoff_pages ADD COLUMN upright_sure INTEGER NOT NULL DEFAULT 1 CHECK (upright_sure IN (0, 1));",
    ),
    (
        11,
        "drop-offs: status 'lapsed' (a correction never brought in closes after correction_wait_days)",
        _dropoffs_with_lapsed_status,
    ),
)



class Store:
    """The hall database as seen by one process: a write connection and a read connection.

    SQLite serialises writers across processes; `_write_lock` serialises this
    process's threads on the write connection and `_read_lock` on the read one
    (a sqlite3 connection must not be used by two threads at once). A thread waits
    for the write lock at most as long as its `waiting_at_most` says, then gets
    StoreBusy, which guarantees nothing was written: the caller may simply try again.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            if not self.path.parent.exists():
                # A folder made here is private; an existing one is the composition
                # root's to tighten (it knows which folder is the hall's data folder:
                # `--db` may point into a folder that is not ours to change).
                make_private_dir(self.path.parent)
            _create_private(self.path)
            conn = sqlite3.connect(
                self.path, isolation_level=None, timeout=DEFAULT_WRITE_WAIT_SECONDS, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open database {self.path}: {exc}",
                "数据保存出了问题，请联系工作人员",
                path=str(self.path),
            ) from exc
        self.conn = conn
        self.conn.row_factory = sqlite3.Row
        self._write_lock = threading.RLock()
        self._read_lock = threading.RLock()
        self._wait_limit = threading.local()
        self._busy_timeout_ms = int(DEFAULT_WRITE_WAIT_SECONDS * 1000)
        self._db: "sqlite_utils.Database | None" = None
        self._checkpointer: _IdleCheckpointer | None = None
        self.reader: sqlite3.Connection | None = None
        try:
            self._apply_pragmas()
            self._make_companions_private()
            self.migrate()
            self.reader = self._open_reader()
        except sqlite3.DatabaseError as exc:  # not a database, damaged, or a read-only/full disk
            conn.close()
            log.error("cannot use database %s: %s", self.path, exc)
            raise StoreError(
                f"cannot use database {self.path}: {exc}",
                "数据文件损坏或无法写入，请联系工作人员",
                path=str(self.path),
            ) from exc

    def _make_companions_private(self) -> None:
        """-wal and -shm hold recent rows too. SQLite gives the ones it creates the
        database file's mode (0600); ones left by an older version may be wider."""
        for suffix in ("-wal", "-shm"):
            make_private_file(self.path.with_name(self.path.name + suffix))

    def _open_reader(self) -> sqlite3.Connection:
        # Opened after the migrations, so it sees the current schema. In WAL mode it
        # reads the last committed state while any process writes; the short busy
        # timeout covers only the rare moments SQLite itself needs (WAL recovery).
        reader = sqlite3.connect(self.path, isolation_level=None, timeout=2.0, check_same_thread=False)
        reader.row_factory = sqlite3.Row
        reader.execute("PRAGMA foreign_keys=ON")
        return reader

    def _apply_pragmas(self) -> None:
        mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            log.warning("database %s refused WAL (journal_mode=%s)", self.path, mode)
        # FULL: a ticket a citizen was told about survives a power cut.
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        # After a checkpoint the WAL is reused from its start; keep the file (an
        # overwrite fsyncs faster than an append that grows it) but bound it.
        self.conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")

    @property
    def db(self) -> "sqlite_utils.Database":
        """sqlite-utils over the write connection: migrations' table rebuilds, introspection, reports.

        Imported on first use: sqlite_utils pulls in numpy (~0.3 s), which the
        kiosk's first frame and every ticket can do without.
        """
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def table_counts(self) -> dict[str, int]:
        with self._write_lock:
            return {name: self.db[name].count for name in self.db.table_names()}

    # -- migrations ---------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
        if not exists:
            return 0
        row = self.conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def migrate(self, migrations: tuple[Migration, ...] | None = None) -> int:
        """Apply the pending migrations, all in one transaction: all of them or none.

        A step is SQL text, or a function given sqlite-utils' Database over this
        connection that returns SQL statements: `db["tickets"].transform_sql(...)`
        does SQLite's twelve-step table rebuild (rename a column, change a type,
        add a foreign key) correctly, and `db.create_table_sql(...)` writes a
        CREATE TABLE. Only the statements are taken from sqlite-utils; they run
        here, inside the one BEGIN IMMEDIATE, because its `transform()` commits
        on its own and a crash half way would leave a half-rebuilt table. Foreign
        keys are off while a rebuild runs (SQLite's rule) and checked before the
        commit.
        """
        migrations = MIGRATIONS if migrations is None else migrations
        with self._write_lock:
            # Only outside a transaction does this take effect.
            self.conn.execute("PRAGMA foreign_keys=OFF")
            try:
                self._migrate_in_one_transaction(migrations)
            finally:
                self.conn.execute("PRAGMA foreign_keys=ON")
        return self.schema_version()

    def _migrate_in_one_transaction(self, migrations: tuple[Migration, ...]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            current = int(self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
            for version, description, step in migrations:
                if version <= current:
                    continue
                statements = _split_sql(step) if isinstance(step, str) else list(step(self.db))
                for statement in statements:
                    self.conn.execute(statement)
                self.conn.execute(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (version, description),
                )
                log.info("database %s migrated to version %d", self.path, version)
            broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise sqlite3.IntegrityError(f"migration broke {len(broken)} foreign key(s), first in {broken[0][0]}")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise


    # -- transactions ---------------------------------------------------------
    @contextlib.contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Writes on this thread wait at most `seconds` for the write lock, then raise StoreBusy."""
        previous = getattr(self._wait_limit, "seconds", None)
        self._wait_limit.seconds = max(0.0, seconds)
        try:
            yield
        finally:
            self._wait_limit.seconds = previous

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT`: all or nothing, one writer at a time.

        StoreBusy (the lock was not had in time) is raised before anything is
        written, so retrying after it can never write twice.
        """
        limit = getattr(self._wait_limit, "seconds", None)
        limit = DEFAULT_WRITE_WAIT_SECONDS if limit is None else limit
        started = time.monotonic()
        if not self._write_lock.acquire(timeout=limit if limit > 0 else 0):
            raise _busy("another thread of this process is writing", limit)
        try:
            remaining = max(0.0, limit - (time.monotonic() - started))
            self._set_busy_timeout(int(remaining * 1000))
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_locked(exc):
                    log.warning("database %s is locked by another writer (waited %.1f s)", self.path, limit)
                    raise _busy(str(exc), limit) from exc
                raise _store_error("begin", exc) from exc
            try:
                yield self.conn
            except sqlite3.Error as exc:
                # SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR).
                self._rollback_if_open()
                log.error("database write failed and was rolled back: %s", exc)
                raise _store_error("write", exc) from exc
            except BaseException:
                self._rollback_if_open()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback_if_open()
                log.error("database commit failed and was rolled back: %s", exc)
                raise _store_error("commit", exc) from exc
        finally:
            self._write_lock.release()

    def _set_busy_timeout(self, milliseconds: int) -> None:
        if milliseconds != self._busy_timeout_ms:
            self.conn.execute(f"PRAGMA busy_timeout={milliseconds}")
            self._busy_timeout_ms = milliseconds

    def _rollback_if_open(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several reads, on the read connection.

        WAL readers never block writers and are never blocked by them, so a screen
        refresh is answered at once even while another process holds the write lock.
        """
        with self._read_lock:
            reader = self._reader_or_raise()
            reader.execute("BEGIN")
            try:
                yield reader
            finally:
                reader.execute("COMMIT")

    @contextlib.contextmanager
    def query(self) -> Iterator[sqlite3.Connection]:
        """Single statements in autocommit on the read connection: no snapshot."""
        with self._read_lock:
            yield self._reader_or_raise()

    def _reader_or_raise(self) -> sqlite3.Connection:
        if self.reader is None:
            raise StoreError(f"database {self.path} is closed", "数据保存出了问题，请联系工作人员")
        return self.reader

    def close(self) -> None:
        self.stop_idle_checkpoints()
        with self._read_lock:
            if self.reader is not None:
                self.reader.close()
                self.reader = None
        with self._write_lock:
            self.conn.close()

    # -- backup -----------------------------------------------------------------
    def backup_to(self, destination: str | Path) -> Path:
        """Copy the whole database, consistent as of one moment, while the hall keeps working.

        SQLite's online backup copies one snapshot (WAL included) while kiosks
        keep issuing tickets. The copy is written beside its final name,
        checked, fsynced and only then renamed: a full USB stick or a pulled cable
        never leaves a half-written file that looks like a backup. Holder hashes are
        useless without holder.key, which is deliberately not in the copy.
        """
        target = Path(destination)
        if target.is_dir():
            target = target / f"{self.path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.db"
        if target.exists():
            raise StoreError(f"backup target {target} already exists", "备份文件已存在，请换一个文件名", path=str(target))
        partial: Path | None = None
        try:
            # A name of its own (two backups at once never share or delete each other's).
            handle, scratch = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
            os.close(handle)
            partial = Path(scratch)
            # Its own connection and one step: the whole copy is one WAL read
            # snapshot, which blocks no writer (stepwise copies restart whenever
            # another connection writes, and this connection's lock would stall
            # the kiosk's tickets for as long as a slow USB stick takes). as_uri()
            # quotes the path: a '?' or '#' in a folder name must not open another file.
            source = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30.0)
            copy = sqlite3.connect(partial, isolation_level=None)
            try:
                source.backup(copy, pages=-1)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
                has_tickets = copy.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tickets'").fetchone()
            finally:
                copy.close()
                source.close()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {verdict}")
            if not has_tickets:
                raise sqlite3.DatabaseError("the copy holds no tickets table: not the hall database")
            with open(partial, "rb") as copied:
                os.fsync(copied.fileno())
            _publish_without_overwriting(partial, target)
        except (OSError, sqlite3.Error) as exc:
            if partial is not None:
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)
            if isinstance(exc, FileExistsError):
                raise StoreError(f"backup target {target} already exists", "备份文件已存在，请换一个文件名",
                                 path=str(target)) from exc
            log.error("backup of %s to %s failed: %s", self.path, target, exc)
            full = "full" in str(exc).lower() or getattr(exc, "errno", None) == 28
            raise StoreError(
                f"backup of {self.path} to {target} failed: {exc}",
                "备份盘空间不够，请换一个有空间的U盘" if full else "备份没有成功，请检查U盘或备份位置",
                path=str(target),
            ) from exc
        log.info("database %s backed up to %s", self.path, target)
        return target

    # -- checkpoints ------------------------------------------------------------
    def start_idle_checkpoints(self, quiet_seconds: float = 1.0, poll_seconds: float = 0.5) -> None:
        """Copy the WAL back into the database while the hall is quiet, not inside a ticket.

        By default SQLite checkpoints inside whichever commit pushes the WAL past
        1,000 pages: with four or five pages per ticket that is one ticket in two
        hundred, and that citizen's commit also pays for copying and fsyncing the
        database file (1.5-2.5 ms here, the whole p99 of `issue`). A hall issues
        at most a ticket a second and is idle almost all day, so a thread with its
        own connection checkpoints once the WAL has been untouched for
        `quiet_seconds` (by any process: it watches the WAL file itself). The
        automatic checkpoint stays as a backstop at a larger size for a burst
        that never pauses; the WAL file keeps its size (writes then overwrite it
        in place, which fsyncs faster than growing a file) up to a limit.
        """
        if self._checkpointer is not None:
            return
        with self._write_lock:
            self.conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
        self._checkpointer = _IdleCheckpointer(self.path, quiet_seconds, poll_seconds)
        self._checkpointer.start()

    def stop_idle_checkpoints(self) -> None:
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()

    @property
    def checkpoint_stats(self) -> "CheckpointStats | None":
        return self._checkpointer.stats if self._checkpointer is not None else None

    # -- checks -----------------------------------------------------------------
    def integrity_problems(self) -> list[str]:
        """Everything `kiosk db check` reports; an empty list means healthy."""
        problems: list[str] = []
        with self.read() as conn:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems.extend(f"integrity_check: {line}" for line in result)
            for row in conn.execute("PRAGMA foreign_key_check"):
                problems.append(f"foreign key broken in {row[0]} rowid {row[1]}")
            for row in conn.execute(
                "SELECT queue_id, business_day, COUNT(*) AS n, MIN(number) AS lo, MAX(number) AS hi "
                "FROM tickets WHERE origin_ticket_id IS NULL GROUP BY queue_id, business_day"
            ):
                if row["lo"] != 1 or row["hi"] != row["n"]:
                    problems.append(
                        f"queue {row['queue_id']} on {row['business_day']}: numbers {row['lo']}..{row['hi']} "
                        f"for {row['n']} tickets (gap or duplicate)"
                    )
            for row in conn.execute(
                "SELECT w.window_number, t.code, t.status FROM window_state w "
                "JOIN tickets t ON t.id = w.current_ticket_id WHERE t.status NOT IN ('called', 'serving')"
            ):
                problems.append(f"window {row[0]} holds {row[1]} which is {row[2]}")
        return problems


def _create_private(path: Path) -> None:
    """The database file exists and only its owner may read it (0600), before SQLite opens it.

    Created here with 0600 rather than by SQLite with the process umask (0644 in a
    shell), so not even an empty file is readable by others; an existing file that
    is wider is chmodded (logged).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        make_private_file(path)
    else:
        os.close(fd)


def _publish_without_overwriting(partial: Path, target: Path) -> None:
    """Give the finished copy its name, failing if that name exists; then make it durable.

    link() refuses an existing name atomically; a FAT-formatted USB stick has no
    links, and there a check then rename is the best available. The folder is
    fsynced so "备份完成" holds even if the stick is pulled right after.
    """
    try:
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system (vfat, exfat)
        if target.exists():
            raise FileExistsError(str(target)) from None
        os.replace(partial, target)
    else:
        partial.unlink()
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _is_locked(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _busy(reason: str, waited: float) -> StoreBusy:
    return StoreBusy(f"database busy after waiting {waited:.1f} s: {reason}", "系统繁忙，请稍后再试", waited=waited)


def _store_error(stage: str, exc: sqlite3.Error) -> StoreError:
    text = str(exc)
    if "disk" in text or "full" in text:
        zh = "存储空间已满，请联系工作人员"
    else:
        zh = "系统繁忙，请稍后再试"
    return StoreError(f"database {stage} failed: {text}", zh)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; trigger bodies keep their inner `;`."""
    statements, buffer = [], []
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buffer.append(line)
        joined = "\n".join(buffer)
        if stripped.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            buffer = []
    if buffer:
        statements.append("\n".join(buffer))
    return statements


@dataclasses.dataclass
class CheckpointStats:
    runs: int = 0
    frames_copied: int = 0
    # The latest durations only: a kiosk runs for months.
    seconds: collections.deque = dataclasses.field(default_factory=lambda: collections.deque(maxlen=1000))
    failures: int = 0


class _IdleCheckpointer:
    """A daemon thread that runs PASSIVE checkpoints when the WAL has gone quiet.

    It uses its own connection, so it never holds the Store's lock: a ticket drawn
    during a checkpoint just appends to the WAL (PASSIVE never blocks writers).
    """

    def __init__(self, db_path: Path, quiet_seconds: float, poll_seconds: float) -> None:
        self.db_path = db_path
        self.wal_path = db_path.with_name(db_path.name + "-wal")
        self.quiet_seconds = quiet_seconds
        self.poll_seconds = poll_seconds
        self.stats = CheckpointStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"checkpoint {db_path.name}", daemon=True)
        self._checkpointed_mtime: int | None = None
        self._seen_mtime: int | None = None
        self._seen_at = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        conn = None
        try:
            conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=1.0, check_same_thread=False)
            while not self._stop.wait(self.poll_seconds):
                self._checkpoint_if_quiet(conn)
        except sqlite3.Error as exc:
            log.error("idle checkpoints stopped for %s: %s", self.db_path, exc)
        finally:
            if conn is not None:
                conn.close()

    def _checkpoint_if_quiet(self, conn: sqlite3.Connection) -> None:
        try:
            mtime = os.stat(self.wal_path).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime == self._checkpointed_mtime:
            return  # nothing written since the last checkpoint
        if mtime != self._seen_mtime:
            # Just written. Quiet is measured on the monotonic clock from here, not by
            # comparing the file's time with the wall clock: a kiosk whose clock is
            # set back (no RTC battery, NTP at boot) would otherwise never look quiet.
            self._seen_mtime, self._seen_at = mtime, time.monotonic()
            return
        if time.monotonic() - self._seen_at < self.quiet_seconds:
            return  # still busy: wait for a pause
        started = time.perf_counter()
        try:
            busy, wal_frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # disk full, I/O error: the WAL keeps the data; try later
            self.stats.failures += 1
            log.warning("checkpoint of %s failed, will retry: %s", self.db_path, exc)
            return
        self.stats.seconds.append(time.perf_counter() - started)
        self.stats.runs += 1
        self.stats.frames_copied += max(copied, 0)
        if not busy and copied == wal_frames:
            self._checkpointed_mtime = mtime
