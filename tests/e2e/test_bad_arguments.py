"""Issue 23 item 21: bad command-line input is a usage error (exit 2 with a message), never
"this is a bug" (exit 1): bytes that are not UTF-8 in any argument, a path too long for the
file system."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import SOLCODER, clean_environment

pytestmark = pytest.mark.e2e

BAD = os.fsdecode(b"caf\xe9")  # Latin-1 bytes from a shell: not UTF-8


@pytest.mark.parametrize(
    "args",
    [
        ["config", "set", "llm.model", BAD],
        ["mcp", "add", "x", "--cwd", BAD, "--", "true"],
        ["logs", "--outcome", BAD],
        ["-p", BAD, "--offline-mode"],
        ["replay", "a" * 100_000],
    ],
    ids=["config-set", "mcp-cwd", "logs-filter", "prompt", "long-replay-target"],
)
def test_bad_input_is_a_usage_error(args: list[str], solcoder_home: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [SOLCODER, *args],
        env=clean_environment(solcoder_home),
        capture_output=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "bug" not in stderr
    assert "Traceback" not in stderr
