"""A tiny fake OpenAI-compatible server for fault tests: it answers every request badly.

Stdlib only (``http.server`` in a daemon thread, 127.0.0.1, a random free
port); nothing real is ever called. ``mode`` picks the fault:

``hang``            read the request, then never answer (until ``stop()``)
``text``            200 with an HTML/binary body that is not JSON at all
``not_completion``  200 ``application/json`` whose object is not a chat completion
``bad_sse``         200 ``text/event-stream`` whose ``data:`` line is not JSON
``wrong_chunks``    200 event stream of JSON objects that are not completion chunks
``not_json_answer`` a well-formed streamed completion whose content is not JSON
``http_500``        500 with a garbage body

``requests`` counts the requests received (each retry of the client is one).
Use it as a context manager; ``url`` is the ``/v1`` base URL.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("hang", "text", "not_completion", "bad_sse", "wrong_chunks", "not_json_answer", "http_500")


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


class FakeOpenAIServer:
    def __init__(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.mode = mode
        self.requests = 0
        self.paths: list[str] = []
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # let hanging handlers return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self._answer()

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def _answer(self) -> None:
                with server._lock:
                    server.requests += 1
                    server.paths.append(self.path)
                mode = server.mode
                if mode == "hang":
                    server._release.wait(timeout=120)
                    self.close_connection = True
                elif mode == "text":
                    self._send(200, "text/html", b"<html><body>\x00\xff\xfe not an API \x01</body></html>")
                elif mode == "not_completion":
                    self._send(200, "application/json", json.dumps({"hello": "world", "choices": "none"}).encode())
                elif mode == "bad_sse":
                    self._send(200, "text/event-stream", b"data: {this is not json\n\n")
                elif mode == "wrong_chunks":
                    self._send(200, "text/event-stream", b'data: {"object": "weather", "choices": [{"temperature": 21}]}\n\ndata: [DONE]\n\n')
                elif mode == "not_json_answer":
                    body = _chunk("SELECT * FROM everything; DROP TABLE orders") + _chunk(None, "stop") + b"data: [DONE]\n\n"
                    self._send(200, "text/event-stream", body)
                else:  # http_500
                    self._send(500, "text/plain", b"\x00\x01 internal kaboom \xff")

        return Handler
