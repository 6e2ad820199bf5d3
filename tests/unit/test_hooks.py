"""Pure ring: hook tables from config, matchers, decisions from exit codes and output, trust."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.config.config_file import parse_config_text
from solcoder.config.hook_tables import HookEntry, parse_hook_tables
from solcoder.errors import ConfigError
from solcoder.hooks.decisions import decide
from solcoder.hooks.matching import matches
from solcoder.hooks.trust import trust, trust_path, trusted_digests

PATH = Path("/p/.solcoder/config.toml")
DEPLOY = ("run_command:solana program deploy*",)


def test_tables_parse_in_file_order_with_defaults() -> None:
    text = """
[[hooks.pre_tool_use]]
matcher = "run_command:solana program deploy*"
command = "exit 2"

[[hooks.post_tool_use]]
matcher = ["edit_file", "write_file"]
command = ["cargo", "fmt"]
timeout_s = 5
"""
    loaded = parse_config_text(text, PATH)
    first, second = loaded.hooks
    assert (first.event, first.command, first.matcher, first.timeout_s) == (
        "pre_tool_use",
        "exit 2",
        DEPLOY,
        30.0,
    )
    assert (second.command, second.matcher, second.timeout_s) == (
        ("cargo", "fmt"),
        ("edit_file", "write_file"),
        5.0,
    )
    assert first.label() == "hooks.pre_tool_use[1] (user)"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"pre_deploy": [{"command": "x"}]}, "is not a hook event"),
        ({"stop": [{"command": ""}]}, "command must be"),
        ({"stop": [{"command": 3}]}, "command must be"),
        ({"stop": [{"command": "x", "matcher": "edit_file"}]}, "only applies to"),
        ({"stop": [{"command": "x", "timeout_s": 0}]}, "timeout_s must be above 0"),
        ({"stop": [{"command": "x", "timeout_s": 10_000}]}, "at most 600"),
        ({"stop": [{"command": "x", "timout_s": 3}]}, "unknown field 'timout_s'"),
        ({"pre_tool_use": [{"command": "x", "matcher": "run_command:"}]}, "needs a command"),
        ({"pre_tool_use": [{"command": "x", "matcher": "a b"}]}, "tool-name glob"),
        ({"stop": "x"}, "must be [[hooks.EVENT]] tables"),
    ],
)
def test_a_bad_table_stops_loading_with_what_is_wrong(content: object, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_hook_tables(PATH, content)
    assert problem in raised.value.message
    assert str(PATH) in raised.value.message


def test_matchers_over_names_and_commands() -> None:
    assert matches((), "read_file", {"path": "x"})
    assert matches(("*_file",), "edit_file", {})
    assert not matches(("edit_file",), "write_file", {})
    deploy = {"command": "anchor build && solana program deploy target/deploy/v.so"}
    assert matches(DEPLOY, "run_command", deploy)
    assert matches(DEPLOY, "start_process", deploy)
    assert not matches(DEPLOY, "run_command", {"command": "solana program show x"})
    assert not matches(DEPLOY, "edit_file", {"path": "solana program deploy"})
    # A line that cannot be parsed is matched on its whole text, never missed.
    assert matches(DEPLOY, "run_command", {"command": "solana program deploy 'x"})
    assert not matches(("edit_file",), None, None)


@pytest.mark.parametrize(
    ("event", "code", "stdout", "stderr", "outcome", "reason"),
    [
        ("pre_tool_use", 0, "", "", "allow", ""),
        ("pre_tool_use", 0, "formatted 1 file\n", "", "allow", ""),
        ("pre_tool_use", 2, "", "no mainnet deploys\n", "deny", "no mainnet deploys"),
        ("pre_tool_use", 2, "", "", "deny", "denied by a hook (exit 2)"),
        ("pre_tool_use", 0, '{"decision":"deny","reason":"no"}', "", "deny", "no"),
        ("pre_tool_use", 0, '{"decision":"block","reason":"no"}', "", "deny", "no"),
        ("user_prompt", 0, '{"context":"branch: main"}', "", "context", ""),
        ("pre_tool_use", 0, '{"decision":"allow"}', "", "allow", ""),
        ("post_tool_use", 1, "", "boom", "failed", "exit 1: boom"),
        ("post_tool_use", 0, "{not json", "", "failed", "not valid JSON"),
        ("post_tool_use", 0, "[1]", "", "allow", ""),
        ("post_tool_use", 0, '{"decision":"maybe"}', "", "failed", "unknown decision"),
        ("post_tool_use", 0, '{"reason": 3}', "", "failed", "must be text"),
        ("post_tool_use", 0, "[1", "", "allow", ""),
        (
            "pre_tool_use",
            0,
            '{"hookSpecificOutput":{"permissionDecision":"deny",'
            '"permissionDecisionReason":"not on mainnet"}}',
            "",
            "deny",
            "not on mainnet",
        ),
        ("pre_tool_use", 0, '{"hookSpecificOutput":{"permissionDecision":"ask"}}', "", "allow", ""),
    ],
)
def test_decisions_from_exit_codes_and_output(
    event: str, code: int, stdout: str, stderr: str, outcome: str, reason: str
) -> None:
    decision = decide(event, code, stdout, stderr)
    assert decision.outcome == outcome
    assert reason in decision.reason


def test_a_failing_guard_refuses_and_a_failing_formatter_does_not() -> None:
    guard = decide("pre_tool_use", 1, "", "crash")
    assert guard.outcome == "failed"
    assert "refused until the hook works" in guard.reason
    assert "refused" not in decide("post_tool_use", 1, "", "crash").reason
    timed_out = decide("stop", None, "", "", timed_out=True, timeout_s=2)
    assert timed_out.outcome == "failed"
    assert timed_out.reason == "timed out after 2 s and was stopped"
    assert "could not start" in decide("stop", None, "", "", start_error="No such file").reason


def test_context_comes_with_the_answer() -> None:
    answer = json.dumps({"decision": "allow", "context": "run anchor test after this"})
    decision = decide("post_tool_use", 0, answer, "")
    assert (decision.outcome, decision.context) == ("context", "run anchor test after this")


@given(st.integers(min_value=-255, max_value=255), st.text(max_size=200), st.text(max_size=200))
def test_any_answer_is_a_decision(code: int, stdout: str, stderr: str) -> None:
    decision = decide("pre_tool_use", code, stdout, stderr)
    assert decision.outcome in {"allow", "deny", "context", "failed"}
    assert len(decision.reason) <= 2100 and len(decision.context) <= 2100


def project_hook(command: str = "exit 2", path: Path = PATH) -> HookEntry:
    return HookEntry("pre_tool_use", command, DEPLOY, source="project", path=path, position=1)


def test_trust_is_per_content_and_file(tmp_path: Path) -> None:
    hook = project_hook()
    assert trust(tmp_path, [hook]) == [hook]
    assert trust(tmp_path, [hook]) == []
    trusted = trusted_digests(tmp_path)
    assert hook.digest() in trusted
    assert project_hook("exit 0").digest() not in trusted  # edited: asks again
    assert project_hook(path=Path("/other/.solcoder/config.toml")).digest() not in trusted
    user = HookEntry("stop", "true")
    assert trust(tmp_path, [user]) == []  # the user's own hooks need no trust


def test_a_corrupt_trust_file_is_reported_and_never_overwritten(tmp_path: Path) -> None:
    trust_path(tmp_path).write_text("{broken")
    with pytest.raises(ConfigError, match="trusted hooks"):
        trusted_digests(tmp_path)
    with pytest.raises(ConfigError):
        trust(tmp_path, [project_hook()])
    assert trust_path(tmp_path).read_text() == "{broken"


def test_config_set_points_hook_keys_at_the_tables() -> None:
    from solcoder.config.schema import lookup
    from solcoder.errors import UsageError

    with pytest.raises(UsageError, match=r"\[\[hooks.<event>\]\] table"):
        lookup("hooks.pre_tool_use")


def test_a_config_without_hooks_has_none_and_both_sources_keep_their_order(
    tmp_path: Path,
) -> None:
    from solcoder.config.loader import load_settings

    home = tmp_path / "home"
    home.mkdir()
    project = tmp_path / "project"
    (project / ".solcoder").mkdir(parents=True)
    assert load_settings(environ={}, cwd=project, home=home).hooks == ()
    (home / "config.toml").write_text('[[hooks.stop]]\ncommand = "user"\n')
    (project / ".solcoder" / "config.toml").write_text('[[hooks.stop]]\ncommand = "project"\n')
    hooks = load_settings(environ={}, cwd=project, home=home).hooks
    assert [(hook.command, hook.source) for hook in hooks] == [
        ("user", "user"),
        ("project", "project"),
    ]
