"""Helpers for the MCP tests: spawn ``decide-sql mcp`` for the SDK's own client, over stdio or HTTP.

The stdio server runs as ``decide-sql mcp | tee stdout.log``, so the client talks to the
real process while the test keeps every byte the server wrote on stdout, to prove it is
protocol and nothing else.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
PASS_THROUGH = ("PYTHONPATH", "LD_LIBRARY_PATH", "TMPDIR")


def decide_sql() -> str:
    """The installed ``decide-sql`` entry point of the running interpreter's environment."""
    found = Path(sys.executable).with_name("decide-sql")
    assert found.exists(), f"{found} is missing: pip install -e . first"
    return str(found)


def server_env(env: dict[str, str]) -> dict[str, str]:
    """The test's settings plus what the process needs to start (the SDK passes only a few variables on)."""
    return {**{k: os.environ[k] for k in PASS_THROUGH if k in os.environ}, **env}


def stdio_client_for(env: dict[str, str], workdir: Path, *args: str, **client_options: Any) -> tuple[Client, Path, Path]:
    """An SDK client that spawns ``decide-sql mcp`` in ``workdir``; returns it with its stdout and stderr logs."""
    stdout_log, stderr_log = workdir / "stdout.log", workdir / "stderr.log"
    command = " ".join(shlex.quote(p) for p in [decide_sql(), "mcp", *args]) + f" | tee {shlex.quote(str(stdout_log))}"
    params = StdioServerParameters(command="sh", args=["-c", command], env=server_env(env), cwd=workdir)
    errlog = stderr_log.open("w")
    return Client(stdio_client(params, errlog=errlog), **client_options), stdout_log, stderr_log


def run(fn: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(fn)


def protocol_lines(stdout_log: Path) -> list[dict[str, Any]]:
    """Every line the server wrote on stdout, each parsed as a JSON-RPC 2.0 message (fails on anything else)."""
    lines = stdout_log.read_text().splitlines()
    messages = []
    for line in lines:
        message = json.loads(line)  # a progress line, warning or log would fail here
        assert message.get("jsonrpc") == "2.0", line[:200]
        messages.append(message)
    return messages


def structured(result: Any) -> dict[str, Any]:
    """A tool result's JSON: the structured content, which must equal the text content."""
    text = json.loads(result.content[0].text)
    if result.structured_content is not None:
        assert text == result.structured_content
    return text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_http(env: dict[str, str], workdir: Path, *args: str) -> subprocess.Popen:
    """``decide-sql mcp --http ...`` in the background; stderr to workdir/http.log."""
    log = (workdir / "http.log").open("w")
    return subprocess.Popen([decide_sql(), "mcp", "--http", *args], env={**os.environ, **env}, cwd=workdir, stdout=subprocess.PIPE, stderr=log, text=True)


def wait_until_listening(proc: subprocess.Popen, port: int, workdir: Path, *, give_up_s: float = 300) -> None:
    """Block until the server accepts connections; fail with its log if it exits (or never listens: a hang guard, not a timing check)."""
    deadline = time.monotonic() + give_up_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"decide-sql mcp --http exited {proc.returncode}: {(workdir / 'http.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"decide-sql mcp --http never listened on {port}: {(workdir / 'http.log').read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
