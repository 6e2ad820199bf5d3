"""Fitting a history into a model's window: the oldest exchanges go first, never the system
prompt, the latest user message, or a tool call apart from its results (`BudgetedProvider`
calls this before every request; `/status` shows the window with `format_tokens`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from solcoder.errors import ContextTooLongError
from solcoder.llm.messages import Message, Request, ToolSpec
from solcoder.llm.tokens import (
    Family,
    current_turn_start,
    fixed_tokens,
    message_tokens,
    model_family,
)
from solcoder.records import shared_methods

__all__ = ["fit_history", "format_tokens", "group_digits"]

log = logging.getLogger(__name__)


def format_tokens(count: int) -> str:
    """1234 -> "1.2k", 2_500_000 -> "2.5M": short enough for a toolbar."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M"
    if count >= 1000:
        return f"{count / 1000:.1f}k"
    return str(count)


def _group(count: int) -> str:
    return f"{count:,}"


# --- history trimming -------------------------------------------------------------------------


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _Block:
    """Messages that are dropped together: a whole earlier turn, or one exchange (an
    assistant message with the tool results that answer it) inside the current turn."""

    start: int
    end: int
    tokens: int


def _exchanges(messages: Sequence[Message], start: int, end: int) -> list[tuple[int, int]]:
    """Split messages[start:end] into assistant-plus-tool-results exchanges."""
    spans: list[tuple[int, int]] = []
    index = start
    while index < end:
        stop = index + 1
        while stop < end and messages[stop].role == "tool":
            stop += 1
        spans.append((index, stop))
        index = stop
    return spans


def fit_history(
    messages: Sequence[Message],
    *,
    system: str | None,
    tools: tuple[ToolSpec, ...],
    window: int,
    reserve_output: int,
    provider: str = "",
    model: str = "",
) -> tuple[tuple[Message, ...], int]:
    """The newest part of `messages` that fits `window` with `reserve_output` left for the
    reply, and how many messages were dropped.

    Whole earlier turns go first, oldest first; then, inside the current turn, the oldest
    tool exchanges between the user's message and the latest exchange. The system prompt, the
    latest user message and the latest exchange always stay, and a tool call is never
    separated from its results. Raises ContextTooLongError when even that does not fit.
    """
    family: Family = model_family(provider, model)
    history = tuple(messages)
    turn = current_turn_start(history)
    sizes = [
        message_tokens(message, family, with_thinking=index >= turn)
        for index, message in enumerate(history)
    ]
    probe = Request(model=model, messages=(), system=system, tools=tools)
    fixed = fixed_tokens(probe, family)
    available = window - reserve_output - fixed
    total = sum(sizes)
    if total <= available:
        return history, 0

    blocks: list[_Block] = []
    # Earlier turns: each from one user message to the next (a transcript that starts with
    # assistant or tool messages counts them as part of the first turn).
    boundaries = [index for index in range(1, turn) if history[index].role == "user"]
    starts = [0, *boundaries]
    ends = [*boundaries, turn]
    for start, end in zip(starts, ends, strict=True):
        if start < end:
            blocks.append(_Block(start, end, sum(sizes[start:end])))
    # The current turn: its user message stays; so does its latest exchange.
    first_reply = turn + 1 if history and history[turn].role == "user" else turn
    exchanges = _exchanges(history, first_reply, len(history))
    for start, end in exchanges[:-1]:
        blocks.append(_Block(start, end, sum(sizes[start:end])))

    dropped_until = 0
    dropped: set[int] = set()
    for block in blocks:
        if total <= available:
            break
        dropped.update(range(block.start, block.end))
        total -= block.tokens
        dropped_until = block.end
    if total > available:
        raise _too_long(model, window, reserve_output, fixed, total)
    kept = tuple(message for index, message in enumerate(history) if index not in dropped)
    log.info("dropped %d old messages (up to #%d) to fit %s", len(dropped), dropped_until, model)
    return kept, len(dropped)


def _too_long(model: str, window: int, reserve: int, fixed: int, history: int) -> Exception:
    needed = fixed + history + reserve
    what = f"model {model}" if model else "the model"
    return ContextTooLongError(
        f"This request needs about {_group(needed)} tokens (system prompt and tools "
        f"{_group(fixed)}, latest message and tool results {_group(history)}, "
        f"{_group(reserve)} reserved for the reply), more than the {_group(window)}-token "
        f"context window of {what}, even with all older history left out.",
        hint="Send a shorter message (or smaller pasted content), start a new session "
        "(/clear or --new-session), lower `llm.max_output_tokens`, or pick a model with a "
        "larger window (--llm-model).",
    )


# --- session budget ---------------------------------------------------------------------------


group_digits = _group
"""`12,345`: token counts in messages, as the budget words them too."""
