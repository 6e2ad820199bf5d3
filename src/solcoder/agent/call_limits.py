"""Bounds on what one model response may ask for, applied where the response enters the loop.

A response with 10,000 tool calls once had every excess call answered, printed and sent back
(20,003 stderr lines, a 3.6 MB next request). Past `max_tool_calls_per_step` the history keeps
one more call than the limit: that one carries a single note answering all the excess, and the
rest are left out, so the next request, the screen and the transcript grow by the limit, not by
what the model sent.
"""

from __future__ import annotations

from solcoder.llm.messages import Message, ToolCall


def bounded_calls(message: Message, limit: int) -> tuple[Message, int]:
    """`message` with at most `limit + 1` tool calls, and how many calls it asked for."""
    calls = message.tool_calls
    if len(calls) <= limit + 1:
        return message, len(calls)
    kept = 0
    parts = []
    for part in message.parts:
        if isinstance(part, ToolCall):
            kept += 1
            if kept > limit + 1:
                continue
        parts.append(part)
    return Message(message.role, tuple(parts)), len(calls)


def over_limit_note(count: int, limit: int) -> str:
    """The one answer for every call past the limit (given to the first of them)."""
    excess = count - limit
    left_out = f" and the {excess - 1:,} after it were left out" if excess > 1 else " was not run"
    return (
        f"Not run: the response asked for {count:,} tool calls, more than the limit of "
        f"{limit} per response (llm.max_tool_calls_per_step). The first {limit} were "
        f"handled; this call{left_out}. Send at most {limit} calls at once; repeat the "
        "ones still needed."
    )


def longer_than(text: str, limit: int) -> bool:
    """Whether `text` takes more than `limit` bytes of UTF-8; encodes only when the character
    count cannot decide (a character is one to four bytes)."""
    if len(text) > limit:
        return True
    if len(text) * 4 <= limit:
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit
