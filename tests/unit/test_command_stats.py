"""`solcoder stats` counts the commands the agent ran (from the sessions' `command` records):
how many, failed, timed out, stopped, in which sandbox, which programs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from solcoder.cli.main import cli


def write_session(home: Path, session_id: str, commands: list[dict[str, object]]) -> None:
    directory = home / "sessions" / session_id
    directory.mkdir(parents=True)
    lines = [
        {"v": 1, "type": "event", "ts": "2026-12-07T10:00:00Z", "name": "command", "data": data}
        for data in commands
    ]
    lines.append({"v": 1, "type": "event", "name": "command", "data": "tampered"})
    (directory / "transcript.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")


def test_stats_count_commands_and_failures(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok = {"command": "cargo test", "exit_code": 0, "sandbox": "bubblewrap"}
    failed = {"command": "cargo test -p x", "exit_code": 101, "sandbox": "bubblewrap"}
    slow = {"command": "sleep 60", "exit_code": None, "sandbox": "none", "timed_out": True}
    write_session(home, "20261207-100000-aaaa", [ok, failed])
    write_session(home, "20261207-100001-bbbb", [slow])
    runner = CliRunner()
    env = {"SOLCODER_HOME": str(home)}
    result = runner.invoke(cli, ["stats", "--json"], env=env)
    assert result.exit_code == 0, result.output
    commands = json.loads(result.stdout)["commands"]
    assert commands["total"] == 3
    assert commands["failed"] == 2
    assert commands["timed_out"] == 1
    assert commands["sandbox"] == {"bubblewrap": 2, "none": 1}
    assert commands["programs"] == {"cargo": 2, "sleep": 1}
    text = runner.invoke(cli, ["stats"], env=env)
    assert "Commands: 3 run (2 failed, 1 timed out)" in text.stdout
