"""Spending bounded before it happens: history trimmed to the window, session limits enforced.

`BudgetedProvider` wraps any `Provider`, so neither the orchestrator nor the HTTP client knows
about budgets: before each request leaves the machine it drops the oldest history that no
longer fits the model's context window (keeping the system prompt, the latest user message and
every tool call with its results), estimates the request offline (`solcoder.llm.tokens`) and
refuses it with `BudgetExceededError` if it would cross `llm.max_session_tokens` or
`llm.max_session_cost_usd`; afterwards it records what the provider reported.

A session's token count is every input token processed (cached or not) plus every output
token, summed over calls. The next request is counted at its estimated input plus its whole
output allowance (`max_tokens`), so a limit is never crossed by a reply either.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from solcoder.errors import (
    BudgetExceededError,
    ConnectError,
    ConnectTimeoutError,
    LLMError,
)
from solcoder.llm.catalog.models import lookup_model
from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Request, Usage
from solcoder.llm.partial import PartialReply
from solcoder.llm.providers.base import closing
from solcoder.llm.tokens import count_text, estimate_margin, estimate_request, reply_reserve
from solcoder.middleware.base import Middleware
from solcoder.middleware.fit import fit_history, format_tokens
from solcoder.middleware.fit import group_digits as _group

if TYPE_CHECKING:
    from solcoder.config import Settings
    from solcoder.llm.providers.base import Provider

log = logging.getLogger(__name__)

__all__ = [
    "BudgetedProvider",
    "SessionBudget",
    "fit_history",
    "format_tokens",
    "seed_from_session",
    "wrap_for_budget",
]

RAISE_TOKENS_HINT = "solcoder config set llm.max_session_tokens N"
RAISE_COST_HINT = "solcoder config set llm.max_session_cost_usd N"


class SessionBudget:
    """Token and cost limits for one session (0 or None means unlimited), and what was spent."""

    def __init__(self, max_tokens: int | None = None, max_cost_usd: float | None = None) -> None:
        self.max_tokens = max_tokens or None
        self.max_cost_usd = max_cost_usd or None
        self.tokens = 0
        self.cost_usd = 0.0
        self.calls = 0
        self.reasoning = 0
        """Reasoning tokens reported so far (already inside `tokens`, shown on their own)."""
        self.cost_unknown_calls = 0
        """Calls whose price is not in the offline table (their cost counts as 0)."""

    @property
    def limited(self) -> bool:
        return self.max_tokens is not None or self.max_cost_usd is not None

    def limit_to(self, max_tokens: int | None, max_cost_usd: float | None) -> SessionBudget:
        """The same count under new limits (a `/config set` rebuild keeps what was spent)."""
        self.max_tokens = max_tokens or None
        self.max_cost_usd = max_cost_usd or None
        return self

    def describe(self) -> str:
        """The budget for `/status`: "1,200 of 10,000 tokens · $0.0100 of $1.00"."""
        tokens = f"{_group(self.tokens)} " + (
            f"of {_group(self.max_tokens)} tokens" if self.max_tokens else "tokens (no limit)"
        )
        cost = f"${self.cost_usd:.4f}" + (
            f" of ${self.max_cost_usd:.2f}" if self.max_cost_usd else " (no limit)"
        )
        return f"{tokens} · {cost}"

    def check(
        self, request_estimate: int, *, reserve_output: int = 0, cost_usd: float | None = None
    ) -> None:
        """Raise BudgetExceededError if the next request could cross a limit.

        `request_estimate` is its estimated input, `reserve_output` the output it may use
        (its max_tokens), `cost_usd` its estimated worst-case price (None when unknown).
        """
        needed = request_estimate + reserve_output
        if self.max_tokens is not None and self.tokens + needed > self.max_tokens:
            spent = f"This session has used {_group(self.tokens)} of its " + (
                f"{_group(self.max_tokens)}-token budget"
            )
            output = f" plus up to {_group(reserve_output)} for the reply" if reserve_output else ""
            raise BudgetExceededError(
                f"{spent}; the next request needs about {_group(request_estimate)} input "
                f"tokens{output}, so it was not sent.",
                hint=f"Raise the limit with `{RAISE_TOKENS_HINT}` (0 means unlimited), "
                "or start a new session.",
            )
        limit = self.max_cost_usd
        if limit is not None and cost_usd is not None and self.cost_usd + cost_usd > limit:
            raise BudgetExceededError(
                f"This session has cost ${self.cost_usd:.4f} of its ${limit:.2f} budget; "
                f"the next request could cost up to ${cost_usd:.4f}, so it was not sent.",
                hint=f"Raise the limit with `{RAISE_COST_HINT}` (0 means unlimited), "
                "or start a new session.",
            )

    def record(self, tokens: Usage | int, cost_usd: float | None, *, reasoning: int = 0) -> None:
        """Add one finished call: its tokens (a Usage counts input plus output, and its
        reasoning), the reasoning tokens among them, and its cost."""
        if isinstance(tokens, Usage):
            reasoning = reasoning or tokens.reasoning
            tokens = tokens.input + tokens.output
        self.tokens += tokens
        self.reasoning += reasoning
        self.calls += 1
        if cost_usd is None:
            self.cost_unknown_calls += 1
        else:
            self.cost_usd += cost_usd

    def summary(self) -> str:
        """Tokens and cost so far, for the REPL toolbar: "1.2k tok · $0.003", with the
        reasoning among them when a model reported some: "1.2k tok · 800 thinking · $0.003"."""
        parts = [f"{format_tokens(self.tokens)} tok"]
        if self.max_tokens is not None:
            parts[0] += f"/{format_tokens(self.max_tokens)}"
        if self.reasoning:
            parts.append(f"{format_tokens(self.reasoning)} thinking")
        if self.calls and self.cost_unknown_calls == self.calls:
            parts.append("$?")
        elif self.calls:
            parts.append(_money(self.cost_usd) + ("+?" if self.cost_unknown_calls else ""))
        return " · ".join(parts)


def _money(amount: float) -> str:
    if amount == 0:
        return "$0"
    if amount < 0.01:
        return f"${amount:.4f}".rstrip("0")
    return f"${amount:.2f}"


# --- the provider wrapper ---------------------------------------------------------------------


class BudgetedProvider(Middleware):
    """A Provider that trims history to the window and enforces a SessionBudget."""

    def __init__(
        self,
        inner: Provider,
        budget: SessionBudget,
        provider_name: str,
        model: str,
        reserve_output: int,
        *,
        window: int | None = None,
        api: str | None = None,
    ) -> None:
        super().__init__(inner)
        self.budget = budget
        self.provider_name = provider_name
        self.reserve_output = reserve_output
        self.dropped_messages = 0
        """Messages left out of the last request to fit the window."""
        self._model = model
        self._api = api
        known = lookup_model(provider_name, model)
        self.window = window if window is not None else (known.context_window if known else None)
        self._max_output = known.max_output if known is not None else inner.max_output

    @property
    def max_output(self) -> int | None:
        """The model's own output limit; a larger `max_tokens` is lowered to it."""
        return self._max_output

    def prepare(self, request: Request) -> tuple[Request, int]:
        """The request as it will be sent (trimmed) and its estimated input tokens; raises
        ContextTooLongError or BudgetExceededError instead of letting it leave."""
        model = request.model or self._model
        if self.max_output is not None and (request.max_tokens or 0) > self.max_output:
            # The vendor would refuse the request (400) rather than clamp it.
            request = replace(request, max_tokens=self.max_output)
        requested = request.max_tokens or self.reserve_output
        reserve = reply_reserve(requested, window=self.window, max_output=self.max_output)
        if self.window is not None:
            messages, dropped = fit_history(
                request.messages,
                system=request.system,
                tools=request.tools,
                window=self.window,
                reserve_output=reserve + estimate_margin(self.window),
                provider=self.provider_name,
                model=model,
            )
            self.dropped_messages = dropped
            if dropped:
                request = replace(request, messages=messages)
        estimate = estimate_request(request, provider=self.provider_name)
        if self.window is not None:
            # A small window: the reply gets what the input leaves, less a margin for the
            # estimate's error, so a server that checks input + max_tokens accepts it.
            room = self.window - estimate - estimate_margin(self.window)
            if requested > room:
                request = replace(request, max_tokens=max(room, reserve // 2, 1))
        cost = None
        if self.budget.max_cost_usd is not None:
            cost = self._cost(Usage(input=estimate, output=reserve), model)
        self.budget.check(estimate, reserve_output=reserve, cost_usd=cost)
        return request, estimate

    async def astream(self, request: Request) -> AsyncIterator[Event]:
        await self._discover_window()
        request, estimate = self.prepare(request)
        completed: Completed | None = None
        reply = PartialReply()
        answered = False
        charge = True
        try:
            # Closed in order when the consumer stops early (Ctrl-C, a closed stdout): an
            # abandoned inner stream is closed later by the event loop, concurrently with the
            # HTTP client's own cleanup ("aclose(): asynchronous generator is already running").
            async with closing(self.inner.astream(request)) as stream:
                async for event in stream:
                    answered = True
                    if isinstance(event, Completed):
                        completed = event
                    else:
                        reply.feed(event)
                    yield event
        except LLMError as error:
            # Refused with an error status (401, 429, 5xx) or never connected: the provider
            # billed nothing, so the toolbar must not show tokens or a cost for it.
            charge = answered or not _billed_nothing(error)
            raise
        finally:
            # Recorded after the last event is handed on, so pricing (a lazy import of the
            # price table) never delays the stream; also runs if the consumer stops early.
            model = request.model or self._model
            if completed is not None:
                self._record(completed, estimate, model)
            elif charge:
                # Failed or cancelled after sending: the provider bills what it read and
                # wrote, so the session is charged our estimate of both.
                usage = Usage(input=estimate, output=count_text(reply.streamed))
                self.budget.record(
                    self._input_tokens(usage) + usage.output, self._cost(usage, model)
                )

    async def _discover_window(self) -> None:
        """A provider that learns its window from its server (`local` reads llama.cpp's
        `/props`) is asked first, so the history is fitted to the real window."""
        await self.inner.discover()
        window = self.inner.context_window
        if window is not None and window > 0:
            self.window = window

    def _record(self, completed: Completed, estimate: int, model: str) -> None:
        usage = completed.usage
        if usage.input == 0 and usage.output == 0:
            # The provider reported nothing (some local servers): count our estimate.
            message = completed.message
            output = count_text(message.text + "".join(c.arguments for c in message.tool_calls))
            usage = Usage(input=estimate, output=output)
        tokens = self._input_tokens(usage) + usage.output
        self.budget.record(tokens, self._cost(usage, model), reasoning=usage.reasoning)

    def _input_tokens(self, usage: Usage) -> int:
        try:
            from solcoder.llm.catalog.pricing import total_input_tokens
        except ImportError:  # pragma: no cover - pricing ships with the package
            return usage.input
        return total_input_tokens(usage, provider=self.provider_name, api=self._api)

    def _cost(self, usage: Usage, model: str) -> float | None:
        try:
            from solcoder.llm.catalog.pricing import cost_usd
        except ImportError:  # pragma: no cover - pricing ships with the package
            return None
        return cost_usd(self.provider_name, model, usage, api=self._api)


def _billed_nothing(error: LLMError) -> bool:
    """True when the call cannot have been billed: the server answered with an error status
    instead of a reply, or no connection was made. A timeout or a dropped stream may have
    been billed for what the provider read, so those are still charged."""
    refused = error.status is not None and error.status >= 400
    never_sent = error.attempts == 0  # refused before sending (a rate-limit wait too long)
    return refused or never_sent or isinstance(error, ConnectError | ConnectTimeoutError)


def seed_from_session(
    budget: SessionBudget, spent: Sequence[tuple[str, str, Mapping[str, int]]]
) -> SessionBudget:
    """`budget` charged with what a resumed session's transcript says its turns used (each
    `turn_end`'s usage, priced as the provider and model of that turn), so the session's
    limits count the whole session, not this process. Calls that failed without a reply
    are not in the transcript; this process still counts its own."""
    for provider, model, counts in spent:
        usage = Usage(
            **{
                key: value
                for key, value in counts.items()
                if key in _USAGE_FIELDS
                and isinstance(value, int)
                and not isinstance(value, bool)
                and value >= 0
            }
        )
        if usage.input == 0 and usage.output == 0:
            continue
        # Only a session with spending to price loads the price table (start-up time).
        from solcoder.llm.catalog.pricing import cost_usd, total_input_tokens

        tokens = total_input_tokens(usage, provider=provider) + usage.output
        budget.record(tokens, cost_usd(provider, model, usage), reasoning=usage.reasoning)
    return budget


_USAGE_FIELDS = frozenset(
    {"input", "output", "cache_read", "cache_write", "reasoning", "cache_write_1h"}
)


def wrap_for_budget(
    provider: Provider, settings: Settings, budget: SessionBudget | None = None
) -> Provider:
    """`provider` wrapped in a BudgetedProvider when a session limit is set or the model's
    context window is known; returned unchanged otherwise (nothing to enforce). `budget` is
    the count so far (a rebuilt provider, a resumed session); the settings' limits apply."""
    llm = settings.llm
    if budget is None:
        budget = SessionBudget(llm.max_session_tokens, llm.max_session_cost_usd)
    else:
        budget.limit_to(llm.max_session_tokens, llm.max_session_cost_usd)
    known = lookup_model(provider.name, provider.model)
    served_window = provider.context_window
    if not budget.limited and not budget.calls and known is None and served_window is None:
        return provider
    reserve = llm.max_output_tokens
    if known is not None:
        reserve = min(reserve, known.max_output)
    spec = provider.spec
    return BudgetedProvider(
        provider,
        budget,
        provider.name,
        provider.model,
        reserve,
        window=served_window,
        api=spec.api if spec.base_url else None,
    )
