"""The workspace tools as the model calls them (no orchestrator): arguments checked against
their schemas, secrets kept out of search, refusals worded for the model, and nothing
pydantic-shaped built to offer them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from solcoder.tools.arguments import ToolArgumentError
from solcoder.tools.workspace import WorkspaceTool, workspace_tools
from solcoder.workspace.paths import Workspace
from solcoder.workspace.session import WorkspaceSession

CANARY = "sk-test-canary-in-env-0123456789"


@pytest.fixture
def tools(tmp_path: Path) -> dict[str, WorkspaceTool]:
    root = tmp_path / "project"
    root.mkdir()
    (root / "a.rs").write_text("let hello = 1;\n")
    (root / ".env").write_text(f"KEY={CANARY} hello\n")
    (root / ".env.local").write_text("hello\n")
    (root / ".env.example").write_text("KEY=hello\n")
    (root / "ID.JSON").write_text("hello\n")
    (root / "wallet.json").write_text(json.dumps(list(range(64))))
    (root / "blob.bin").write_bytes(b"\x00\x01hello")
    session = WorkspaceSession(Workspace(root, solcoder_home=tmp_path / "home"))
    return {tool.name: tool for tool in workspace_tools(session)}


def run(tool: WorkspaceTool, **arguments: object) -> tuple[str, bool]:
    output = asyncio.run(tool.run(tool.parse_arguments(json.dumps(arguments))))
    return output.content, output.is_error


def test_search_never_shows_a_secret(tools: dict[str, WorkspaceTool]) -> None:
    content, error = run(tools["search_files"], pattern="hello|63")
    assert not error
    assert content.splitlines() == [".env.example:1:KEY=hello", "a.rs:1:let hello = 1;"]
    assert CANARY not in content


def test_reading_a_secret_is_assessed_as_one(tools: dict[str, WorkspaceTool]) -> None:
    read = tools["read_file"]
    for path in (".env", ".env.local", "ID.JSON", "wallet.json"):
        assert read.assess({"path": path}).effect == "reads_secrets", path
    for path in (".env.example", "a.rs", "missing.rs", "../outside"):
        assert read.assess({"path": path}).effect == "read_only", path


def test_read_numbers_lines_and_refuses_binaries(tools: dict[str, WorkspaceTool]) -> None:
    assert run(tools["read_file"], path="a.rs") == ("     1\tlet hello = 1;", False)
    content, error = run(tools["read_file"], path="blob.bin")
    assert error
    assert "binary" in content


def test_arguments_are_checked_against_the_schema(tools: dict[str, WorkspaceTool]) -> None:
    with pytest.raises(ToolArgumentError, match="path"):
        tools["read_file"].parse_arguments('{"offset": 2}')
    with pytest.raises(ToolArgumentError, match=r"'mode' was unexpected"):
        tools["edit_file"].parse_arguments(
            '{"path": "a", "old_text": "x", "new_text": "y", "mode": "fast"}'
        )


def test_write_of_identical_content_changes_nothing(tools: dict[str, WorkspaceTool]) -> None:
    run(tools["read_file"], path="a.rs")
    content, error = run(tools["write_file"], path="a.rs", content="let hello = 1;\n")
    assert not error
    assert "already has exactly this content" in content


def test_a_directory_is_not_a_file(tools: dict[str, WorkspaceTool]) -> None:
    content, error = run(tools["read_file"], path=".")
    assert error
    assert "list_files" in content
