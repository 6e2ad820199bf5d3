"""The pure half of compaction: where the history may be cut, what the summary message says,
and how the older part is written out for the model that summarises it.

Kept apart from `compaction.py` (which makes the model calls) so that the rule that matters
most, "never separate a tool call from its result", is a plain function a property test can
drive over any history.
"""

from __future__ import annotations

from collections.abc import Sequence

from solcoder.llm.messages import Message, Text
from solcoder.llm.tokens import Family, count_text

SUMMARY_HEADER = "[Summary of the earlier conversation]"
"""The first line of a summary message: how SolCoder (and a resumed session) recognises it."""
SUMMARY_INTRO = (
    "This conversation was compacted to fit the model's context window: the summary below "
    "stands for the earlier messages, which are no longer shown. The most recent messages "
    "follow it word for word."
)
SUMMARY_END = "[End of the summary]"
SUMMARY_ACK = "Understood. I'll continue from this summary of the earlier conversation."
"""The assistant's side of the summary, when the kept part starts with a user message: most
providers want user and assistant messages to alternate."""

SUMMARY_SYSTEM = (
    "You write the memory of a long conversation between a user and SolCoder, a coding agent "
    "for Solana developers, because the conversation no longer fits the model's context "
    "window. Summarise the conversation you are given so that the work can continue from your "
    "summary alone. Keep every fact the user stated, decisions and their reasons, names "
    "(programs, accounts, instructions, functions, variables), file paths, commands, error "
    "messages and how they were resolved, and every open task or question. When the "
    "conversation contains an earlier summary, carry over everything in it that still holds. "
    "Be terse; use short lines or lists. Do not address the user and do not continue the "
    "conversation: write only the summary."
)
FOCUS_PREFIX = "Pay particular attention to: "


def summary_text(message: Message) -> str | None:
    """The summary a summary message carries, or None for any other message."""
    if message.role != "user":
        return None
    text = message.text
    if not text.startswith(SUMMARY_HEADER):
        return None
    body = text.removeprefix(SUMMARY_HEADER).strip()
    body = body.removeprefix(SUMMARY_INTRO).strip()
    return body.removesuffix(SUMMARY_END).strip()


def is_summary_part(message: Message) -> bool:
    """A summary message or the acknowledgement that follows it."""
    if summary_text(message) is not None:
        return True
    return message.role == "assistant" and message.text == SUMMARY_ACK and not message.tool_calls


def summary_messages(summary: str, next_message: Message | None) -> tuple[Message, ...]:
    """The messages that replace the older history: the marked summary, then an
    acknowledgement when the next kept message is the user's (or nothing is kept)."""
    text = f"{SUMMARY_HEADER}\n{SUMMARY_INTRO}\n\n{summary.strip()}\n{SUMMARY_END}"
    first = Message("user", (Text(text),))
    if next_message is None or next_message.role == "user":
        return (first, Message.assistant(SUMMARY_ACK))
    return (first,)


def valid_cuts(history: Sequence[Message]) -> list[int]:
    """Indices where the kept part may begin: never at a tool message (its results would lose
    their call), never where only earlier summary messages would be summarised."""
    cuts: list[int] = []
    substantive = False
    for index in range(1, len(history)):
        substantive = substantive or not is_summary_part(history[index - 1])
        if substantive and history[index].role != "tool":
            cuts.append(index)
    return cuts


def choose_cut(history: Sequence[Message], sizes: Sequence[int], keep_budget: int) -> int | None:
    """Where to cut so the kept part (history[cut:]) holds at most `keep_budget` tokens.

    The earliest whole turn that fits is kept (most context); failing that, the earliest
    exchange inside a turn; failing that, as little as can be kept without splitting a call
    from its results. None when nothing can be summarised."""
    cuts = valid_cuts(history)
    if not cuts:
        return None
    suffix = [0] * (len(history) + 1)
    for index in range(len(history) - 1, -1, -1):
        suffix[index] = suffix[index + 1] + sizes[index]
    for cut in cuts:
        if history[cut].role == "user" and suffix[cut] <= keep_budget:
            return cut
    for cut in cuts:
        if suffix[cut] <= keep_budget:
            return cut
    return cuts[-1]


def render_message(message: Message) -> str:
    """One message as plain text for the summariser (tool calls and results included)."""
    earlier = summary_text(message)
    if earlier is not None:
        return f"Earlier summary:\n{earlier}"
    if is_summary_part(message):
        return ""
    if message.role == "user":
        return f"User: {message.text}"
    lines: list[str] = []
    if message.role == "assistant":
        if message.text:
            lines.append(f"Assistant: {message.text}")
        lines += [f"Assistant called {c.name} with {c.arguments}" for c in message.tool_calls]
    for result in message.tool_results:
        failed = " (failed)" if result.is_error else ""
        lines.append(f"Result of {result.name or 'a tool'}{failed}: {result.content}")
    return "\n".join(lines)


def shorten_to(text: str, budget: int, family: Family) -> str:
    """`text` cut in the middle until it is estimated at `budget` tokens or fewer."""
    for _ in range(4):
        tokens = count_text(text, family)
        if tokens <= budget:
            return text
        keep = max(64, int(len(text) * budget / tokens * 0.85))
        head = keep * 2 // 3
        tail = text[len(text) - (keep - head) :]
        text = f"{text[:head]}\n[… {len(text) - keep} characters left out …]\n{tail}"
    return text[: max(64, budget)]


def pieces(blocks: Sequence[str], budget: int, family: Family) -> list[str]:
    """The rendered messages grouped, in order, into pieces of at most `budget` tokens each
    (a message larger than that alone is shortened in the middle)."""
    grouped: list[str] = []
    current: list[str] = []
    used = 0
    for block in blocks:
        if not block:
            continue
        text = block
        size = count_text(text, family) + 1
        if size > budget:
            text = shorten_to(text, budget - 1, family)
            size = count_text(text, family) + 1
        if current and used + size > budget:
            grouped.append("\n\n".join(current))
            current, used = [], 0
        current.append(text)
        used += size
    if current:
        grouped.append("\n\n".join(current))
    return grouped


def summary_prompt(piece: str, previous: str | None, focus: str | None) -> str:
    """The user message of one summary request: the earlier summary of the pieces already
    done (when summarising in pieces), the conversation, then the user's focus."""
    parts = ["Summarise this part of the conversation."]
    if previous:
        parts.append(f"Earlier summary:\n{previous}")
    parts.append(f"<conversation>\n{piece}\n</conversation>")
    if focus:
        parts.append(FOCUS_PREFIX + focus)
    return "\n\n".join(parts)
