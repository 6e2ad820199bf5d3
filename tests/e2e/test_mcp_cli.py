"""MCP end to end: the installed CLI (`-p`), a scripted model server, and real MCP servers.

The model's scripted reply calls an MCP tool; the test checks that the real server answered
(the NEXT request the model server receives carries the server's own result), over stdio
(`mcp-server-time`, server-everything) and streamable HTTP (server-everything), and that
faults stay small: a server that crashes mid-call gives the model an error result and the
user one line; one that never answers `initialize` is skipped after its deadline; a call past
its timeout is cancelled on the server (`notifications/cancelled`); no server process
outlives the CLI.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Run
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.support.fake_wire import ToolCallReply

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

KEY = "sk-test-e2e-mcp-0123456789"
VENV = Path(sys.executable).parent.parent
EVERYTHING = VENV / "npm" / "node_modules" / ".bin" / "mcp-server-everything"
TIME_SERVER = VENV / "bin" / "mcp-server-time"
SCRIPT = Path(__file__).resolve().parents[1] / "support" / "mcp_script_server.py"


APPROVE = ["--approve-all"]
"""MCP tools need approval under `-p`; these tests are about the round trip, not approving it
(tests/e2e/test_approval_cli.py is)."""


def _require(path: Path) -> Path:
    if path.exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"MCP test server missing at {path}")
    pytest.skip(f"MCP test server not installed at {path}")


def write_servers(home: Path, servers: dict[str, dict[str, Any]], extra: str = "") -> None:
    """`[mcp.servers.*]` tables in the user config (JSON strings are valid TOML strings)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = ["schema_version = 1", extra]
    for name, table in servers.items():
        lines.append(f"[mcp.servers.{name}]")
        for key, value in table.items():
            lines.append(f"{key} = {_toml(value)}")
    path = home / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def _toml(value: Any) -> str:
    if isinstance(value, dict):  # an inline table; the rest are JSON, valid TOML here
        return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


@pytest.fixture
def model() -> Iterator[FakeLLMServer]:
    with FakeLLMServer(lifetime=100) as running:
        yield running


def ask(run_cli: Run, model: FakeLLMServer, prompt: str = "use the tool") -> Any:
    return run_cli(
        "-p",
        prompt,
        "--llm-provider",
        "openai",
        "--llm-base-url",
        model.base_url("chat"),
        "--llm-api",
        "chat",
        "--llm-model",
        "fake-model",
        *APPROVE,
        env={"OPENAI_API_KEY": KEY},
        timeout=90,
    )


def tool_names(request_body: dict[str, Any]) -> list[str]:
    return [tool["function"]["name"] for tool in request_body.get("tools", [])]


def tool_result(request_body: dict[str, Any], call_id: str) -> str:
    [message] = [
        m for m in request_body["messages"] if m["role"] == "tool" and m["tool_call_id"] == call_id
    ]
    content = message["content"]
    return content if isinstance(content, str) else "".join(p["text"] for p in content)


def call_then_answer(model: FakeLLMServer, name: str, arguments: str, call_id: str) -> None:
    model.enqueue(
        Reply(tool_calls=(ToolCallReply(name, arguments, call_id),)),
        Reply(text="Done with the tool.", chunk_size=5),
    )


def test_time_server_round_trips(run_cli: Run, model: FakeLLMServer, solcoder_home: Path) -> None:
    write_servers(
        solcoder_home,
        {"time": {"command": str(_require(TIME_SERVER)), "args": ["--local-timezone", "UTC"]}},
    )
    call_then_answer(model, "time__get_current_time", '{"timezone": "UTC"}', "call_t")
    result = ask(run_cli, model, "what time is it in UTC?")
    assert result.returncode == 0, result.stderr
    assert "Done with the tool." in result.stdout
    first, second = (r.json for r in model.requests)
    assert {"time__get_current_time", "time__convert_time"} <= set(tool_names(first))
    assert "plan" in tool_names(first)  # SolCoder's own tools are still offered
    answer = json.loads(tool_result(second, "call_t"))
    assert answer["timezone"] == "UTC"
    assert answer["datetime"].startswith(time.strftime("%Y-", time.gmtime()))
    assert KEY not in result.stdout + result.stderr


def test_everything_echo_over_stdio(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path
) -> None:
    write_servers(solcoder_home, {"ev": {"command": str(_require(EVERYTHING)), "args": ["stdio"]}})
    call_then_answer(model, "ev__echo", '{"message": "hello over stdio"}', "call_e")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr
    second = model.requests[1].json
    assert tool_result(second, "call_e") == "Echo: hello over stdio"
    # The server's own start-up chatter on stderr never reaches the user's terminal.
    assert "Starting default (STDIO) server" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def everything_http(tmp_path: Path) -> Iterator[str]:
    """server-everything's streamable HTTP transport on a free port (its PORT variable)."""
    binary = _require(EVERYTHING)
    port = _free_port()
    log = (tmp_path / "everything-http.log").open("w")
    process = subprocess.Popen(
        [str(binary), "streamableHttp"],
        env={**os.environ, "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, (tmp_path / "everything-http.log").read_text()
            time.sleep(0.1)
        else:
            pytest.fail("server-everything (streamableHttp) did not listen within 20 s")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_everything_echo_over_streamable_http(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, everything_http: str
) -> None:
    write_servers(solcoder_home, {"web": {"url": everything_http}})
    call_then_answer(model, "web__echo", '{"message": "hello over http"}', "call_h")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr
    assert "web__echo" in tool_names(model.requests[0].json)
    assert tool_result(model.requests[1].json, "call_h") == "Echo: hello over http"


def _script(mode: str, log: Path) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(SCRIPT), mode, str(log)]}


def _log_entries(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_crash_mid_call_is_an_error_result_and_one_line(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "crash.log"
    write_servers(solcoder_home, {"crashy": _script("tools", log)})
    call_then_answer(model, "crashy__boom", "{}", "call_b")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr
    content = tool_result(model.requests[1].json, "call_b")
    assert "crashy" in content
    assert "stopped" in content
    assert "boom went the server" in content  # the model hears its last stderr line
    mentions = [line for line in result.stderr.splitlines() if "MCP server 'crashy'" in line]
    assert len(mentions) == 1, result.stderr
    assert "stopped" in mentions[0]
    assert "Traceback" not in result.stderr.replace("Traceback: boom", "")


def test_a_server_that_never_initializes_is_skipped_after_its_deadline(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "hang.log"
    write_servers(
        solcoder_home,
        {
            "mute": _script("hang", log),
            # Its own generous deadline: a busy machine may take longer than the mute
            # server's 1.5 s to start a healthy one, and that is not what this test is about.
            "time": {"command": str(_require(TIME_SERVER)), "startup_timeout": 60},
        },
        extra="[mcp]\nstartup_timeout = 1.5",
    )
    model.enqueue(Reply(text="No tools needed."))
    # run_cli's timeout is the hang guard: the mute server never answers.
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr
    assert "No tools needed." in result.stdout
    names = tool_names(model.requests[0].json)
    assert not [name for name in names if name.startswith("mute__")]
    assert "time__get_current_time" in names  # the other server started in parallel
    [line] = [line for line in result.stderr.splitlines() if "MCP server 'mute'" in line]
    assert "initialize" in line
    assert "1.5 s" in line
    entries = _log_entries(log)
    assert any(entry.get("method") == "initialize" for entry in entries)
    assert _gone(entries[0]["pid"]), "the silent server outlived the CLI"


def test_a_timed_out_call_is_cancelled_on_the_server(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "slow.log"
    write_servers(solcoder_home, {"script": {**_script("tools", log), "tool_timeout": 1}})
    call_then_answer(model, "script__slow", "{}", "call_s")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr
    assert "timed out" in tool_result(model.requests[1].json, "call_s")
    entries = _log_entries(log)
    [call] = [e for e in entries if e.get("method") == "tools/call"]
    cancels = [e for e in entries if e.get("method") == "notifications/cancelled"]
    assert [c["params"]["requestId"] for c in cancels] == [call["id"]]
    assert _gone(entries[0]["pid"]), "the server outlived the CLI"


def test_list_changed_offers_the_new_tool_at_the_next_step(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    write_servers(solcoder_home, {"script": _script("tools", tmp_path / "grow.log")})
    model.enqueue(
        Reply(tool_calls=(ToolCallReply("script__grow", "{}", "call_g"),)),
        Reply(tool_calls=(ToolCallReply("script__grown", "{}", "call_n"),)),
        Reply(text="Grown."),
    )
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr
    first, second, third = (r.json for r in model.requests)
    assert "script__grown" not in tool_names(first)
    assert "script__grown" in tool_names(second)
    assert tool_result(third, "call_n") == "grown ok"


@pytest.mark.parametrize("command", [["--help"], ["mcp", "list"]])
def test_help_and_the_server_list_do_not_import_the_sdk(
    solcoder_home: Path, tmp_path: Path, command: list[str]
) -> None:
    """`--help` never reads the config; `mcp list` does (the server is configured) and still
    needs no SDK: only starting a server imports it."""
    from tests.e2e.conftest import clean_environment
    from tests.e2e.test_startup_imports import _RUN_AND_LIST

    write_servers(solcoder_home, {"time": {"command": str(TIME_SERVER)}})
    listing = tmp_path / "modules.txt"
    completed = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST, str(listing), *command],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_environment(solcoder_home),
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    if command[0] == "mcp":
        assert "time" in completed.stdout
    loaded = set(listing.read_text().split())
    assert not {name for name in loaded if name == "mcp" or name.startswith("mcp.")}


def _kill_leftovers(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_a_stubborn_server_and_its_child(
    model: FakeLLMServer, solcoder_home: Path, tmp_path: Path, number: signal.Signals
) -> None:
    from tests.e2e.conftest import SOLCODER, clean_environment

    log = tmp_path / "stubborn.log"
    write_servers(solcoder_home, {"script": {**_script("stubborn", log), "tool_timeout": 60}})
    call_then_answer(model, "script__slow", "{}", "call_s")
    work = tmp_path / "work"
    work.mkdir()
    command = [SOLCODER, "-p", "use the tool", "--llm-provider", "openai"]
    command += ["--llm-base-url", model.base_url("chat"), "--llm-api", "chat"]
    command += ["--llm-model", "fake-model", *APPROVE]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_environment(solcoder_home, {"OPENAI_API_KEY": KEY}),
        cwd=work,
    )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = _log_entries(log) if log.exists() else []
            if any(entry.get("method") == "tools/call" for entry in found):
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("the tool was never called")
        found = _log_entries(log)
        pids = [found[0]["pid"], *(e["child"] for e in found if "child" in e)]
        assert len(pids) == 2
        process.send_signal(number)
        process.communicate(timeout=60)
        assert all(_gone(pid) for pid in pids), "the stubborn server or its child outlived it"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        _kill_leftovers(pids)


def test_a_banner_and_junk_on_stdout_cost_one_line(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    config = _script("banner", tmp_path / "banner.log")
    write_servers(solcoder_home, {"chatty": {**config, "env": {"JUNK": "50000"}}})
    call_then_answer(model, "chatty__grown", "{}", "call_c")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    mentions = [line for line in lines if "not JSON-RPC" in line]
    assert len(mentions) == 1, result.stderr[-3000:]
    assert "'chatty'" in mentions[0]
    assert "50,000 lines" in mentions[0]
    assert "Traceback" not in result.stderr
    assert "\x9b" not in result.stderr + result.stdout
    assert len(lines) < 20, result.stderr[-3000:]


def test_a_notification_flood_is_one_relist_and_a_clean_exit(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    log = tmp_path / "flood.log"
    write_servers(solcoder_home, {"script": {**_script("tools", log), "env": {"FLOOD": "20000"}}})
    call_then_answer(model, "script__flood", "{}", "call_f")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr[-3000:]
    assert tool_result(model.requests[1].json, "call_f") == "flooded"
    lists = [e for e in _log_entries(log) if e.get("method") == "tools/list"]
    assert len(lists) <= 2, len(lists)
    assert "RuntimeError" not in result.stderr
    assert _gone(_log_entries(log)[0]["pid"])


def test_a_catastrophic_schema_pattern_does_not_hang_the_call(
    run_cli: Run, model: FakeLLMServer, solcoder_home: Path, tmp_path: Path
) -> None:
    write_servers(solcoder_home, {"script": _script("tools", tmp_path / "match.log")})
    text = "a" * 48 + "!"
    call_then_answer(model, "script__match", json.dumps({"text": text}), "call_m")
    result = ask(run_cli, model)
    assert result.returncode == 0, result.stderr[-3000:]
    assert tool_result(model.requests[1].json, "call_m") == f"matched {text}"
