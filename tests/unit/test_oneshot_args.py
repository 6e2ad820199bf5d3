"""The one-shot parser (`cli/oneshot.py`) and click agree on every command line: the same
options reach `run_root`, or the same exit code, stdout and stderr come out.

Each command line runs through `main()` twice, once as shipped (the one-shot parser first)
and once with that parser switched off (click alone); `run_root` is replaced by a recorder,
so nothing but parsing and the entry point's error handling runs.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.cli import oneshot
from solcoder.cli.main import main
from solcoder.cli.oneshot import parse_one_shot

# Parsed by the one-shot path (and by click, to the same options).
ACCEPTED: list[list[str]] = [
    ["-p", "hi"],
    ["-phi"],
    ["-p", ""],
    ["--prompt", "hi"],
    ["--prompt=hi"],
    ["--prompt="],
    ["--prompt=a=b"],
    ["-p", "hi", "--offline-mode"],
    ["--offline-mode", "-p", "hi", "--json"],
    ["-p", "--json"],  # the value of -p is taken as it is, as click does
    ["-p", "--help"],
    ["-p", "-"],
    ["-p=x"],
    ["-p", "one", "-p", "two"],  # the last one wins
    ["-p", "hi", "--offline-mode", "--no-offline-mode"],
    ["-p", "hi", "--no-offline-fallback", "--offline-fallback"],
    ["-p", "hi", "--llm-provider", "openai", "--llm-model", "gpt-4.1-mini"],
    ["-p", "hi", "--llm-provider=anthropic", "--llm-model="],
    ["-p", "hi", "--llm-base-url", "http://127.0.0.1:8080/v1", "--llm-api-key", "sk-test-x"],
    ["-p", "hi", "--llm-api", "chat"],
    ["-p", "hi", "--llm-api=responses"],
    ["-p", "hi", "--llm-api", "messages"],
    ["-p", "hi", "--reasoning", "high"],
    ["-p", "hi", "--sandbox", "read-only", "--network"],
    ["-p", "hi", "--sandbox=off", "--no-network"],
    ["-p", "hi", "--approve-all", "--approve-edits"],
    ["-p", "hi", "--project-instructions", "--no-project-instructions"],
    ["-p", "hi", "--session", "20261208-000000-abcd", "--new-session"],
    ["-p", "hi", "--session", "--json"],  # a value that looks like a flag is still the value
    ["-p", "hi", "--dry-run-llm"],
    ["-p", "hi", "--debug"],
    ["--json", "--prompt", "ünïcødé ✓"],
]

# Left to click: its messages, exit codes and behaviour are the only ones.
DECLINED: list[list[str]] = [
    [],
    ["--offline-mode"],  # no prompt: the REPL or a piped prompt
    ["--json"],
    ["-p"],
    ["--prompt"],
    ["-p", "hi", "--llm-model"],
    ["-p", "hi", "--json=yes"],
    ["-p", "hi", "--offline-mode=1"],
    ["-p", "hi", "--llm-api", "soap"],
    ["-p", "hi", "--reasoning", "HIGH"],
    ["-p", "hi", "--sandbox", "none"],
    ["-p", "hi", "--timeout", "0"],
    ["-p", "hi", "--timeout", "30"],
    ["-p", "hi", "--max-retries", "11"],
    ["-p", "hi", "--max-steps", "0"],
    ["-p", "hi", "--max-turns", "3"],
    ["-p", "hi", "--approve", "time__*"],
    ["-p", "hi", "--approve", "["],
    ["-p", "hi", "--workspace", "/nonexistent/directory"],
    ["-p", "hi", "--nope"],
    ["-p", "hi", "--promt", "x"],
    ["-p", "hi", "--"],
    ["-p", "hi", "extra"],
    ["-p", "hi", "tools"],
    ["-p", "hi", "-h"],
    ["-p", "hi", "--help"],
    ["-p", "hi", "--version"],
    ["-x"],
    ["-hp", "hi"],
    ["--help"],
    ["--version", "-p", "hi"],
    ["nosuchcommand"],
]


def click_params(args: Sequence[str]) -> dict[str, Any]:
    """What click parses for the root command (no subcommand, nothing left over)."""
    from solcoder.cli.root import cli

    context = cli.make_context("solcoder", list(args))
    with warnings.catch_warnings():  # click 9 folds protected_args into args
        warnings.simplefilter("ignore", DeprecationWarning)
        left_over = [*context.protected_args, *context.args]
    assert not left_over, "click saw more than options"
    return dict(context.params)


@pytest.mark.parametrize("args", ACCEPTED, ids=" ".join)
def test_accepted_command_lines_parse_as_click_parses_them(args: list[str]) -> None:
    options = parse_one_shot(args, {})
    assert options is not None
    assert options == click_params(args)


@pytest.mark.parametrize("args", DECLINED, ids=lambda args: " ".join(args) or "(none)")
def test_other_command_lines_are_left_to_click(args: list[str]) -> None:
    assert parse_one_shot(args, {}) is None


def test_shell_completion_is_left_to_click() -> None:
    assert parse_one_shot(["-p", "hi"], {oneshot.COMPLETION_VARIABLE: "bash_complete"}) is None


@dataclass
class Outcome:
    """What `main(args)` did: exit code, output, and the options `run_root` was given."""

    code: object
    out: str
    err: str
    options: dict[str, Any] | None


def run_main(
    args: Sequence[str], *, fast: bool, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> Outcome:
    import solcoder.cli.prompt_exit
    import solcoder.cli.run

    seen: list[dict[str, Any]] = []

    def record(options: dict[str, Any]) -> int:
        seen.append(dict(options))
        return 0

    with monkeypatch.context() as patch:
        patch.setattr(solcoder.cli.run, "run_root", record)
        patch.setattr(solcoder.cli.prompt_exit, "exit_promptly", sys.exit)  # not os._exit here
        if not fast:
            patch.setattr(oneshot, "parse_one_shot", lambda args, environ: None)
        capsys.readouterr()
        try:
            main(list(args))
            code: object = None
        except SystemExit as done:
            code = done.code
        captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err, seen[0] if seen else None)


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLCODER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SOLCODER_DEBUG", raising=False)
    monkeypatch.delenv(oneshot.COMPLETION_VARIABLE, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


_NOT_IN_PROCESS = {"--debug", "--help", "-h"}  # a debug log handler; help needs no second look


@pytest.mark.parametrize(
    "args",
    [args for args in ACCEPTED + DECLINED if not _NOT_IN_PROCESS & set(args[:1] + args[2:])],
    ids=lambda args: " ".join(args) or "(none)",
)
def test_both_paths_end_the_same(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    shipped = run_main(args, fast=True, monkeypatch=monkeypatch, capsys=capsys)
    clicked = run_main(args, fast=False, monkeypatch=monkeypatch, capsys=capsys)
    assert shipped == clicked


_TOKENS = [
    "-p",
    "--prompt",
    "--prompt=x",
    "-pz",
    "hi",
    "",
    "-",
    "--",
    "--json",
    "--json=1",
    "--offline-mode",
    "--no-offline-mode",
    "--offline-fallback",
    "--llm-provider",
    "--llm-model=gpt-4.1",
    "--llm-api",
    "chat",
    "soap",
    "--reasoning",
    "low",
    "--sandbox",
    "read-only",
    "--network",
    "--no-network",
    "--approve-all",
    "--approve-edits",
    "--session",
    "--new-session",
    "--timeout",
    "5",
    "--max-steps",
    "--nope",
    "-x",
    "extra",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=st.lists(st.sampled_from(_TOKENS), max_size=7))
def test_any_mix_of_flags_ends_the_same_on_both_paths(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    shipped = run_main(args, fast=True, monkeypatch=monkeypatch, capsys=capsys)
    clicked = run_main(args, fast=False, monkeypatch=monkeypatch, capsys=capsys)
    assert shipped == clicked


def test_the_one_shot_defaults_name_every_option_of_the_root_command() -> None:
    """A new root option must be added to `oneshot.DEFAULTS` (with click's default), or
    every one-shot run would miss it."""
    from solcoder.cli.root import cli

    context = cli.make_context("solcoder", [])
    assert dict(context.params) == oneshot.DEFAULTS
