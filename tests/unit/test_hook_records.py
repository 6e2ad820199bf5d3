"""`solcoder sessions show` lists hook decisions from transcript records; these pin the format
and that allowed runs are summed, not listed."""

from __future__ import annotations

from solcoder.sessions.hook_records import hook_lines


def test_hook_lines_lists_non_allow_decisions_with_turn_and_sums_allows() -> None:
    records = [
        {"type": "turn", "turn": 3},
        {"type": "event", "name": "hook", "data": {"decision": "allow", "hook": "a"}},
        {
            "type": "event",
            "name": "hook",
            "turn": 4,
            "data": {
                "decision": "deny",
                "hook": "guard",
                "event": "pre_tool_use",
                "tool": "run_command",
                "reason": "no deploys",
            },
        },
        {"type": "event", "name": "other", "data": {"decision": "deny"}},
        {"type": "event", "name": "hook", "data": "not a mapping"},
        {"type": "event", "name": "hook", "data": {"decision": "allow"}},
    ]
    assert hook_lines(records) == [
        "turn 4: guard pre_tool_use on run_command deny: no deploys",
        "2 hook run(s) allowed without comment",
    ]


def test_hook_lines_is_empty_without_hook_records() -> None:
    assert hook_lines([{"type": "event", "name": "tool", "data": {}}]) == []
