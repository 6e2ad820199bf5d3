"""`[mcp.servers.NAME]` tables: each parsed on its own, a bad one named by its key and skipped,
never a plain-text credential; the loader keeps them apart from settings, user config only."""

from __future__ import annotations

from pathlib import Path

import pytest

from solcoder.config import load_settings
from solcoder.config.writer import remove_mcp_server, set_mcp_server
from solcoder.mcp.config import ServerConfigError, credential_name, parse_server, parse_servers


def test_a_stdio_server() -> None:
    server = parse_server(
        "time", {"command": "uvx", "args": ["mcp-server-time"], "env": {"TZ": "UTC"}, "cwd": "/"}
    )
    assert server.transport == "stdio"
    assert (server.command, server.args, dict(server.env), server.cwd) == (
        "uvx",
        ("mcp-server-time",),
        {"TZ": "UTC"},
        "/",
    )
    assert server.describe() == "uvx mcp-server-time"


def test_an_http_server_with_a_stored_bearer_token() -> None:
    server = parse_server(
        "solana", {"url": "https://mcp.solana.com/mcp", "headers": {"X-A": "1"}, "bearer": True}
    )
    assert server.transport == "http"
    assert server.bearer
    assert dict(server.headers) == {"X-A": "1"}
    assert credential_name("solana") == "mcp:solana"
    assert "bearer token" in server.describe()


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"command": "x", "args": "not-a-list"}, "mcp.servers.s.args"),
        ({"command": "x", "args": [1]}, "mcp.servers.s.args"),
        ({"command": "x", "env": {"A": 1}}, "mcp.servers.s.env.A"),
        ({"command": ""}, "mcp.servers.s.command"),
        ({"command": "x", "url": "http://h"}, "exactly one of"),
        ({}, "exactly one of"),
        ({"url": "ftp://h"}, "mcp.servers.s.url"),
        ({"url": "http://h", "cwd": "/"}, "mcp.servers.s.cwd"),
        ({"command": "x", "bearer": True}, "mcp.servers.s.bearer"),
        ({"command": "x", "startup_timeout": 0}, "mcp.servers.s.startup_timeout"),
        ({"command": "x", "comand": "y"}, "mcp.servers.s.comand"),
        ({"url": "http://h", "headers": {"Authorization": "Bearer sk-test-1"}}, "credential"),
        ("just text", "must be a [mcp.servers.s] table"),
    ],
)
def test_a_bad_table_names_its_key(table: object, named: str) -> None:
    with pytest.raises(ServerConfigError, match=None) as caught:
        parse_server("s", table)
    assert named in str(caught.value)


@pytest.mark.parametrize("name", ["a__b", "-x", "bad name", "x" * 33, "dots.too"])
def test_server_names_cannot_break_the_tool_prefix(name: str) -> None:
    with pytest.raises(ServerConfigError):
        parse_server(name, {"command": "x"})


def test_one_bad_server_leaves_the_others() -> None:
    servers, problems = parse_servers(
        {"good": {"command": "x"}, "bad": {"command": 3}, "web": {"url": "http://h"}}
    )
    assert [s.name for s in servers] == ["good", "web"]
    [problem] = problems
    assert problem.startswith("mcp.servers.bad.command must be text")
    assert "skipped" in problem


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_loader_keeps_server_tables_and_the_settings_keep_working(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _write(
        home / "config.toml",
        "[llm]\nmax_steps = 3\n[mcp]\nstartup_timeout = 2.5\n"
        '[mcp.servers.bad]\ncommand = 3\n[mcp.servers.time]\ncommand = "t"\n',
    )
    settings = load_settings(home=home, cwd=tmp_path, environ={})
    assert settings.llm.max_steps == 3
    assert settings.mcp.startup_timeout == 2.5
    assert set(settings.mcp_servers) == {"bad", "time"}
    assert not [w for w in settings.warnings if "mcp.servers" in w]


def test_a_project_config_cannot_start_servers(tmp_path: Path) -> None:
    home, project = tmp_path / "home", tmp_path / "project"
    _write(project / ".solcoder" / "config.toml", '[mcp.servers.evil]\ncommand = "rm"\n')
    settings = load_settings(home=home, cwd=project, environ={})
    assert settings.mcp_servers == {}
    assert any("evil" in w and "ignored" in w for w in settings.warnings)


def test_add_and_remove_keep_the_rest_of_the_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _write(home / "config.toml", "# mine\n[llm]\nmax_steps = 4\n")
    set_mcp_server(home, "time", {"command": "t", "args": ["--x"]})
    set_mcp_server(home, "web", {"url": "https://h/mcp", "headers": {"X": "1"}, "bearer": True})
    set_mcp_server(home, "time", {"command": "t2"})  # replaced, not duplicated
    text = (home / "config.toml").read_text()
    assert "# mine" in text
    assert (home / "config.toml").stat().st_mode & 0o777 == 0o600
    settings = load_settings(home=home, cwd=tmp_path, environ={})
    assert settings.llm.max_steps == 4
    assert settings.mcp_servers["time"] == {"command": "t2"}
    assert settings.mcp_servers["web"]["bearer"] is True
    assert remove_mcp_server(home, "time")
    assert not remove_mcp_server(home, "time")
    assert set(load_settings(home=home, cwd=tmp_path, environ={}).mcp_servers) == {"web"}
