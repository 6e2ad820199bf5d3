"""`solcoder mcp add|list|tools|remove` as a user runs them: the config file they write, the
bearer token kept in the credentials store (never in the file, never on screen) and sent to
the server, and `tools` listing a real server's tools under their model-facing names."""

from __future__ import annotations

import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.e2e.conftest import Run

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TOKEN = "sk-test-mcp-bearer-0123456789"
TIME_SERVER = Path(sys.executable).parent / "mcp-server-time"


def test_add_list_tools_and_remove_a_stdio_server(run_cli: Run, solcoder_home: Path) -> None:
    if not TIME_SERVER.exists():
        pytest.skip(f"mcp-server-time not installed at {TIME_SERVER}")
    added = run_cli("mcp", "add", "time", "--", str(TIME_SERVER), "--local-timezone", "UTC")
    assert added.returncode == 0, added.stderr
    text = (solcoder_home / "config.toml").read_text()
    assert "[mcp.servers.time]" in text
    listed = run_cli("mcp", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"time  stdio  configured  {TIME_SERVER} --local-timezone UTC" in listed.stdout
    tools = run_cli("mcp", "tools", "time", timeout=60)
    assert tools.returncode == 0, tools.stderr
    names = [line.split()[0] for line in tools.stdout.splitlines()]
    assert names == ["time__get_current_time", "time__convert_time"]
    removed = run_cli("mcp", "remove", "time")
    assert removed.returncode == 0, removed.stderr
    assert "No MCP servers configured" in run_cli("mcp", "list").stdout
    again = run_cli("mcp", "remove", "time")
    assert again.returncode == 2
    assert "No MCP server named 'time'" in again.stderr


def test_a_bad_table_is_named_and_the_rest_still_works(run_cli: Run, solcoder_home: Path) -> None:
    solcoder_home.mkdir(parents=True, mode=0o700)
    (solcoder_home / "config.toml").write_text(
        '[mcp.servers.bad]\ncommand = "x"\nargs = "oops"\n[mcp.servers.ok]\nurl = "http://h/mcp"\n'
    )
    listed = run_cli("mcp", "list")
    assert listed.returncode == 0, listed.stderr
    assert "ok  http  configured  http://h/mcp" in listed.stdout
    assert "invalid: mcp.servers.bad.args must be a list of text" in listed.stdout
    assert run_cli("config", "get", "llm.max_steps").returncode == 0


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        type(self).seen.append(self.headers.get("Authorization", ""))
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    _Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/mcp"
    finally:
        server.shutdown()
        server.server_close()


def test_a_bearer_token_is_stored_sent_and_never_shown(
    run_cli: Run, solcoder_home: Path, recorder: str
) -> None:
    added = run_cli(
        "mcp",
        "add",
        "web",
        "--url",
        recorder,
        "--header",
        "X-Client=solcoder",
        "--bearer",
        "--token-stdin",
        input=TOKEN + "\n",
        env={"SOLCODER_PASSPHRASE": "test-passphrase"},
    )
    assert added.returncode == 0, added.stderr
    config = (solcoder_home / "config.toml").read_text()
    assert "bearer = true" in config
    assert TOKEN not in config
    tools = run_cli("mcp", "tools", "web", env={"SOLCODER_PASSPHRASE": "test-passphrase"})
    assert tools.returncode == 5, tools.stderr
    assert "MCP server 'web' failed" in tools.stderr
    assert f"Bearer {TOKEN}" in _Recorder.seen
    for result in (added, tools, run_cli("mcp", "list")):
        assert TOKEN not in result.stdout + result.stderr
