"""The llama.cpp probe (`/props`, `/models`) reads what any loopback server answers: a deeply
nested JSON body there means "not llama.cpp", never `RecursionError` (issue 13, item 5)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from solcoder.llm.transport.llamacpp import probe

DEEP = ("[" * 100_000 + "]" * 100_000).encode()


class _Deep(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(DEEP)))
        self.end_headers()
        self.wfile.write(DEEP)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def deep_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Deep)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_deep_props_body_reads_as_nothing_served(deep_server: str) -> None:
    served = probe(deep_server, None)
    assert (served.model, served.context_window) == (None, None)
