"""`solcoder models` never breaks a model name: whole plain rows in a pipe (grep finds them),
and a table that leaves columns out rather than wrapping names on an 80-column terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import pytest

from solcoder.cli.models_cmd import model_rows
from tests.e2e.conftest import SOLCODER, Run, clean_environment

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_piped_rows_are_whole_and_greppable(run_cli: Run) -> None:
    result = run_cli("models", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    [mini] = [line for line in lines if line.split()[:2] == ["openai", "gpt-4.1-mini"]]
    assert "1M" in mini and "0.4" in mini
    for provider in ("local", "offline"):
        assert any(line.startswith(provider + " ") for line in lines), provider
    names = {(row["provider"], row["model"]) for row in model_rows()}
    shown = {tuple(line.split()[:2]) for line in lines[1:]}
    assert names <= shown  # every model, on one line with its provider


def test_an_80_column_terminal_never_breaks_a_name(solcoder_home: Path) -> None:
    env = clean_environment(solcoder_home, {"TERM": "xterm"})
    env.pop("COLUMNS")
    child = pexpect.spawn(
        SOLCODER, ["models"], env=env, encoding="utf-8", timeout=60, dimensions=(200, 80)
    )
    try:
        child.expect(pexpect.EOF)
        output = ANSI.sub("", child.before or "")
    finally:
        child.close()
    assert child.exitstatus == 0, output
    cells = {cell for line in output.splitlines() for cell in line.split()}
    for row in model_rows():
        assert row["model"] in cells, row["model"]
    assert all(len(line) <= 80 for line in output.splitlines())
