"""Agent ring: a real `McpManager` (its own loop thread, real child processes) against the
scripted MCP server, for the faults an outside server can make: start-up banners and junk on
stdout, notification floods, huge results. Behaviour only; timeouts just stop hangs."""

from __future__ import annotations

import http.server
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solcoder.mcp import adapter
from solcoder.mcp.config import ServerConfig
from solcoder.mcp.manager import McpManager
from solcoder.mcp.tools import McpToolSource
from solcoder.tools.registry import ToolRegistry

pytestmark = pytest.mark.timeout(90)

SCRIPT = Path(__file__).resolve().parents[1] / "support" / "mcp_script_server.py"


def script(mode: str, log: Path, env: dict[str, str] | None = None) -> ServerConfig:
    return ServerConfig(
        "script", "stdio", command=sys.executable, args=(str(SCRIPT), mode, str(log)), env=env or {}
    )


def entries(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "server.log"


@pytest.fixture
def managers() -> Iterator[list[McpManager]]:
    made: list[McpManager] = []
    yield made
    for manager in made:
        manager.close()


def started(managers: list[McpManager], config: ServerConfig) -> McpManager:
    manager = McpManager([config], startup_timeout=30)
    managers.append(manager)
    manager.ensure_started().result(timeout=60)
    return manager


def test_a_banner_and_junk_on_stdout_are_one_notice_and_no_traceback(
    managers: list[McpManager], log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    manager = started(managers, script("banner", log, {"JUNK": "2000"}))
    [snapshot] = manager.snapshots()
    assert snapshot.status == "ready", snapshot.reason
    notices = manager.take_notices()
    junk = [line for line in notices if "not JSON-RPC" in line]
    assert len(junk) == 1, notices
    assert "'script'" in junk[0]
    assert "2,000 lines" in junk[0]
    assert "Starting script server v1" in junk[0]  # the first one, quoted
    assert "\x9b" not in junk[0]
    assert manager.take_notices() == []  # said once
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


async def test_a_flood_of_list_changed_is_one_relist(
    managers: list[McpManager], log: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    manager = started(managers, script("tools", log))
    source, registry = McpToolSource(manager), ToolRegistry()
    await source.refresh(registry)
    result = await manager.call("script", "flood", {})
    assert result["content"][0]["text"] == "flooded"
    await source.refresh(registry)
    await source.refresh(registry)
    lists = [entry for entry in entries(log) if entry.get("method") == "tools/list"]
    assert len(lists) == 2  # the start, and one re-list for 3,000 notifications
    assert "script__flood" in registry.names()
    assert capfd.readouterr().err == ""


async def test_a_message_past_the_read_limit_is_an_error_and_the_server_goes_on(
    managers: list[McpManager], log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter, "MAX_MESSAGE_BYTES", 1 << 20, raising=False)
    manager = started(managers, script("tools", log))
    with pytest.raises(adapter.McpServerError, match="larger than 1 MB"):
        await manager.call("script", "huge", {"size": 3_000_000})
    small = await manager.call("script", "huge", {"size": 10})
    assert small["content"][0]["text"] == "x" * 10
    [snapshot] = manager.snapshots()
    assert snapshot.status == "ready"


class _WrongServer(http.server.BaseHTTPRequestHandler):
    """Answers every MCP POST with a page of HTML, as a misconfigured proxy would."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html>\x9b31m not an MCP server</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_DELETE(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def wrong_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WrongServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/mcp"
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_server_with_the_wrong_content_type_fails_in_one_line(
    managers: list[McpManager], wrong_server: str, capfd: pytest.CaptureFixture[str]
) -> None:
    config = ServerConfig("web", "http", url=wrong_server, startup_timeout=5)
    manager = McpManager([config], startup_timeout=5)
    managers.append(manager)
    manager.ensure_started().result(timeout=60)
    [snapshot] = manager.snapshots()
    assert snapshot.status == "failed"
    notices = manager.take_notices()
    assert notices, "the failure is reported"
    assert all("\x9b" not in line and "Traceback" not in line for line in notices)
    assert len([line for line in notices if "'web'" in line]) <= 2, notices
    captured = capfd.readouterr()
    assert captured.err == ""
