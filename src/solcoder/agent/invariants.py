"""Request invariants: every tool result answers a call, and every call gets exactly one result.

Checked before every request so a broken history fails loudly here, in our code, rather than as
a confusing 400 from the provider.
"""

from __future__ import annotations

from collections.abc import Sequence

from solcoder.llm.messages import Message, ToolResult


class HistoryInvariantError(RuntimeError):
    """The conversation history would produce an invalid request (a bug of ours)."""


def check_tool_pairing(history: Sequence[Message]) -> None:
    open_calls: dict[str, str] = {}
    for position, message in enumerate(history):
        if message.role == "assistant":
            if open_calls:
                raise HistoryInvariantError(
                    f"message {position}: tool calls {sorted(open_calls)} have no result"
                )
            for call in message.tool_calls:
                if call.id in open_calls:
                    raise HistoryInvariantError(f"message {position}: duplicate call id {call.id}")
                open_calls[call.id] = call.name
        else:
            for result in message.tool_results:
                if result.call_id not in open_calls:
                    raise HistoryInvariantError(
                        f"message {position}: result for unknown call {result.call_id}"
                    )
                del open_calls[result.call_id]
            if message.role == "user" and open_calls:
                raise HistoryInvariantError(
                    f"message {position}: tool calls {sorted(open_calls)} have no result"
                )
    if open_calls:
        raise HistoryInvariantError(f"tool calls {sorted(open_calls)} have no result")


def answer_unanswered_calls(history: list[Message], reason: str) -> None:
    """Append error results for calls of the last assistant message that have none."""
    if not history or history[-1].role != "assistant":
        return
    calls = history[-1].tool_calls
    if calls:
        history.append(
            Message("tool", tuple(ToolResult(c.id, reason, True, c.name) for c in calls))
        )
