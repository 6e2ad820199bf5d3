"""The installed CLI on a real model: llama.cpp's prebuilt server on the bundled SmolLM2.

Two ways in, as users have them: `local` (SolCoder starts and owns the server) and `llamacpp`
(a server started by someone else, here `tests/support/llama_server.py`), each over all three
wires. Faults are real too: the model process killed with SIGKILL mid-reply, the CLI killed
with SIGKILL (no model process may survive it), nothing listening, a wrong bearer key.
Skipped unless the `local` extra is installed; `make test` (and so CI) installs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import SOLCODER, Run, clean_environment

if importlib.util.find_spec("xllamacpp") is None:
    pytest.skip("needs the local extra: pip install 'solcoder[local]'", allow_module_level=True)

from solcoder.llm.providers.local import model

# Hang guards only: a real model on a loaded 2-core machine is slow (speed is measured in
# benchmarks/local_tokens.py).
pytestmark = [pytest.mark.local, pytest.mark.e2e, pytest.mark.timeout(900)]
WIRES = ("chat", "responses", "messages")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bundled_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled GGUF as `make test` installed it, else fetched once for this run."""
    home = Path(os.environ.get("SOLCODER_HOME") or Path.home() / ".solcoder")
    found = model.installed_path(home)
    if found is not None:
        return found
    return model.install(tmp_path_factory.mktemp("model-home"), progress=lambda _: None)


@pytest.fixture
def local_home(solcoder_home: Path, bundled_model: Path) -> Path:
    """A fresh SOLCODER_HOME whose models/ already holds the bundled model (a link)."""
    models = solcoder_home / "models"
    models.mkdir(parents=True)
    (models / bundled_model.name).symlink_to(bundled_model)
    return solcoder_home


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SERVER_KEY = "sk-test-llamacpp-server-key-0001"


@pytest.fixture(scope="module")
def llama_server(bundled_model: Path) -> Iterator[str]:
    """llama.cpp's server, started the way a user would, demanding SERVER_KEY."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.llama_server", str(bundled_model), str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env={**os.environ, "LLAMA_TEST_API_KEY": SERVER_KEY},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY"):
        process.kill()
        pytest.fail(f"llama.cpp's server did not start: {line!r}")
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def summary_of(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    assert summary["ok"] is True, summary
    turns = summary["turns"]
    assert isinstance(turns, list)
    assert turns[0]["text_deltas"] >= 2  # real tokens, one by one
    assert turns[1]["tool_calls"] == ["plan"]  # the forced call, run, answered
    assert all(turn["usage"]["output"] > 0 for turn in turns)
    return summary


@pytest.mark.parametrize("wire", WIRES)
def test_dry_run_on_the_local_model_is_the_default_without_a_key(
    run_cli: Run, local_home: Path, wire: str
) -> None:
    # The subprocess timeout is the hang guard; how fast it runs is benchmarks/local_tokens.py.
    result = run_cli("--dry-run-llm", "--json", "--llm-api", wire, timeout=300)
    summary = summary_of(result)
    assert summary["provider"] == "local"
    assert "No API key found: using the bundled demonstration model" in result.stderr
    assert "solcoder auth login" in result.stderr


@pytest.mark.parametrize("wire", WIRES)
def test_dry_run_through_a_llama_cpp_server_on_every_wire(
    run_cli: Run, llama_server: str, wire: str
) -> None:
    result = run_cli(
        "--dry-run-llm",
        "--json",
        "--llm-provider",
        "llamacpp",
        "--llm-base-url",
        llama_server,
        "--llm-api",
        wire,
        # A server the user started has no output cap of ours: set one, as its docs advise.
        env={"SOLCODER_LLM_API_KEY": SERVER_KEY, "SOLCODER_LLM_MAX_OUTPUT_TOKENS": "256"},
        timeout=600,
    )
    summary_of(result)
    assert SERVER_KEY not in result.stdout + result.stderr


def test_a_wrong_bearer_key_is_an_authentication_error(run_cli: Run, llama_server: str) -> None:
    wrong = "sk-test-wrong-key-for-llama-0002"
    result = run_cli(
        "-p",
        "hello",
        "--llm-provider",
        "llamacpp",
        "--llm-base-url",
        llama_server,
        env={"SOLCODER_LLM_API_KEY": wrong},
    )
    assert result.returncode == 3, result.stderr
    assert wrong not in result.stdout + result.stderr


def test_a_server_that_is_not_running_is_named(run_cli: Run) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = run_cli("-p", "hello", "--llm-provider", "llamacpp", "--llm-base-url", url)
    assert result.returncode == 5, result.stderr
    assert "127.0.0.1" in result.stderr


def test_replies_are_capped_for_the_small_model(run_cli: Run, local_home: Path) -> None:
    # Before the cap, SmolLM2 repeated one paragraph until 3,929 tokens (about 150 s).
    result = run_cli("-p", "Write the word escrow again and again, forever, never stop.", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    (completed,) = [e for e in events if e["type"] == "completed"]
    assert 0 < completed["usage"]["output"] <= 256


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class LiveRun:
    """`solcoder -p PROMPT --json` on the local model, its events read as they arrive."""

    def __init__(self, home: Path, prompt: str) -> None:
        self.process = subprocess.Popen(
            [SOLCODER, "-p", prompt, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_environment(home, {"SOLCODER_LLM_LOCAL_MAX_TOKENS": "400"}),
            cwd=home.parent,
        )
        self.arrivals: list[tuple[float, dict[str, object]]] = []

    def read_until_text(self, count: int) -> None:
        assert self.process.stdout is not None
        texts = 0
        while texts < count:
            line = self.process.stdout.readline()
            if not line:
                pytest.fail("solcoder ended before streaming: " + self.stderr())
            event = json.loads(line)
            self.arrivals.append((time.monotonic(), event))
            texts += event["type"] == "text_delta"

    def model_pid(self) -> int:
        (pid,) = children_of(self.process.pid)
        return pid

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read() if self.process.poll() is not None else ""


def test_the_model_process_killed_mid_reply_keeps_the_partial_reply(local_home: Path) -> None:
    run = LiveRun(local_home, "Tell me a long story about a Solana validator.")
    run.read_until_text(5)
    streamed = "".join(str(e.get("text", "")) for _, e in run.arrivals)
    os.kill(run.model_pid(), signal.SIGKILL)
    out, err = run.process.communicate(timeout=60)
    assert run.process.returncode == 5, err
    error = [json.loads(line) for line in out.splitlines() if '"error"' in line][-1]
    assert error["class"] == "local_model_crashed"
    assert "SIGKILL" in error["message"]
    transcripts = list((local_home / "sessions").glob("*/transcript.jsonl"))
    assert transcripts
    assert streamed.strip()[:20] in transcripts[0].read_text()


def test_killing_the_cli_leaves_no_model_process(local_home: Path) -> None:
    run = LiveRun(local_home, "Tell me a long story about a Solana validator.")
    run.read_until_text(3)
    child = run.model_pid()
    run.process.kill()  # SIGKILL: no handler, no atexit, nothing of ours runs
    run.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the model process outlived the CLI"


def test_text_arrives_incrementally(local_home: Path) -> None:
    run = LiveRun(local_home, "Explain what a program derived address is.")
    run.read_until_text(12)
    run.process.kill()
    run.process.wait(timeout=10)
    times = [at for at, event in run.arrivals if event["type"] == "text_delta"]
    assert len(times) >= 12
    assert times[-1] - times[0] > 0.02  # spread over time, not one burst at the end


def test_models_shows_what_the_server_really_serves(run_cli: Run, llama_server: str) -> None:
    result = run_cli(
        "models",
        "--provider",
        "llamacpp",
        "--json",
        env={
            "SOLCODER_LLM_PROVIDER": "llamacpp",
            "SOLCODER_LLM_BASE_URL": llama_server,
            "SOLCODER_LLM_API_KEY": SERVER_KEY,
        },
    )
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["model"].endswith("SmolLM2-135M-Instruct.Q4_1.gguf")  # not "default"
    assert row["context_window"] == 8192  # from /props


def test_a_local_session_resumes_on_the_local_model(run_cli: Run, local_home: Path) -> None:
    first = run_cli("-p", "hello", "--json")
    assert first.returncode == 0, first.stderr
    session = json.loads(first.stdout.splitlines()[0])["id"]
    # Before: the resumed session's model name was taken for a GGUF path ("does not exist").
    again = run_cli("-p", "and again", "--json", "--session", session)
    assert again.returncode == 0, again.stderr
    events = [json.loads(line) for line in again.stdout.splitlines()]
    assert any(e["type"] == "text_delta" for e in events)


async def test_the_request_after_a_crash_starts_a_new_server(
    bundled_model: Path, tmp_path: Path
) -> None:
    from solcoder.errors import LocalModelCrashedError
    from solcoder.llm.events import Completed, TextDelta
    from solcoder.llm.messages import Message, Request
    from solcoder.llm.providers.local.provider import LocalProvider
    from solcoder.llm.providers.local.server import ServerOptions

    options = ServerOptions(model_path=bundled_model, alias="smol", log_path=tmp_path / "log")
    provider = LocalProvider(options, max_tokens=48)
    request = Request(model="", messages=(Message.user("Tell me a long story."),))
    first: list[int] = []

    async def stream_and_kill() -> None:
        async for event in provider.astream(request):
            if isinstance(event, TextDelta) and event.text.strip() and not first:
                first.append(provider.server.pid or 0)
                os.kill(first[0], signal.SIGKILL)

    try:
        with pytest.raises(LocalModelCrashedError) as caught:
            await stream_and_kill()
        assert "SIGKILL" in caught.value.message
        assert caught.value.partial is not None and caught.value.partial.text.strip()
        events = [event async for event in provider.astream(request)]
        assert isinstance(events[-1], Completed)
        assert provider.server.pid not in (None, first[0])
    finally:
        await provider.aclose()
    assert not provider.server.running
