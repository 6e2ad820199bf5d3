"""A loopback stand-in for llama.cpp's HTTP server, answering with its recorded bodies.

The bodies and headers below were captured from the real server (the prebuilt `xllamacpp`
package, llama.cpp build 2026.10.11549, SmolLM2-135M): while it loads its model every path,
`/health` included, answers 503 `Loading model`; an unknown path answers 404 `File Not Found`; a
prompt over the context answers 400 `exceed_context_size_error`; each of those closes the
connection. The fake reproduces that with a clock (`load_seconds`) instead of a model, so the
tests need neither the server nor a model file, and records every request for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON = "application/json; charset=utf-8"
LOADING_BODY = b'{"error":{"message":"Loading model","type":"unavailable_error","code":503}}'
NOT_FOUND_BODY = b'{"error":{"message":"File Not Found","type":"not_found_error","code":404}}'
HEALTH_OK_BODY = b'{"status":"ok"}'
OVERFLOW_BODY = (
    b'{"error":{"code":400,"message":"request (11460 tokens) exceeds the available context '
    b'size (4096 tokens), try increasing it","type":"exceed_context_size_error",'
    b'"n_prompt_tokens":11460,"n_ctx":4096}}'
)
CHAT_STREAM = (
    b"".join(
        b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
        for chunk in (
            {"choices": [{"finish_reason": None, "index": 0, "delta": {"role": "assistant"}}]},
            {"choices": [{"finish_reason": None, "index": 0, "delta": {"content": "Hello"}}]},
            {"choices": [{"finish_reason": None, "index": 0, "delta": {"content": " there!"}}]},
            {"choices": [{"finish_reason": "stop", "index": 0, "delta": {}}]},
        )
    )
    + b"data: [DONE]\n\n"
)
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass(frozen=True)
class Seen:
    """One request the fake answered."""

    method: str
    path: str
    headers: dict[str, str]
    at: float
    """Seconds since the fake started."""


class LlamaCppFake:
    """llama.cpp's server as the client sees it: loading, then serving chat (only).

    `load_seconds` is how long it reports `Loading model` (`float("inf")`: forever);
    `paths` are the completion paths it serves; `overflow` makes every completion a context
    overflow; `not_found` replaces the 404 body and content type (an HTML or plain page);
    `health=False` takes `/health` away.
    """

    def __init__(
        self,
        *,
        load_seconds: float = 0.0,
        paths: Iterable[str] = CHAT_PATHS,
        overflow: bool = False,
        not_found: tuple[bytes, str] = (NOT_FOUND_BODY, JSON),
        echo_authorization: bool = False,
        health: bool = True,
    ) -> None:
        self.load_seconds = load_seconds
        self.health = health
        """False: `/health` is not served (404 even while loading), like a proxy in front."""
        self.paths = frozenset(paths)
        self.overflow = overflow
        self.not_found = not_found
        self.echo_authorization = echo_authorization
        """Quote the request's Authorization header in error bodies (a server echoing a key)."""
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=lambda: self._server.serve_forever(poll_interval=0.02), daemon=True
        )

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.root + "/v1"

    def paths_seen(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.seen]

    def __enter__(self) -> LlamaCppFake:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def loading(self) -> bool:
        return time.monotonic() - self._started < self.load_seconds

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.seen.append(Seen(method, path, headers, time.monotonic() - self._started))

    def answer(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, bytes, str]:
        """Status, body and content type for one request, as llama.cpp would send them."""
        is_health = method == "GET" and path in ("/health", "/v1/health")
        if is_health and not self.health:
            return 404, NOT_FOUND_BODY, JSON
        if self.loading():
            return 503, self._echo(LOADING_BODY, headers), JSON
        if is_health:
            return 200, HEALTH_OK_BODY, JSON
        if method != "POST" or path not in self.paths:
            body, content_type = self.not_found
            return 404, self._echo(body, headers), content_type
        if self.overflow:
            return 400, self._echo(OVERFLOW_BODY, headers), JSON
        return 200, CHAT_STREAM, "text/event-stream"

    def _echo(self, body: bytes, headers: dict[str, str]) -> bytes:
        """The body with the caller's Authorization header quoted in its message."""
        authorization = headers.get("authorization")
        if not self.echo_authorization or not authorization:
            return body
        quoted = f" (you sent {authorization})".encode()
        for end in (b'","type"', b"</title>"):
            if end in body:
                return body.replace(end, quoted + end, 1)
        return body + quoted


def _handler_for(fake: LlamaCppFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            path = self.path.split("?", 1)[0]
            fake.record(method, path, headers)
            status, body, content_type = fake.answer(method, path, headers)
            self.send_response(status)
            self.send_header("Server", "llama.cpp")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status >= 400:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    return Handler
