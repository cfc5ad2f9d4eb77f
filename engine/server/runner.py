"""Run the application with uvicorn: in the foreground (``decide-sql serve``) or in a thread (tests, benchmarks).

Uvicorn turns Ctrl-C (SIGINT) and SIGTERM into a graceful shutdown: it stops
accepting, lets open requests finish, then runs the lifespan's shutdown, which
joins the worker threads and closes every database connection.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def uvicorn_config(app: Any, host: str, port: int, *, access_log: bool = True) -> uvicorn.Config:
    # One worker process: the model lives in this process. No proxy headers: the client address is the socket's.
    return uvicorn.Config(app, host=host, port=port, log_config=LOG_CONFIG, access_log=access_log, server_header=False, timeout_graceful_shutdown=30, lifespan="on")


def serve_forever(app: Any, host: str, port: int) -> None:
    server = uvicorn.Server(uvicorn_config(app, host, port))
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown: stopping is the normal end
        sys.stderr.write("decide-sql serve: stopped\n")
        return
    if not server.started:
        from engine.errors import DecideSqlError

        raise DecideSqlError(f"the server did not start on {host}:{port} (is the port in use? pass --port)", code="serve_failed")


@contextmanager
def server_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, *, timeout_s: float = 120.0) -> Iterator[str]:
    """Start the app on a free port in a thread; yield its base URL; stop it (graceful shutdown) afterwards."""
    config = uvicorn_config(app, host, port, access_log=False)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
    thread = threading.Thread(target=server.run, name="decide-sql-serve", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(10)
            raise RuntimeError("the server did not start (see stderr)")
        time.sleep(0.05)
    sockets = [s for srv in server.servers for s in srv.sockets]
    bound_port = sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)
