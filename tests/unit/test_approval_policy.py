"""The approval policy (pure): precedence of config rules, grants, flags and effects."""

from __future__ import annotations

import fnmatch

from hypothesis import given
from hypothesis import strategies as st

from solcoder.agent.approval import (
    ApprovalRules,
    CommandLineApprovals,
    decide,
    declined_line,
    matching_rule,
    specificity,
)
from solcoder.tools.effects import EFFECTS, describe, runs_unasked

NAMES = st.sampled_from(
    ["plan", "deploy_program", "time__now", "time__convert", "git__status", "git__commit"]
)
PATTERNS = st.sampled_from(
    ["*", "time__*", "git__*", "git__st*", "git__status", "deploy_program", "*__*", "plan", "?lan"]
)
PATTERN_LISTS = st.lists(PATTERNS, max_size=4).map(tuple)
RULES = st.builds(ApprovalRules, allow=PATTERN_LISTS, ask=PATTERN_LISTS, deny=PATTERN_LISTS)
EFFECT = st.sampled_from(EFFECTS)
ORIGIN = st.sampled_from(["solcoder", "mcp:time", "mcp:git"])
APPROVALS = st.builds(CommandLineApprovals, patterns=PATTERN_LISTS, everything=st.booleans())


def test_defaults_read_only_builtins_run_everything_else_asks() -> None:
    assert decide("plan", "read_only", "solcoder").action == "allow"
    assert decide("plan", "read_only", "solcoder").by == "policy"
    for effect in EFFECTS:
        if effect != "read_only":
            assert decide("deploy_program", effect, "solcoder").action == "ask"
    # An outside server's claim of "read only" is not trusted.
    assert decide("time__now", "read_only", "mcp:time").action == "ask"
    assert decide("time__now", "unknown", "mcp:time").action == "ask"


def test_a_whole_server_by_glob_and_an_exception_inside_it() -> None:
    rules = ApprovalRules(allow=("time__*",), ask=("time__convert",))
    assert decide("time__now", "unknown", "mcp:time", rules=rules).action == "allow"
    assert decide("time__convert", "unknown", "mcp:time", rules=rules).action == "ask"
    rules = ApprovalRules(deny=("git__*",), allow=("git__status",))
    assert decide("git__status", "unknown", "mcp:git", rules=rules).action == "allow"
    assert decide("git__commit", "unknown", "mcp:git", rules=rules).by == "config"


def test_equally_specific_rules_deny_beats_ask_beats_allow() -> None:
    both = ApprovalRules(allow=("time__*",), ask=("time__*",))
    assert matching_rule("time__now", both) == ("ask", "time__*")
    all_three = ApprovalRules(allow=("time__*",), ask=("time__*",), deny=("time__*",))
    assert matching_rule("time__now", all_three) == ("deny", "time__*")


def test_specificity_orders_exact_then_literal_characters() -> None:
    assert specificity("git__status") > specificity("git__st*") > specificity("git__*")
    assert specificity("git__*") > specificity("*")
    assert specificity("plan") > specificity("git__st*")  # exact beats any pattern


def test_flags_grants_and_their_limits() -> None:
    deny = ApprovalRules(deny=("deploy_program",))
    everything = CommandLineApprovals(everything=True)
    assert decide("deploy_program", "signs", "solcoder", approvals=everything).by == "flag"
    assert decide(
        "deploy_program", "signs", "solcoder", rules=deny, approvals=everything
    ).action == ("deny")
    assert decide("deploy_program", "signs", "solcoder", granted={"deploy_program"}).by == "user"
    named = CommandLineApprovals(patterns=("time__*",))
    assert decide("time__now", "unknown", "mcp:time", approvals=named).action == "allow"
    assert decide("deploy_program", "signs", "solcoder", approvals=named).action == "ask"
    # `ask` in the config makes even a read-only built-in ask.
    asked = ApprovalRules(ask=("plan",))
    assert decide("plan", "read_only", "solcoder", rules=asked).action == "ask"


@given(NAMES, EFFECT, ORIGIN, RULES, APPROVALS, st.booleans())
def test_a_matching_deny_always_wins_unless_a_more_specific_rule_does(
    name: str,
    effect: str,
    origin: str,
    rules: ApprovalRules,
    approvals: CommandLineApprovals,
    granted: bool,
) -> None:
    verdict = decide(
        name, effect, origin, rules=rules, approvals=approvals, granted={name} if granted else ()
    )
    rule = matching_rule(name, rules)
    if rule is not None and rule[0] == "deny":
        assert (verdict.action, verdict.by, verdict.rule) == ("deny", "config", rule[1])
    else:
        assert verdict.action != "deny"  # only a config deny refuses outright


@given(NAMES, EFFECT, ORIGIN, RULES, APPROVALS)
def test_nothing_with_a_side_effect_runs_without_a_yes_from_someone(
    name: str, effect: str, origin: str, rules: ApprovalRules, approvals: CommandLineApprovals
) -> None:
    verdict = decide(name, effect, origin, rules=rules, approvals=approvals)
    if verdict.action == "allow":
        if verdict.by == "policy":
            assert runs_unasked(effect, origin) and matching_rule(name, rules) is None
        elif verdict.by == "flag":
            assert approvals.cover(name)
        else:
            assert verdict.by == "config" and verdict.rule in rules.allow


@given(NAMES, RULES)
def test_the_deciding_rule_matches_and_no_matching_rule_is_more_specific(
    name: str, rules: ApprovalRules
) -> None:
    found = matching_rule(name, rules)
    every = [p for p in (*rules.allow, *rules.ask, *rules.deny) if fnmatch.fnmatchcase(name, p)]
    if not every:
        assert found is None
        return
    assert found is not None
    assert fnmatch.fnmatchcase(name, found[1])
    assert specificity(found[1]) == max(specificity(p) for p in every)


@given(NAMES, EFFECT, ORIGIN, RULES, PATTERN_LISTS)
def test_more_approve_patterns_never_make_a_verdict_stricter(
    name: str, effect: str, origin: str, rules: ApprovalRules, patterns: tuple[str, ...]
) -> None:
    fewer = decide(name, effect, origin, rules=rules, approvals=CommandLineApprovals(patterns[:1]))
    more = decide(name, effect, origin, rules=rules, approvals=CommandLineApprovals(patterns))
    strictness = {"allow": 0, "ask": 1, "deny": 2}
    assert strictness[more.action] <= strictness[fewer.action]


def test_the_declined_line_names_the_tools_the_flag_and_the_config() -> None:
    line = declined_line(["deploy_program", "time__now", "deploy_program"])
    assert "\n" not in line
    assert line.count("deploy_program") == 3  # what, --approve, config set
    assert "--approve deploy_program --approve time__now" in line
    assert "--approve-all" in line and "approval.allow" in line
    refused = declined_line([], refused_by_config=["git__commit"])
    assert refused.startswith("Refused git__commit") and "approval.deny" in refused


def test_every_effect_has_words() -> None:
    fallback = describe("no such effect")
    assert all(describe(effect) != fallback for effect in EFFECTS)
    assert describe("signs").startswith("signs")


# -- the workspace: edits and secrets -------------------------------------------------------


def test_approve_edits_covers_own_file_edits_only() -> None:
    from solcoder.agent.approval import CommandLineApprovals, decide

    edits = CommandLineApprovals(edits=True)
    assert decide("edit_file", "writes_files", "solcoder", approvals=edits).action == "allow"
    assert decide("time__set", "writes_files", "mcp:time", approvals=edits).action == "ask"
    assert decide("deploy_program", "signs", "solcoder", approvals=edits).action == "ask"


def test_a_secret_read_needs_the_exact_tool_or_everything() -> None:
    from solcoder.agent.approval import ApprovalRules, CommandLineApprovals, decide

    def verdict(**kwargs: object) -> str:
        return decide("read_file", "reads_secrets", "solcoder", **kwargs).action  # type: ignore[arg-type]

    assert verdict() == "ask"
    assert verdict(granted={"read_file"}) == "ask"
    assert verdict(rules=ApprovalRules(allow=("read_*",))) == "ask"
    assert verdict(approvals=CommandLineApprovals(patterns=("read_*",))) == "ask"
    assert verdict(approvals=CommandLineApprovals(patterns=("read_file",))) == "allow"
    assert verdict(approvals=CommandLineApprovals(everything=True)) == "allow"
    assert (
        verdict(
            rules=ApprovalRules(deny=("read_file",)),
            approvals=CommandLineApprovals(everything=True),
        )
        == "deny"
    )


def test_always_grants_by_kind_of_call() -> None:
    from solcoder.agent.approval import grants_for

    edits = frozenset({"edit_file", "write_file"})
    assert grants_for("edit_file", "writes_files", "solcoder", edits) == set(edits)
    assert grants_for("read_file", "reads_secrets", "solcoder", edits) == set()
    assert grants_for("git__commit", "unknown", "mcp:git", edits) == {"git__commit"}


def test_the_question_for_an_outside_tool_reads_as_a_sentence() -> None:
    from solcoder.agent.approval import question

    assert question("ev__echo", "unknown", "mcp:ev") == (
        "Run ev__echo from mcp:ev? It has unknown effects (an outside tool)."
    )
