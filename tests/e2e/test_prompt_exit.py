"""A one-shot run ends without the interpreter's teardown (`cli/prompt_exit.py`), and loses
nothing by it: the whole reply reaches a pipe (block-buffered, read slowly), the transcript
has the turn's end, telemetry has the call, and a pipe closed before the reply is quiet.

Each run goes through a wrapper that notes the code `os._exit` was called with, so every
test here also shows the prompt exit was the one taken."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

KEY = "sk-test-prompt-exit-0123456789"
WORDS = 6000

_NOTE_EXIT = (
    "import os, sys\n"
    "marker = sys.argv.pop(1)\n"
    "real_exit = os._exit\n"
    "def noted_exit(code):\n"
    "    with open(marker, 'w') as note:\n"
    "        note.write(str(code))\n"
    "    real_exit(code)\n"
    "os._exit = noted_exit\n"
    "from solcoder.cli.main import main\n"
    "main()\n"
)


def environment(home: Path) -> dict[str, str]:
    env = clean_environment(home, {"OPENAI_API_KEY": KEY})
    env.pop("PYTHONUNBUFFERED")  # stdout to a pipe is block-buffered, as for most users
    return env


def command(marker: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", _NOTE_EXIT, str(marker), *args]


def one_transcript(home: Path) -> list[dict[str, object]]:
    (transcript,) = home.glob("sessions/*/transcript.jsonl")
    return [json.loads(line) for line in transcript.read_text().splitlines()]


def telemetry_calls(home: Path) -> int:
    with sqlite3.connect(home / "telemetry.db") as database:
        (count,) = database.execute("select count(*) from calls").fetchone()
    assert isinstance(count, int)
    return count


@pytest.mark.parametrize("json_output", [False, True], ids=["text", "json"])
def test_a_long_reply_reaches_a_slow_pipe_whole_and_everything_is_saved(
    tmp_path: Path, solcoder_home: Path, json_output: bool
) -> None:
    marker = tmp_path / "exit-code"
    reply = Reply(text="word " * WORDS, chunk_size=200)
    with FakeLLMServer(reply, lifetime=120) as server:
        args = ["-p", "hi", "--llm-provider", "openai", "--llm-model", "gpt-4.1-mini"]
        args += ["--llm-base-url", server.base_url("chat")] + (["--json"] if json_output else [])
        process = subprocess.Popen(
            command(marker, *args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment(solcoder_home),
            cwd=tmp_path,
        )
        assert process.stdout is not None and process.stderr is not None
        time.sleep(0.5)  # let the pipe fill while nobody reads it
        out = b""
        while block := process.stdout.read(4096):
            out += block
            time.sleep(0.001)
        err = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0, err
    assert marker.read_text() == "0", "the prompt exit was not taken"
    text = out.decode()
    if json_output:
        events = [json.loads(line) for line in text.splitlines()]
        streamed = "".join(str(e["text"]) for e in events if e["type"] == "text_delta")
        assert events[-1]["type"] == "turn_finished"
    else:
        streamed = text
    assert streamed.strip() == ("word " * WORDS).strip()
    records = one_transcript(solcoder_home)
    assert records[-1]["type"] == "turn_end"
    assert telemetry_calls(solcoder_home) == 1


def test_a_pipe_closed_before_the_reply_is_quiet_and_the_turn_is_saved(
    tmp_path: Path, solcoder_home: Path
) -> None:
    marker = tmp_path / "exit-code"
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read the reply
    try:
        result = subprocess.run(
            command(marker, "-p", "hi", "--offline-mode"),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(solcoder_home),
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == "0", "the prompt exit was not taken"
    noise = [line for line in result.stderr.splitlines() if not line.startswith("session")]
    assert noise == [], result.stderr
    assert one_transcript(solcoder_home)[-1]["type"] == "turn_end"
    assert telemetry_calls(solcoder_home) == 1


def test_command_lines_left_to_click_exit_the_normal_way(
    tmp_path: Path, solcoder_home: Path
) -> None:
    marker = tmp_path / "exit-code"
    result = subprocess.run(
        command(marker, "-p", "hi", "--offline-mode", "--max-steps", "1"),
        capture_output=True,
        text=True,
        env=environment(solcoder_home),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    # --max-steps goes through click; the prompt exit is only for what the one-shot parser
    # answered, so this run leaves the normal way (and still ends well).
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    result = subprocess.run(
        command(marker, "-p", "hi", "--offline-mode", "--llm-api", "soap"),
        capture_output=True,
        text=True,
        env=environment(solcoder_home),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2 and "soap" in result.stderr
    assert not marker.exists()
