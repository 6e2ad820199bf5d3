"""Issue 23 item 1: with no key, a model server already running on this machine (Ollama, LM
Studio, a llama.cpp server) is found with a short probe on loopback and used, named in one
line; only then the bundled demonstration model."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from solcoder.cli import local_servers
from solcoder.cli.local_servers import LocalServer, find_local_server
from solcoder.cli.provider_choice import choose_provider
from solcoder.config import load_settings


def serve(body: object, path: str) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps(body).encode()
            self.send_response(200 if self.path == path else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def ollama() -> Iterator[int]:
    server, port = serve({"models": [{"name": "qwen2.5-coder:7b"}]}, "/api/tags")
    yield port
    server.shutdown()


def test_a_running_ollama_is_found_with_its_model(ollama: int) -> None:
    closed = LocalServer("lmstudio", "LM Studio", 9, "/v1/models")  # nothing listens on 9
    found = find_local_server((closed, LocalServer("ollama", "Ollama", ollama, "/api/tags")))
    assert found is not None
    assert (found.provider, found.model) == ("ollama", "qwen2.5-coder:7b")


def test_without_a_key_the_running_server_is_chosen_and_named(
    ollama: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = (LocalServer("ollama", "Ollama", ollama, "/api/tags"),)
    monkeypatch.setattr(local_servers, "SERVERS", servers)
    settings = load_settings(cwd=tmp_path, environ={}, home=tmp_path / "home")
    chosen, notice = choose_provider(settings, {})
    assert chosen.llm.provider == "ollama"
    assert chosen.llm.model == "qwen2.5-coder:7b"
    assert notice is not None and "Ollama" in notice and "qwen2.5-coder:7b" in notice


def test_a_server_that_lists_no_model_is_not_used(tmp_path: Path) -> None:
    server, port = serve({"data": []}, "/v1/models")
    try:
        assert find_local_server((LocalServer("llamacpp", "x", port, "/v1/models"),)) is None
    finally:
        server.shutdown()
