"""Compaction: the older history replaced by the model's own summary of it.

Trimming (`middleware/fit.py`) keeps a long session going by dropping its oldest turns, and
with them every fact they held. Compaction runs first: before each step's request (so inside
a tool loop and in `-p` runs too) the orchestrator asks `Compactor.maybe_compact` whether the
request, counted as the provider will count it (`llm.tokens`), passes `llm.compact_at` of the
model's window, or would not leave room for the reply. If so, the older part goes to the model
in its own request (`Request.purpose = "compaction"`, its own deadline), in pieces when it does
not fit one request, and the history becomes: the summary (a marked user message), then the
latest turns word for word, cut only where no tool call is separated from its result
(`history_cut.choose_cut`). When the summary request fails, the history is left alone and the
budget middleware trims it as before; the user is told in one line.

A model whose window nobody knows (not in the table, no served window) is compacted against
`DEFAULT_CONTEXT_WINDOW` with a one-line notice, never silently not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from solcoder.agent.events import AgentEvent, Compacted, CompactionStarted, Notice
from solcoder.agent.history_cut import (
    SUMMARY_SYSTEM,
    choose_cut,
    is_summary_part,
    pieces,
    render_message,
    summary_messages,
    summary_prompt,
)
from solcoder.agent.invariants import check_tool_pairing
from solcoder.errors import LLMError
from solcoder.llm.catalog.models import DEFAULT_CONTEXT_WINDOW, lookup_model
from solcoder.llm.events import Completed, TextDelta
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.base import Provider, closing
from solcoder.llm.tokens import estimate_request, message_tokens, model_family, reply_reserve
from solcoder.loopless import need_loop
from solcoder.records import shared_methods

DEFAULT_SUMMARY_TOKENS = 1024


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CompactionOptions:
    """When the history is summarised, and how long a summary may take."""

    threshold: float | None = None
    """`llm.compact_at` as a fraction of the window; None: only `/compact` compacts."""
    timeout: float = 900.0
    """Deadline of each summary request (`llm.timeout`)."""
    summary_tokens: int = DEFAULT_SUMMARY_TOKENS
    """Most tokens one summary may take."""
    keep_share: float = 0.5
    """How much of the threshold the verbatim latest turns may fill after compaction."""


class SummaryFailed(Exception):
    """The model's summary could not be used (empty); the caller trims instead."""


class Compactor:
    """Decides when to compact and does it, for whichever provider the orchestrator has."""

    def __init__(self, options: CompactionOptions | None = None) -> None:
        self.options = options or CompactionOptions()
        self._assumed: set[tuple[str, str]] = set()
        """Providers and models already told that their window is a guess."""

    async def window(self, provider: Provider) -> tuple[int, bool]:
        """The window to compact against, and whether it is an assumed default."""
        await provider.discover()  # a llama.cpp server reports its own window (`/props`)
        served = provider.context_window
        if served:
            return served, False
        known = lookup_model(provider.name, provider.model)
        if known is not None:
            return known.context_window, False
        return DEFAULT_CONTEXT_WINDOW, True

    def limit(self, window: int, reserve: int, threshold: float | None) -> int:
        """Tokens the request may hold before it is compacted: the threshold's share of the
        window, and never so many that the reply would not fit."""
        room = max(window - reserve, window // 4)
        return room if threshold is None else min(int(window * threshold), room)

    @staticmethod
    def reserve(provider: Provider, request: Request, *, window: int) -> int:
        """The reply's room, sized as trimming sizes it (`llm.tokens.reply_reserve`)."""
        cap = provider.max_output
        if cap is None:
            known = lookup_model(provider.name, provider.model)
            cap = known.max_output if known is not None else None
        return reply_reserve(request.max_tokens, window=window, max_output=cap)

    async def maybe_compact(
        self, provider: Provider, history: list[Message], request: Request
    ) -> AsyncIterator[AgentEvent]:
        """Compact `history` in place when `request` (built from it) passes the threshold."""
        threshold = self.options.threshold
        if threshold is None or len(history) < 2:
            return
        window, assumed = await self.window(provider)
        before = estimate_request(request, provider=provider.name)
        limit = self.limit(window, self.reserve(provider, request, window=window), threshold)
        if before <= limit:
            return
        key = (provider.name, provider.model)
        if assumed and key not in self._assumed:
            self._assumed.add(key)
            yield Notice(
                f"The context window of {provider.model or provider.name} is unknown; "
                f"compacting at {round(threshold * 100)}% of an assumed "
                f"{window:,} tokens (llm.compact_at).",
                "warning",
            )
        async with closing(
            self.compact(provider, history, request, window=window, trigger="auto")
        ) as events:
            async for event in events:
                yield event

    async def compact(
        self,
        provider: Provider,
        history: list[Message],
        request: Request,
        *,
        window: int | None = None,
        focus: str | None = None,
        trigger: str = "auto",
    ) -> AsyncIterator[AgentEvent]:
        """Summarise the older part of `history` and replace it (in place) by the summary.

        `trigger="manual"` (`/compact`) summarises the whole history. On failure the history
        is unchanged and a warning says that trimming takes over."""
        if window is None:
            window, _assumed = await self.window(provider)
        name = provider.name
        family = model_family(name, request.model or provider.model)
        before = estimate_request(request, provider=name)
        if trigger == "manual":
            substantive = any(not is_summary_part(message) for message in history)
            cut: int | None = len(history) if substantive else None
        else:
            reserve = self.reserve(provider, request, window=window)
            limit = self.limit(window, reserve, self.options.threshold)
            fixed = estimate_request(replace(request, messages=()), provider=name)
            keep_budget = max(0, int(limit * self.options.keep_share) - fixed)
            keep_budget -= self.options.summary_tokens
            sizes = [message_tokens(message, family) for message in history]
            cut = choose_cut(history, sizes, keep_budget)
        if not cut:
            if trigger == "manual":
                yield Notice("Nothing to compact yet.")
            return
        yield CompactionStarted(before, trigger)
        await need_loop()  # a deadline is a timer on the event loop
        import asyncio

        try:
            async with asyncio.timeout(self.options.timeout):
                summary, count = await self._summarise(
                    provider, request.model, history[:cut], window, focus
                )
        except (LLMError, TimeoutError, SummaryFailed) as error:
            reason = getattr(error, "message", "") or str(error) or "no answer in time"
            yield Notice(
                f"Could not summarise the conversation ({reason.rstrip('.')}); the oldest "
                "messages are trimmed to fit instead.",
                "warning",
            )
            return
        kept = history[cut] if cut < len(history) else None
        replacement = summary_messages(summary, kept)
        compacted = [*replacement, *history[cut:]]
        after = estimate_request(replace(request, messages=tuple(compacted)), provider=name)
        if after >= before:
            # A summary is only worth having when it is shorter than what it replaces.
            yield Notice(
                f"The summary ({after:,} tokens with the rest) was not shorter than the "
                f"conversation ({before:,}); nothing was compacted.",
                "warning",
            )
            return
        history[:] = compacted
        check_tool_pairing(history)
        yield Compacted(before, after, cut, replacement, summary, count, trigger)

    async def _summarise(
        self,
        provider: Provider,
        model: str,
        old: list[Message],
        window: int,
        focus: str | None,
    ) -> tuple[str, int]:
        """The summary of `old`, in as many requests as it takes for each to fit `window`."""
        name = provider.name
        family = model_family(name, model or provider.model)
        summary_tokens = min(self.options.summary_tokens, max(256, window // 8))
        probe = Request(
            model=model,
            messages=(Message.user(summary_prompt("", None, focus)),),
            system=SUMMARY_SYSTEM,
        )
        overhead = estimate_request(probe, provider=name)
        # Room for the conversation in one request: the window less the prompt, the reply,
        # an earlier piece's summary, and a margin for the estimate's error.
        budget = window - overhead - 2 * summary_tokens - window // 10
        budget = max(budget, 256)
        blocks = [render_message(message) for message in old]
        chunks = pieces(blocks, budget, family)
        summary: str | None = None
        for chunk in chunks:
            request = Request(
                model=model,
                messages=(Message.user(summary_prompt(chunk, summary, focus)),),
                system=SUMMARY_SYSTEM,
                max_tokens=summary_tokens,
                purpose="compaction",
            )
            summary = await _ask(provider, request)
        if summary is None:
            raise SummaryFailed("nothing to summarise")
        return summary, len(chunks)


CHARACTERS_PER_TOKEN_BOUND = 8
"""A summary longer than `max_tokens` times this many characters is cut there: generous for
any tokenizer, and a bound on what a server that ignores `max_tokens` can make us hold (a
5.2k-token conversation once came back as a 4.5M-token "summary")."""

CUT_MARK = "\n[summary cut at its length limit]"


async def _ask(provider: Provider, request: Request) -> str:
    """The model's summary, read only up to its bound: past it, the stream is closed and the
    text is cut, so a runaway reply never reaches memory, the transcript or the next request."""
    bound = (request.max_tokens or DEFAULT_SUMMARY_TOKENS) * CHARACTERS_PER_TOKEN_BOUND
    completed: Completed | None = None
    streamed: list[str] = []
    size = 0
    async with closing(provider.astream(request)) as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                streamed.append(event.text)
                size += len(event.text)
                if size > bound:
                    break
            elif isinstance(event, Completed):
                completed = event
    text = completed.message.text if completed is not None else "".join(streamed)
    if len(text) > bound:
        text = text[:bound].rstrip() + CUT_MARK
    text = text.strip()
    if not text:
        raise SummaryFailed("the model returned an empty summary")
    return text
