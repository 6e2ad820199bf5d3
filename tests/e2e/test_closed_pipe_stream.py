"""`solcoder -p … | head -c 1` against a real HTTP stream: the reader goes away mid-reply and
SolCoder exits quietly (status 0, as for any closed pipe), with no asyncio noise on stderr."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import SOLCODER, clean_environment
from tests.support.fake_llm_server import FakeLLMServer, Reply

pytestmark = pytest.mark.e2e

KEY = "sk-test-closed-pipe-0123456789"


def test_closing_stdout_mid_stream_is_quiet(solcoder_home: Path) -> None:
    long_reply = Reply(text="word " * 200, chunk_size=5, event_delay=0.005, repeat=10)
    with FakeLLMServer(long_reply, lifetime=60) as server:
        command = (
            f"'{SOLCODER}' -p hi --llm-provider openai --llm-model gpt-4.1-mini "
            f"--llm-base-url {server.base_url('chat')} | head -c 1"
        )
        for _ in range(3):  # the noise came from a race: give it a few chances
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                capture_output=True,
                text=True,
                env=clean_environment(solcoder_home, {"OPENAI_API_KEY": KEY}),
                timeout=60,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout == "w"
            noise = [line for line in result.stderr.splitlines() if not line.startswith("session")]
            assert noise == [], result.stderr
