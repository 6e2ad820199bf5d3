"""`/mcp`, `/mcp restart NAME` and the MCP rows of `/status` in the REPL under a pty; the
servers start with the first turn and no server process outlives the REPL."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pexpect
import pytest

from tests.e2e.test_mcp_cli import SCRIPT, _gone, write_servers
from tests.e2e.test_repl_pty import PROMPT, spawn

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def row(label: str, value: str) -> str:
    """A table row's two cells, whatever colour codes and padding sit between them."""
    return re.escape(label) + r"(?:\x1b\[[0-9;]*m|\s)+" + re.escape(value)


def test_mcp_state_restart_and_cleanup(solcoder_home: Path, tmp_path: Path) -> None:
    log = tmp_path / "script.log"
    write_servers(
        solcoder_home,
        {
            "script": {"command": sys.executable, "args": [str(SCRIPT), "tools", str(log)]},
            "gone": {"command": str(tmp_path / "no-such-server")},
        },
    )
    child = spawn(solcoder_home)
    try:
        child.expect(PROMPT)
        child.sendline("/mcp")
        child.expect(row("script", "configured"))
        child.expect(PROMPT)
        child.sendline("hello")  # the first turn starts the servers
        child.expect("MCP server 'gone' failed")
        child.expect(PROMPT)
        child.sendline("/mcp")
        child.expect(row("script", "ready, 6 tools"))
        child.expect(row("gone", "failed: cannot start it"))
        child.expect(PROMPT)
        child.sendline("/status")
        child.expect(row("mcp script", "ready, 6 tools"))
        child.expect(PROMPT)
        child.sendline("/mcp restart script")
        child.expect("script: ready, 6 tools")
        child.expect(PROMPT)
        child.sendline("/mcp restart nope")
        child.expect("No MCP server named 'nope'")
        child.expect(PROMPT)
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    pids = [
        entry["pid"] for entry in map(json.loads, log.read_text().splitlines()) if "pid" in entry
    ]
    assert len(pids) == 2  # started once, restarted once
    assert all(_gone(pid) for pid in pids), "a server outlived the REPL"
