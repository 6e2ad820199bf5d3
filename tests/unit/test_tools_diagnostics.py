"""Diagnostics: concurrent, bounded version probes that never reveal environment values."""

import json
import os
import stat
import time
from pathlib import Path

import pytest

from solcoder.tools.toolkits import default_registry
from solcoder.tools.toolkits.diagnostics import probe_environment

SECRET = "sk-test-diagnostics-canary-0123456789"

posix_only = pytest.mark.skipif(os.name != "posix", reason="fake CLIs are shell scripts")


def _fake_cli(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("SOLCODER_DIAGNOSTICS_SECRET", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    return tmp_path


@posix_only
async def test_versions_missing_tools_and_failures_are_reported(fake_path: Path):
    _fake_cli(fake_path, "fakesolana", 'echo "solana-cli 2.1.0 (src:abc; feat:1)"')
    _fake_cli(fake_path, "fakebroken", 'echo "no such flag" >&2; exit 2')
    report = await probe_environment(
        ["fakesolana", "fakebroken", "solcoder-missing-cli"], timeout=3
    )
    tools = report["tools"]
    assert tools["fakesolana"]["found"] is True
    assert tools["fakesolana"]["version"] == "solana-cli 2.1.0 (src:abc; feat:1)"
    assert tools["fakebroken"]["version"] is None
    assert tools["fakebroken"]["error"] == "`fakebroken --version` exited with 2: no such flag"
    assert tools["solcoder-missing-cli"] == {"found": False, "version": None}
    assert report["python"]["version"].count(".") == 2
    assert set(report["solana_config"]) == {"path", "exists", "default_keypair_exists"}


@posix_only
async def test_environment_values_never_reach_the_report(fake_path: Path):
    # A CLI that prints its whole environment: it must not receive the secrets at all.
    _fake_cli(
        fake_path, "fakeleaky", 'echo "leaky 1.0 $SOLCODER_DIAGNOSTICS_SECRET $OPENAI_API_KEY"'
    )
    _fake_cli(fake_path, "fakeenv", "env | tr '\\n' ' '")
    report = await probe_environment(["fakeleaky", "fakeenv"], timeout=3)
    text = json.dumps(report)
    assert SECRET not in text
    assert report["tools"]["fakeleaky"]["version"] == "leaky 1.0"
    assert "SOLCODER_DIAGNOSTICS_SECRET" not in text
    assert "OPENAI_API_KEY" not in text


@posix_only
@pytest.mark.timeout(25)  # a hang guard: a probe that never killed its CLI waits 30 s
async def test_hung_clis_are_bounded_and_probed_concurrently(fake_path: Path):
    # The script starts a child that keeps the pipe open: killing only the shell would hang.
    for name in ("fakehang1", "fakehang2", "fakehang3"):
        _fake_cli(fake_path, name, "sleep 30 &\nsleep 30")
    report = await probe_environment(["fakehang1", "fakehang2", "fakehang3"], timeout=0.5)
    for name in ("fakehang1", "fakehang2", "fakehang3"):
        assert report["tools"][name]["error"] == f"`{name} --version` did not answer within 0.5 s"


async def test_environment_tool_runs_within_its_bound():
    tool = default_registry().get("environment")
    assert tool is not None
    assert tool.timeout is not None
    started = time.monotonic()
    output = await tool.run(tool.parse_arguments("{}"))
    assert time.monotonic() - started < tool.timeout
    assert set(output.data["tools"]) == {"solana", "anchor", "cargo", "rustc", "node"}
    home = str(Path.home())
    assert all(home not in (entry.get("path") or "") for entry in output.data["tools"].values())
