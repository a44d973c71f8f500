"""The local records database: what was uploaded where, multipart state, what was downloaded.

Why SQLite: many processes (a host session, the CLI, a batch job) may transfer
at once and must share one answer to "is this file already on the farm?".
WAL lets readers and one writer work side by side; a busy timeout makes
writers wait for each other instead of failing. ``sqlite3`` connections must
not be shared between threads, so each thread gets its own, opened lazily.

Platforms are told apart by a *platform id* string (see :func:`platform_id`):
the name plus where it really points (endpoint/bucket/prefix or folder root),
so two different platforms that happen to share a name never mix records.
Every method also accepts a ``Platform`` object and derives the id itself.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from ..errors import RfsyncError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000
_IN_BATCH = 500  # keys per "IN (...)" query; stays well below SQLite's variable limit


def retry_locked(step: Callable[[], Any], timeout_s: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """Run ``step``, again while SQLite answers "locked"/"busy", for at most ``timeout_s``.

    Switching to WAL (or creating the schema) may answer "locked" at once, without the busy handler,
    while another connection sets the same database up; every other error is raised at once.
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as err:
            text = str(err).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


class RecordsError(RfsyncError):
    """The records database cannot be opened or used (corrupt, newer schema, unwritable)."""


SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")
"""The database and the files SQLite opens beside it (it follows links: no ``O_NOFOLLOW`` there)."""


def refuse_links(path: Path) -> None:
    """:class:`RecordsError` when the database or a side file of it is a symbolic link: SQLite would
    open (or create) its target, wherever it points. Checked before every connect (``lstat``)."""
    for suffix in SQLITE_SIDE_FILES:
        name = f"{path}{suffix}"
        if os.path.islink(name):
            raise RecordsError(f"refusing the records database: {name} is a symbolic link "
                               f"(to {os.readlink(name)}); move it away")


class UploadRecord(NamedTuple):
    key: str
    local: str
    size: int
    mtime_ns: int
    etag: str


class MultipartRecord(NamedTuple):
    key: str
    upload_id: str
    local: str
    size: int
    mtime_ns: int
    part_size: int


class PartRecord(NamedTuple):
    number: int
    size: int
    etag: str


class DownloadRecord(NamedTuple):
    key: str
    local: str
    size: int
    etag: str
    local_mtime_ns: int


PlatformRef = Union[str, Any]
"""A platform id string, or a ``Platform`` (its id is derived with :func:`platform_id`)."""


def platform_id(platform: Any) -> str:
    """A stable id for where a platform's objects really live (name + engine + location)."""
    if isinstance(platform, str):
        return platform
    engine = getattr(platform, "engine", "")
    name = getattr(platform, "name", "")
    if engine == "folder":
        root = getattr(platform, "root", "") or ""
        where = os.path.normcase(os.path.abspath(os.path.expanduser(root))) if root else ""
        return f"{name}|folder|{where}"
    endpoint = (getattr(platform, "endpoint", "") or "").rstrip("/")
    bucket = getattr(platform, "bucket", "") or ""
    prefix = (getattr(platform, "prefix", "") or "").strip("/")
    return f"{name}|{engine}|{endpoint}|{bucket}|{prefix}"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (
    platform TEXT NOT NULL, key TEXT NOT NULL, local TEXT NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, etag TEXT NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (platform, key));
CREATE TABLE IF NOT EXISTS multiparts (
    platform TEXT NOT NULL, key TEXT NOT NULL, upload_id TEXT NOT NULL, local TEXT NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, part_size INTEGER NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (platform, key));
CREATE TABLE IF NOT EXISTS parts (
    platform TEXT NOT NULL, key TEXT NOT NULL, upload_id TEXT NOT NULL, number INTEGER NOT NULL,
    size INTEGER NOT NULL, etag TEXT NOT NULL,
    PRIMARY KEY (platform, key, upload_id, number));
CREATE TABLE IF NOT EXISTS downloads (
    platform TEXT NOT NULL, key TEXT NOT NULL, local TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, local_mtime_ns INTEGER NOT NULL, updated REAL NOT NULL,
    PRIMARY KEY (platform, key));
"""


class Records:
    """The records database at ``path``; safe to use from many threads and processes."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: List[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._conn()  # open now so a bad file or a newer schema fails early, in the caller's thread

    # -- connections -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: Optional[sqlite3.Connection] = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise RecordsError(f"records database {self.path} is closed")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            refuse_links(self.path)
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as err:
            raise RecordsError(f"cannot open records database {self.path}: {err}") from err
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._setup(conn)
        except RecordsError:
            conn.close()
            raise
        except sqlite3.Error as err:
            conn.close()
            raise RecordsError(
                f"records database {self.path} is unusable ({err}); move it away to start afresh"
            ) from err
        self._local.conn = conn
        with self._lock:
            self._all.append(conn)
        return conn

    def _setup(self, conn: sqlite3.Connection) -> None:
        """WAL + schema (see :func:`retry_locked`)."""

        def setup() -> None:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._ensure_schema(conn)

        retry_locked(setup)

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        version = self._read_version(conn)
        if version is None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        conn.execute(stmt)
                conn.execute(
                    "INSERT OR IGNORE INTO meta(name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            version = self._read_version(conn)
        if version is None or version > SCHEMA_VERSION:
            raise RecordsError(
                f"records database {self.path} has schema version {version}, newer than this rfsync "
                f"understands ({SCHEMA_VERSION}); upgrade rfsync or use another records file"
            )
        if version < SCHEMA_VERSION:  # pragma: no cover - no older versions exist yet
            raise RecordsError(f"records database {self.path} has an old schema version {version}")

    @staticmethod
    def _read_version(conn: sqlite3.Connection) -> Optional[int]:
        row = conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if row is None:
            return None
        row = conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        if row is None:
            return None
        try:
            return int(row[0])
        except ValueError:
            return 10**9  # unreadable: treat as "not ours"

    def _write(self, sql: str, params: Sequence[Any] = ()) -> None:
        try:
            self._conn().execute(sql, params)
        except sqlite3.Error as err:
            raise RecordsError(f"cannot write records database {self.path}: {err}") from err

    def _many(self, statements: Iterable[Tuple[str, Sequence[Any]]]) -> None:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            raise RecordsError(f"cannot write records database {self.path}: {err}") from err

    def _read(self, sql: str, params: Sequence[Any] = ()) -> List[Tuple[Any, ...]]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise RecordsError(f"cannot read records database {self.path}: {err}") from err

    def close(self) -> None:
        """Close every thread's connection (call when no transfer uses this object any more)."""
        with self._lock:
            conns, self._all = self._all, []
            self._closed = True
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        return self._read_version(self._conn()) or 0

    # -- uploads -----------------------------------------------------------
    def get_upload(self, platform: PlatformRef, key: str) -> Optional[UploadRecord]:
        rows = self._read(
            "SELECT key, local, size, mtime_ns, etag FROM uploads WHERE platform=? AND key=?",
            (platform_id(platform), key),
        )
        return UploadRecord(*rows[0]) if rows else None

    def get_uploads(self, platform: PlatformRef, keys: Iterable[str]) -> Dict[str, UploadRecord]:
        """Records for many keys at once (batched queries: a warm rerun of 100k files stays fast)."""
        pid = platform_id(platform)
        out: Dict[str, UploadRecord] = {}
        batch: List[str] = []

        def flush() -> None:
            marks = ",".join("?" * len(batch))
            for row in self._read(
                f"SELECT key, local, size, mtime_ns, etag FROM uploads WHERE platform=? AND key IN ({marks})",
                (pid, *batch),
            ):
                out[row[0]] = UploadRecord(*row)
            batch.clear()

        for key in keys:
            batch.append(key)
            if len(batch) >= _IN_BATCH:
                flush()
        if batch:
            flush()
        return out

    def put_upload(self, platform: PlatformRef, key: str, local: str, size: int, mtime_ns: int, etag: str) -> None:
        self.put_uploads(platform, [UploadRecord(key, local, size, mtime_ns, etag)])

    def put_uploads(self, platform: PlatformRef, records: Iterable[UploadRecord]) -> None:
        """Record many confirmed uploads in one transaction."""
        pid = platform_id(platform)
        now = time.time()
        sql = (
            "INSERT OR REPLACE INTO uploads(platform, key, local, size, mtime_ns, etag, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        self._many((sql, (pid, r.key, r.local, r.size, r.mtime_ns, r.etag, now)) for r in records)

    def forget_upload(self, platform: PlatformRef, key: str) -> None:
        self._write("DELETE FROM uploads WHERE platform=? AND key=?", (platform_id(platform), key))

    def forget_platform(self, platform: PlatformRef) -> None:
        """Distrust everything recorded as uploaded to this platform (e.g. its bucket was wiped)."""
        self._write("DELETE FROM uploads WHERE platform=?", (platform_id(platform),))

    def sample_uploads(self, platform: PlatformRef, n: int) -> List[UploadRecord]:
        """Up to ``n`` random upload records of this platform (to verify against the server)."""
        rows = self._read(
            "SELECT key, local, size, mtime_ns, etag FROM uploads WHERE platform=? ORDER BY random() LIMIT ?",
            (platform_id(platform), int(n)),
        )
        return [UploadRecord(*r) for r in rows]

    def count_uploads(self, platform: PlatformRef) -> int:
        return int(self._read("SELECT count(*) FROM uploads WHERE platform=?", (platform_id(platform),))[0][0])

    # -- multipart ---------------------------------------------------------
    def get_multipart(self, platform: PlatformRef, key: str) -> Optional[MultipartRecord]:
        rows = self._read(
            "SELECT key, upload_id, local, size, mtime_ns, part_size FROM multiparts WHERE platform=? AND key=?",
            (platform_id(platform), key),
        )
        return MultipartRecord(*rows[0]) if rows else None

    def put_multipart(
        self, platform: PlatformRef, key: str, upload_id: str, local: str, size: int, mtime_ns: int, part_size: int
    ) -> None:
        pid = platform_id(platform)
        self._many(
            [
                ("DELETE FROM parts WHERE platform=? AND key=?", (pid, key)),
                (
                    "INSERT OR REPLACE INTO multiparts(platform, key, upload_id, local, size, mtime_ns, part_size,"
                    " updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (pid, key, upload_id, local, size, mtime_ns, part_size, time.time()),
                ),
            ]
        )

    def drop_multipart(self, platform: PlatformRef, key: str) -> None:
        pid = platform_id(platform)
        self._many(
            [
                ("DELETE FROM parts WHERE platform=? AND key=?", (pid, key)),
                ("DELETE FROM multiparts WHERE platform=? AND key=?", (pid, key)),
            ]
        )

    def put_part(self, platform: PlatformRef, key: str, upload_id: str, number: int, size: int, etag: str) -> None:
        """Remember a part the server confirmed (lets a resume trust listed parts without re-reading them)."""
        self._write(
            "INSERT OR REPLACE INTO parts(platform, key, upload_id, number, size, etag) VALUES (?, ?, ?, ?, ?, ?)",
            (platform_id(platform), key, upload_id, number, size, etag),
        )

    def get_parts(self, platform: PlatformRef, key: str, upload_id: str) -> Dict[int, PartRecord]:
        rows = self._read(
            "SELECT number, size, etag FROM parts WHERE platform=? AND key=? AND upload_id=?",
            (platform_id(platform), key, upload_id),
        )
        return {r[0]: PartRecord(*r) for r in rows}

    # -- downloads ---------------------------------------------------------
    def get_download(self, platform: PlatformRef, key: str) -> Optional[DownloadRecord]:
        rows = self._read(
            "SELECT key, local, size, etag, local_mtime_ns FROM downloads WHERE platform=? AND key=?",
            (platform_id(platform), key),
        )
        return DownloadRecord(*rows[0]) if rows else None

    def get_downloads(self, platform: PlatformRef, keys: Iterable[str]) -> Dict[str, DownloadRecord]:
        """Records for many keys at once."""
        pid = platform_id(platform)
        out: Dict[str, DownloadRecord] = {}
        keys = list(keys)
        for i in range(0, len(keys), _IN_BATCH):
            batch = keys[i : i + _IN_BATCH]
            marks = ",".join("?" * len(batch))
            for row in self._read(
                "SELECT key, local, size, etag, local_mtime_ns FROM downloads "
                f"WHERE platform=? AND key IN ({marks})",
                (pid, *batch),
            ):
                out[row[0]] = DownloadRecord(*row)
        return out

    def put_download(
        self, platform: PlatformRef, key: str, local: str, size: int, etag: str, local_mtime_ns: int
    ) -> None:
        self._write(
            "INSERT OR REPLACE INTO downloads(platform, key, local, size, etag, local_mtime_ns, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (platform_id(platform), key, local, size, etag, local_mtime_ns, time.time()),
        )

    def put_downloads(self, platform: PlatformRef, rows: Iterable[Tuple[str, str, int, str, int]]) -> None:
        """Record many downloads, ``(key, local, size, etag, local_mtime_ns)`` each, in one transaction."""
        pid = platform_id(platform)
        now = time.time()
        sql = ("INSERT OR REPLACE INTO downloads(platform, key, local, size, etag, local_mtime_ns, updated) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
        self._many((sql, (pid, key, local, size, etag, mtime_ns, now)) for key, local, size, etag, mtime_ns in rows)

    def forget_download(self, platform: PlatformRef, key: str) -> None:
        self._write("DELETE FROM downloads WHERE platform=? AND key=?", (platform_id(platform), key))
