"""Anthropic's extended thinking: when a Messages request may enable it, and with what budget.

Kept beside the Messages encoder because its rules are Anthropic's own: `budget_tokens` of at
least 1,024 and below `max_tokens`, no thinking on a forced tool call, and none on a step that
continues a tool loop whose calls were made without it.
Reference: https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
"""

from __future__ import annotations

from typing import Any

from solcoder.llm.messages import Request
from solcoder.llm.wire.reasoning import MIN_ANSWER_TOKENS, MIN_THINKING_BUDGET


def thinking_config(
    request: Request, max_tokens: int, messages: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """`thinking: {type: "enabled", budget_tokens}` when the request asks for reasoning, with
    the budget inside `max_tokens` (the planner raised it to fit; a smaller one shrinks the
    budget); None when the budget cannot reach Anthropic's minimum, when the call is forced
    (thinking refuses a `tool_choice` of `any` or a named tool), or inside a tool loop whose
    calls were made without thinking (a forced step, another provider, reasoning turned on
    mid-loop): Anthropic then wants the calling turn to open with its thinking block."""
    reasoning = request.reasoning
    if reasoning is None or reasoning.effort is None or not reasoning.budget_tokens:
        return None
    if request.tool_choice not in (None, "auto", "none") or loop_without_thinking(messages):
        return None
    budget = min(reasoning.budget_tokens, max_tokens - MIN_ANSWER_TOKENS)
    if budget < MIN_THINKING_BUDGET:
        return None
    return {"type": "enabled", "budget_tokens": budget}


def loop_without_thinking(messages: list[dict[str, Any]]) -> bool:
    """The request continues a tool loop (it ends with tool results) whose calling turn does
    not open with a thinking block."""
    if len(messages) < 2 or messages[-1]["role"] != "user":
        return False
    if not any(block["type"] == "tool_result" for block in messages[-1]["content"]):
        return False
    calling = messages[-2]["content"]
    return not calling or calling[0]["type"] not in ("thinking", "redacted_thinking")
