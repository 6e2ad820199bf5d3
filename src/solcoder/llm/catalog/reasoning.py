"""`llm.reasoning` resolved for one provider and model, before the request is sized.

A level (off, low, medium, high) means different things per provider: an effort on OpenAI
and OpenRouter, a thinking budget on Anthropic (`max_tokens` must exceed it), nothing at all
for a model that does not reason. This is the one place that decides, from catalog data: the
models table says whether a model reasons, the provider's spec how it takes control
(`ProviderSpec.reasoning_style`). It runs where the request is built, so the budget
middleware sizes the raised `max_tokens` against the context window like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from solcoder.llm.catalog.models import DEFAULT_MAX_OUTPUT, lookup_model
from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.messages import (
    REASONING_LEVELS,
    ReasoningEffort,
    ReasoningLevel,
    ReasoningRequest,
    Request,
)
from solcoder.llm.wire.reasoning import MIN_ANSWER_TOKENS, MIN_THINKING_BUDGET

EFFORT_BUDGETS: Mapping[ReasoningEffort, int] = {"low": 2048, "medium": 8192, "high": 24576}
"""Thinking tokens per level where a wire takes a budget and `llm.reasoning_budget` is 0."""


def plan_reasoning(
    spec: ProviderSpec, model: str, level: ReasoningLevel, budget: int = 0
) -> ReasoningRequest | None:
    """What to ask `model` of `spec` for: None when it does not reason (nothing extra is
    sent); no effort at "off" (a model that reasons anyway still gets its reasoning carried
    across tool calls); else the effort, and a token budget where the wire takes one
    (`budget`, or the level's share of `EFFORT_BUDGETS`)."""
    limits = lookup_model(spec.name, model)
    if limits is None or not limits.reasons:
        return None
    if level == "off":
        return ReasoningRequest()
    from solcoder.llm.wire.registry import wire

    style = spec.reasoning_style()
    takes_budget = style == "thinking_budget" or (
        style == "reasoning_object" and wire(spec.api).reasoning_object_budget and budget > 0
    )
    tokens = max(budget, MIN_THINKING_BUDGET) if budget > 0 else EFFORT_BUDGETS[level]
    return ReasoningRequest(level, tokens if takes_budget else 0)


def apply_reasoning(
    request: Request, spec: ProviderSpec, level: ReasoningLevel, budget: int = 0
) -> Request:
    """`request` with its reasoning resolved; with a thinking budget, `max_tokens` is raised
    to the budget plus the answer's own allowance, within the model's output limit (the
    budget shrinks when that limit leaves too little for the answer)."""
    model = request.model
    reasoning = plan_reasoning(spec, model, level, budget)
    if reasoning is None:
        return request
    if not reasoning.budget_tokens:
        return replace(request, reasoning=reasoning)
    limits = lookup_model(spec.name, model)
    ceiling = limits.max_output if limits is not None else DEFAULT_MAX_OUTPUT
    answer = request.max_tokens or DEFAULT_MAX_OUTPUT
    max_tokens = min(reasoning.budget_tokens + answer, ceiling)
    tokens = min(reasoning.budget_tokens, max_tokens - MIN_ANSWER_TOKENS)
    if tokens < MIN_THINKING_BUDGET:
        return replace(request, reasoning=ReasoningRequest(reasoning.effort, 0))
    return replace(
        request,
        max_tokens=max_tokens,
        reasoning=ReasoningRequest(reasoning.effort, tokens),
    )


def reasoning_level(value: str) -> ReasoningLevel:
    """`value` (a checked `llm.reasoning` setting or the `/reasoning` argument) as a level;
    ValueError for anything else."""
    for level in REASONING_LEVELS:
        if value.strip().lower() == level:
            return level
    raise ValueError(f"{value!r} is not a reasoning level ({', '.join(REASONING_LEVELS)})")
