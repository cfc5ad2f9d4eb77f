"""The embedded server and demo lifecycle, and the ``db`` sub-commands, on a throw-away data dir.

One real embedded server per module, in a temporary DECIDE_SQL_DATA_DIR,
stopped at the end (its process must not outlive the tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from typer.testing import CliRunner

from engine.cli.db import db_app
from engine.demo.data import DEMO_VERSION, DemoMarker, demo_marker
from engine.demo.embedded import embedded_server, ensure_demo, reset_demo, resolve_database_url, stop_embedded
from engine.errors import ConfigError, DatabaseError
from engine.settings import Settings
from engine.database.urls import mask_url

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    data_dir = tmp_path_factory.mktemp("decide-sql-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DECIDE_SQL_DATA_DIR", str(data_dir))
        mp.delenv("DATABASE_URL", raising=False)
        mp.chdir(tmp_path_factory.mktemp("cwd"))  # no stray .env
        loaded = Settings.load()
        assert loaded.data_dir == data_dir
        yield loaded
        stop_embedded(loaded)
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def admin(settings: Settings) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(embedded_server(settings).get_uri("postgres"))
    conn.autocommit = True
    return conn


def demo_oid(settings: Settings) -> int | None:
    conn = admin(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT oid FROM pg_database WHERE datname = 'demo'")
            row = cur.fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def replace_demo(settings: Settings, comment: str | None) -> None:
    """Simulate a crashed or outdated build: a demo database with one table and the given marker."""
    conn = admin(settings)
    try:
        with conn.cursor() as cur:
            cur.execute("DROP DATABASE IF EXISTS demo WITH (FORCE)")
            cur.execute("CREATE DATABASE demo")
            if comment is not None:
                cur.execute("COMMENT ON DATABASE demo IS %s", (comment,))
    finally:
        conn.close()


def orders_in(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM orders")
            return cur.fetchone()[0]
    finally:
        conn.close()


# -- lifecycle ------------------------------------------------------------------


def test_ensure_demo_builds_once_then_reuses(settings: Settings) -> None:
    url = ensure_demo(settings)
    assert DemoMarker.parse(demo_marker(url)) == DemoMarker(version=DEMO_VERSION, seed=42, scale=1.0)
    assert orders_in(url) == 30000
    oid = demo_oid(settings)
    messages: list[str] = []
    assert ensure_demo(settings, progress=messages.append) == url
    assert demo_oid(settings) == oid  # same database, not rebuilt
    assert messages == []


@pytest.mark.parametrize("comment", [None, f"decide-sql demo v{DEMO_VERSION - 1} seed=42 scale=1.0"], ids=["half-built", "old-version"])
def test_incomplete_or_outdated_demo_is_rebuilt(settings: Settings, comment: str | None) -> None:
    replace_demo(settings, comment)
    stale = demo_oid(settings)
    messages: list[str] = []
    url = ensure_demo(settings, progress=messages.append)
    assert demo_oid(settings) != stale
    assert DemoMarker.parse(demo_marker(url)).version == DEMO_VERSION
    assert orders_in(url) == 30000
    assert any("building" in m for m in messages)


def test_reset_demo_chooses_scale_and_seed_and_ensure_keeps_it(settings: Settings) -> None:
    url = reset_demo(settings, scale=0.05, seed=7)
    assert demo_marker(url) == f"decide-sql demo v{DEMO_VERSION} seed=7 scale=0.05"
    assert orders_in(url) == 1500
    oid = demo_oid(settings)
    assert ensure_demo(settings) == url and demo_oid(settings) == oid  # an explicit reset is not undone


def test_stop_then_start_again(settings: Settings) -> None:
    ensure_demo(settings)
    assert stop_embedded(settings) is True
    assert stop_embedded(settings) is False
    url = ensure_demo(settings)  # restarts the stopped server, even from a cached handle
    assert orders_in(url) > 0


def test_concurrent_processes_start_and_build_once(settings: Settings) -> None:
    code = (
        "import sys\n"
        "from engine.settings import Settings\n"
        "from engine.demo.embedded import ensure_demo\n"
        "print(ensure_demo(Settings.load(), progress=lambda m: print(m, file=sys.stderr)))\n"
    )
    env = {**os.environ, "DECIDE_SQL_DATA_DIR": str(settings.data_dir)}
    replace_demo(settings, None)  # both processes find no complete demo
    stop_embedded(settings)
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    urls = {out.strip() for out, _ in results}
    assert len(urls) == 1
    builds = sum(err.count("building the demo database") for _, err in results)
    assert builds == 1, results
    assert orders_in(urls.pop()) == 30000


# -- resolution and failures ------------------------------------------------------


def test_database_url_wins_without_touching_the_embedded_server(tmp_path: Path) -> None:
    unused = tmp_path / "never-created"
    given = Settings(database_url="postgresql://reader:secret@db.example.com:5432/shop", data_dir=unused)
    assert resolve_database_url(given) == given.database_url
    assert not unused.exists()
    with pytest.raises(ConfigError):
        resolve_database_url(Settings(database_url="mysql://x@y/z", data_dir=unused))


def test_unusable_data_dir_is_embedded_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DatabaseError) as info:
        ensure_demo(Settings(data_dir=blocker / "data"))
    assert info.value.code == "embedded_unavailable"
    assert "DATABASE_URL" in info.value.message and "\n" not in info.value.message


# -- the db sub-commands ---------------------------------------------------------------

runner = CliRunner()


def invoke(args: list[str], **env: str) -> tuple[int, dict, str]:
    result = runner.invoke(db_app, args, env=env or None)
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_cli_url_of_the_embedded_demo(settings: Settings) -> None:
    code, out, _ = invoke(["url"])
    assert code == 0
    assert out == {"status": "ok", "url": mask_url(ensure_demo(settings)), "embedded": True}


def test_cli_url_masks_database_url_password(settings: Settings) -> None:
    result = runner.invoke(db_app, ["url"], env={"DATABASE_URL": "postgresql://reader:s3cret@db.example.com:5432/shop"})
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"status": "ok", "url": "postgresql://reader:***@db.example.com:5432/shop", "embedded": False}
    assert "s3cret" not in result.output


def test_cli_url_bad_database_url_is_json_error(settings: Settings) -> None:
    code, out, _ = invoke(["url"], DATABASE_URL="mysql://root:pw@localhost/x")
    assert code == 2
    assert out["status"] == "error" and out["error"]["code"] == "bad_config"
    assert "pw" not in out["error"]["message"]


def test_cli_reset_prints_counts_and_progress_on_stderr(settings: Settings) -> None:
    code, out, err = invoke(["reset", "--scale", "0.05", "--seed", "3"])
    assert code == 0
    assert out["status"] == "ok" and out["database"] == "demo" and out["seed"] == 3 and out["scale"] == 0.05
    assert out["tables"]["customers"] == 250 and out["tables"]["orders"] == 1500
    assert isinstance(out["seconds"], float)
    assert "generating data" in err
    assert demo_marker(ensure_demo(settings)) == f"decide-sql demo v{DEMO_VERSION} seed=3 scale=0.05"


def test_cli_reset_rejects_bad_scale(settings: Settings) -> None:
    result = runner.invoke(db_app, ["reset", "--scale", "0"])
    assert result.exit_code == 2


def test_cli_stop(settings: Settings) -> None:
    ensure_demo(settings)
    assert invoke(["stop"])[:2] == (0, {"status": "ok", "stopped": True})
    assert invoke(["stop"])[:2] == (0, {"status": "ok", "stopped": False})


def test_cli_error_when_embedded_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = runner.invoke(db_app, ["url"], env={"DECIDE_SQL_DATA_DIR": str(blocker / "data"), "DATABASE_URL": ""})
    assert result.exit_code == 4
    out = json.loads(result.stdout)
    assert out["status"] == "error" and out["error"]["code"] == "embedded_unavailable"
    assert "Traceback" not in result.output
