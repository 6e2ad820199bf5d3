"""Facts derived from a finished call in the telemetry writer thread, off the streaming path:
the turn number, a message as readable text, and offline token estimates for providers that
report no usage (via the shared estimator in `solcoder.llm.tokens`).
"""

from __future__ import annotations

from solcoder.llm.messages import Message, Request, Text, ToolCall, ToolResult


def user_turns(request: Request) -> int:
    """The turn number of a request: how many messages the user typed so far."""
    return sum(
        1
        for message in request.messages
        if message.role == "user" and any(isinstance(part, Text) for part in message.parts)
    )


def message_text(message: Message) -> str:
    """A message as readable text: text, tool calls and tool results."""
    pieces: list[str] = []
    for part in message.parts:
        if isinstance(part, Text):
            pieces.append(part.text)
        elif isinstance(part, ToolCall):
            pieces.append(f"{part.name}({part.arguments})")
        elif isinstance(part, ToolResult):
            pieces.append(f"[{part.name or part.call_id}] {part.content}")
    return "\n".join(pieces)


def estimate_input_tokens(request: Request, *, provider: str) -> int:
    try:
        from solcoder.llm.tokens import estimate_request
    except ImportError:  # pragma: no cover - the estimator ships with SolCoder
        text = "\n".join(message_text(message) for message in request.messages)
        return estimate_text_tokens((request.system or "") + text)
    return estimate_request(request, provider=provider)


def estimate_text_tokens(text: str) -> int:
    try:
        from solcoder.llm.tokens import count_text
    except ImportError:  # pragma: no cover
        return (len(text) + 3) // 4
    return count_text(text)
