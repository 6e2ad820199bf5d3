"""End-to-end ring: the installed `solcoder` executable as a subprocess, in a private home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

SOLCODER = shutil.which("solcoder", path=str(Path(sys.executable).parent)) or "solcoder"

# Variables from the developer's shell that would change what the CLI does.
_SCRUB = (
    "SOLCODER_",
    "OPENAI_",
    "ANTHROPIC_",
    "OPENROUTER_",
    "GROQ_",
    "MISTRAL_",
    "DEEPSEEK_",
    "XAI_",
    "GEMINI_",
    "TOGETHER_",
    "OTEL_",
)


def clean_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env.update(
        {
            "SOLCODER_HOME": str(home),
            "SOLCODER_KEYRING": "0",
            "HOME": str(home.parent),
            "NO_COLOR": "1",
            "COLUMNS": "100",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def solcoder_home(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".solcoder"


@pytest.fixture
def run_cli(solcoder_home: Path, tmp_path: Path) -> Run:
    """Run `solcoder ARGS` with a clean environment; never reads the developer's config."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        timeout: float = 240,  # a hang guard; a loaded machine (or a real model) is slow
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        work = cwd or tmp_path / "work"
        work.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [SOLCODER, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            # Never the test runner's own stdin: `-p TEXT` reads a piped stdin (like `llm`).
            stdin=subprocess.DEVNULL if input is None else None,
            env=clean_environment(solcoder_home, env),
            cwd=work,
            check=False,
        )

    return run
