"""The one-shot offline turn loads only what it uses: each module named here was moved off
that path to cut start-up (docs/performance.md, "start-up"), and importing it again would
bring the cost back without failing anything else."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import clean_environment

# Where each one is needed instead.
NOT_ON_THE_OFFLINE_PATH = {
    "solcoder.llm.catalog.pricing": "a paid call's cost (the telemetry writer)",
    "solcoder.secret_forms": "a known key's encoded forms (Redactor.add_secret)",
    "solcoder.ui.spinner": "a terminal on stdout and stderr",
    "solcoder.ui.wrap": "the REPL's word wrap",
    "rich.cells": "the REPL's word wrap",
    "rich.console": "a tool line, notice or error (LazyConsole)",
    "solcoder.llm.providers.client": "a real provider",
    "httpx2": "a real provider",
    "solcoder.llm.transport.retry": "a real provider",
    "solcoder.tools.toolkits.code": "a tool call (BaselineRegistry)",
    "pydantic": "a tool call (BaselineRegistry)",
    "prompt_toolkit": "the REPL",
    "tomlkit": "`solcoder config set`",
    "genai_prices": "a paid call's cost",
    "importlib.metadata": "--version of dependencies, plugins",
    "decimal": "prices",
    "email.utils": "Retry-After dates",
    "mcp": "a configured MCP server's first start (solcoder.mcp.adapter)",
    "solcoder.mcp.manager": "a configured MCP server (cli/mcp_wiring.py mcp_manager)",
    "solcoder.workspace.paths": "a workspace tool's first call (WorkspaceSession.workspace)",
    "solcoder.workspace.edits": "an edit_file call",
    "solcoder.workspace.diffs": "a file change or its preview",
    "solcoder.workspace.text": "a file read or changed",
    "solcoder.workspace.checkpoints": "the first file change (WorkspaceSession.store)",
    "solcoder.workspace.search": "a search_files call",
    "hashlib": "a file read (ReadLedger.saw)",
    "jsonschema": "a tool's arguments checked against a JSON Schema (solcoder.tools.validation)",
    "yaml": "a SKILL.md or a command file with front matter (solcoder.skills.frontmatter)",
    "solcoder.skills.prompt": "a skill found (the capped list in the system prompt)",
    "solcoder.ui.command_table": "the REPL, or a custom command file found",
    "solcoder.hooks": "a configured hook (cli/hooks_wiring.py hook_runner)",
    "solcoder.config.hook_tables": "a config file with [[hooks.EVENT]] tables",
    "solcoder.cli.hooks_wiring": "a configured hook",
    # The one-shot path (issue 26): flags parsed without click, the turn run without a loop.
    "click": "a command line the one-shot parser leaves to click (cli/oneshot.py)",
    "solcoder.cli.root": "a command line the one-shot parser leaves to click (cli/oneshot.py)",
    "asyncio": "a tool call, a compaction, a spinner, a real provider (solcoder.loopless)",
    "ssl": "a real provider",
    "uuid": "a prompt-cache key without a session (cli/build.py)",
    "platform": "uuid, `solcoder --version` of dependencies",
}

_RUN_AND_LIST = (
    "import atexit, sys\n"
    "out = sys.argv.pop(1)\n"
    "atexit.register(lambda: open(out, 'w').write('\\n'.join(sys.modules)))\n"
    "from solcoder.cli.main import main\n"
    "main()\n"
)


def test_offline_one_shot_turn_does_not_import_what_it_does_not_use(tmp_path: Path) -> None:
    listing = tmp_path / "modules.txt"
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, str(listing), "-p", "hi", "--offline-mode"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(tmp_path / "home" / ".solcoder"),
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "offline mode" in completed.stdout  # the turn really ran
    loaded = set(listing.read_text().split())
    assert "solcoder.llm.providers.scripted" in loaded  # the listing is of that turn
    unexpected = {name: why for name, why in NOT_ON_THE_OFFLINE_PATH.items() if name in loaded}
    assert not unexpected, f"imported by `-p hi --offline-mode`, only needed for: {unexpected}"


# A priced provider's turn: its cost comes from the precomputed table
# (llm/catalog/price_table.py), not from genai-prices (and pydantic), which took 0.2-0.4 s
# to import on the main thread after the reply and in the telemetry thread before the exit.
NOT_AFTER_A_PRICED_ANSWER = {
    "genai_prices": "a model outside the catalog (price_table.json)",
    "pydantic": "a tool call (BaselineRegistry), or genai-prices",
}


def test_a_priced_turn_imports_no_price_package(tmp_path: Path) -> None:
    from tests.support.fake_llm_server import FakeLLMServer, Reply

    listing = tmp_path / "modules.txt"
    home = tmp_path / "home" / ".solcoder"
    reply = Reply(text="Priced hello.", input_tokens=1200, output_tokens=30)
    with FakeLLMServer(reply, lifetime=60) as server:
        completed = subprocess.run(
            [
                *(sys.executable, "-c", _RUN_AND_LIST, str(listing), "-p", "hi", "--json"),
                *("--llm-provider", "openai", "--llm-model", "gpt-4.1-mini"),
                *("--llm-base-url", server.base_url("chat")),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=clean_environment(home, {"OPENAI_API_KEY": "sk-test-priced-0123456789"}),
            cwd=tmp_path,
            check=False,
        )
    assert completed.returncode == 0, completed.stderr
    assert "Priced hello." in "".join(
        event.get("text", "")
        for event in map(json.loads, completed.stdout.splitlines())
        if event["type"] == "text_delta"
    )
    loaded = set(listing.read_text().split())
    assert "solcoder.llm.catalog.price_table" in loaded  # the call was priced, from the table
    unexpected = {name: why for name, why in NOT_AFTER_A_PRICED_ANSWER.items() if name in loaded}
    assert not unexpected, f"imported by a priced -p turn, only needed for: {unexpected}"
    with sqlite3.connect(home / "telemetry.db") as database:
        (cost,) = database.execute("select cost_usd from calls").fetchone()
    assert cost is not None and cost > 0  # the telemetry record was priced too
