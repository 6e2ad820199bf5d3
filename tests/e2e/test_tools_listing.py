"""`solcoder tools` lists every tool the model may call, fast (issue 23 item 6).

It built every toolkit (pydantic models, ~0.8 s idle) to print a list, left out the command
tools and every MCP server. It now prints the tools' snapshot (one JSON file, no tool
imported); configured MCP servers get a line each, and `--mcp` starts them (bounded by
`mcp.startup_timeout`) to list their tools.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Run, clean_environment
from tests.e2e.test_mcp_cli import _script, write_servers

pytestmark = pytest.mark.e2e

_RUN_AND_LIST = (
    "import atexit, sys\n"
    "out = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(out, 'w').write('\\n'.join(sys.modules)))\n"
    "from solcoder.cli.main import main\n"
    "main()\n"
)


def modules_loaded_by(tmp_path: Path, *args: str) -> tuple[set[str], str]:
    listing = tmp_path / "modules.txt"
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, str(listing), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_environment(tmp_path / "home" / ".solcoder"),
        cwd=tmp_path,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, completed.stderr
    return set(listing.read_text().split()), completed.stdout


def test_listing_the_tools_imports_no_tool(tmp_path: Path) -> None:
    loaded, stdout = modules_loaded_by(tmp_path, "tools")
    assert "review_code" in stdout  # the list really printed
    heavy = {"solcoder.tools.registry", "solcoder.tools.toolkits.plan", "pydantic", "asyncio"}
    assert not heavy & loaded, heavy & loaded


def test_the_command_and_workspace_tools_are_listed_with_their_effects(run_cli: Run) -> None:
    result = run_cli("tools")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "runs_programs" in rows["run_command"]
    assert "writes_files" in rows["edit_file"]
    specs = {spec["name"]: spec for spec in json.loads(run_cli("tools", "--json").stdout)}
    assert specs["run_command"]["toolkit"] == "commands"
    assert specs["read_file"]["parameters"]["required"] == ["path"]


def test_mcp_servers_are_named_but_not_started(
    run_cli: Run, solcoder_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "script.log"
    write_servers(solcoder_home, {"script": _script("tools", log)})
    result = run_cli("tools")
    assert result.returncode == 0, result.stderr
    assert "mcp server script: not started" in result.stdout
    assert "solcoder tools --mcp" in result.stdout
    assert not log.exists()  # no program was started to print a list


def test_with_mcp_the_servers_tools_are_listed(
    run_cli: Run, solcoder_home: Path, tmp_path: Path
) -> None:
    write_servers(solcoder_home, {"script": _script("tools", tmp_path / "script.log")})
    result = run_cli("tools", "--mcp")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "script__boom" in rows and "unknown" in rows["script__boom"]
    assert "mcp:script" in result.stdout
    specs = {spec["name"]: spec for spec in json.loads(run_cli("tools", "--mcp", "--json").stdout)}
    assert specs["script__slow"]["origin"] == "mcp:script"


def test_a_server_that_does_not_start_is_one_line(run_cli: Run, solcoder_home: Path) -> None:
    write_servers(solcoder_home, {"gone": {"command": "/nonexistent/mcp-server"}})
    result = run_cli("tools", "--mcp")
    assert result.returncode == 0, result.stderr
    (line,) = [row for row in result.stdout.splitlines() if row.startswith("mcp server gone")]
    assert "failed" in line


def test_models_with_no_server_running_does_not_probe_it(tmp_path: Path) -> None:
    from solcoder.cli.local_servers import listening

    if listening("127.0.0.1", 8080):
        pytest.skip("something listens on the llama.cpp port here")
    loaded, stdout = modules_loaded_by(tmp_path, "models")
    assert "gpt" in stdout
    # A closed port is seen without the HTTP probe (genai-prices brings httpx2 itself).
    assert "solcoder.llm.transport.llamacpp" not in loaded
