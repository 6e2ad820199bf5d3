"""Context windows and output limits per model: offline data, so trimming needs no network.

Vendors publish these on their model pages; nothing reports them over the API in a common
form, so SolCoder carries a dated table. Versioned names (`claude-3-5-haiku-20241022`,
`gpt-4.1-2025-04-14`, `anthropic/claude-sonnet-4.5`, `llama3.2:3b`) resolve to their family by
the longest matching prefix. A model not in the table gets `DEFAULT_CONTEXT_WINDOW`, a
deliberately small window, and `lookup_model` returns None so callers can say it is a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from solcoder.records import shared_methods

MODELS_AS_OF = "2025-10"
"""When the table below was last checked against the vendors' model pages."""

DEFAULT_CONTEXT_WINDOW = 32_768
"""Assumed for unknown models: small enough for most local and older hosted models."""
DEFAULT_MAX_OUTPUT = 4_096


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ModelLimits:
    """What one model (or family of versioned names) accepts, in tokens."""

    name: str
    """Canonical name; also the prefix that versioned names match."""
    context_window: int
    """Input plus output tokens the model can attend to."""
    max_output: int
    """Most tokens one response may contain."""
    reasons: bool = False
    """A reasoning model that takes reasoning control (effort or a thinking budget): only
    these get `llm.reasoning` sent; every other model gets nothing extra."""


def _limits(
    context_window: int, max_output: int, *names: str, reasons: bool = False
) -> list[ModelLimits]:
    return [ModelLimits(name, context_window, max_output, reasons) for name in names]


# Sources: platform.openai.com/docs/models, docs.anthropic.com/en/docs/about-claude/models,
# ai.google.dev/gemini-api/docs/models, docs.mistral.ai, api-docs.deepseek.com,
# console.groq.com/docs/models, docs.x.ai, llama.com model cards (checked MODELS_AS_OF).
KNOWN_MODELS: tuple[ModelLimits, ...] = (
    # OpenAI
    *_limits(1_047_576, 32_768, "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"),
    *_limits(128_000, 16_384, "gpt-4o", "gpt-4o-mini", "chatgpt-4o", "gpt-5-chat"),
    *_limits(400_000, 128_000, "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-codex", reasons=True),
    *_limits(200_000, 100_000, "o1", "o3", "o3-mini", "o3-pro", "o4-mini", reasons=True),
    *_limits(128_000, 65_536, "o1-mini"),
    *_limits(128_000, 4_096, "gpt-4-turbo", "gpt-4-0125-preview", "gpt-4-1106-preview"),
    *_limits(128_000, 16_384, "gpt-4.5-preview"),
    *_limits(128_000, 32_768, "o1-preview"),
    *_limits(8_192, 8_192, "gpt-4"),
    *_limits(16_385, 4_096, "gpt-3.5-turbo"),
    *_limits(131_072, 131_072, "gpt-oss-120b", "gpt-oss-20b", "gpt-oss", reasons=True),
    # Anthropic (200k standard window; 1M for Sonnet 4/4.5 is a beta header we do not send)
    # (extended thinking from Claude 3.7 Sonnet on)
    *_limits(
        200_000, 64_000, "claude-sonnet-4-5", "claude-sonnet-4", "claude-haiku-4-5", reasons=True
    ),
    *_limits(200_000, 64_000, "claude-opus-4-5", "claude-3-7-sonnet", reasons=True),
    *_limits(200_000, 32_000, "claude-opus-4-1", "claude-opus-4", reasons=True),
    *_limits(200_000, 8_192, "claude-3-5-sonnet", "claude-3-5-haiku"),
    *_limits(200_000, 4_096, "claude-3-opus", "claude-3-sonnet", "claude-3-haiku"),
    # Google Gemini
    *_limits(
        1_048_576,
        65_536,
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        reasons=True,
    ),
    *_limits(1_048_576, 8_192, "gemini-2.0-flash", "gemini-2.0-flash-lite"),
    *_limits(2_097_152, 8_192, "gemini-1.5-pro"),
    *_limits(1_048_576, 8_192, "gemini-1.5-flash"),
    # Mistral
    *_limits(131_072, 32_768, "mistral-large", "mistral-medium", "mistral-small"),
    *_limits(256_000, 32_768, "codestral", "devstral"),
    *_limits(128_000, 40_000, "magistral-medium", "magistral-small"),
    *_limits(131_072, 32_768, "ministral-8b", "ministral-3b", "open-mistral-nemo"),
    # DeepSeek (chat: 8k output at most, reasoner: 64k)
    *_limits(128_000, 8_192, "deepseek-chat", "deepseek-v3"),
    *_limits(128_000, 65_536, "deepseek-reasoner", "deepseek-r1", reasons=True),
    # Meta Llama (as served by Groq, Together, OpenRouter; the model's own window)
    *_limits(131_072, 32_768, "llama-3.3-70b", "llama-3.1-70b", "llama-3.1-405b"),
    *_limits(131_072, 8_192, "llama-3.1-8b", "llama-3.2-3b", "llama-3.2-1b", "llama3.2"),
    *_limits(131_072, 8_192, "llama3.1", "llama3.3"),
    *_limits(8_192, 8_192, "llama3-8b", "llama3-70b", "llama3"),
    *_limits(131_072, 8_192, "llama-4-scout", "llama-4-maverick"),
    # xAI
    *_limits(256_000, 64_000, "grok-4", "grok-code-fast"),
    *_limits(131_072, 16_384, "grok-3", "grok-3-mini"),
    # Qwen
    *_limits(131_072, 32_768, "qwen3", "qwen-3", "qwen2.5", "qwen2.5-coder"),
)

_BY_NAME: dict[str, ModelLimits] = {limits.name: limits for limits in KNOWN_MODELS}
_LONGEST_FIRST: tuple[ModelLimits, ...] = tuple(
    sorted(KNOWN_MODELS, key=lambda limits: len(limits.name), reverse=True)
)
_BOUNDARY = frozenset("-.:@_/ ")


def normalize_model_name(model: str) -> str:
    """Lower case, without the vendor prefix (`anthropic/`, `openai.`), the routing suffix
    (`:free`, `:thinking`) or OpenRouter's dotted Claude versions (`claude-sonnet-4.5`)."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    name = re.sub(r"^(openai|anthropic|meta|us\.anthropic)\.", "", name)
    name = re.sub(r":(free|beta|thinking|nitro|floor|extended|online)$", "", name)
    if name.startswith("claude"):
        name = re.sub(r"(?<=\d)\.(?=\d)", "-", name)
    return name


def lookup_model(provider: str, model: str) -> ModelLimits | None:
    """The limits of `model`, or None when the table does not know it.

    `provider` is accepted so a provider that serves a model with a smaller window than the
    model's own can be special-cased here; none needs it yet.
    """
    del provider  # no provider-specific overrides yet
    name = normalize_model_name(model)
    if not name:
        return None
    exact = _BY_NAME.get(name)
    if exact is not None:
        return exact
    for limits in _LONGEST_FIRST:
        if name.startswith(limits.name) and name[len(limits.name)] in _BOUNDARY:
            return limits
    return None


def context_window(provider: str, model: str) -> int:
    """Tokens of context for `model` (input plus output); a small default when unknown."""
    limits = lookup_model(provider, model)
    return limits.context_window if limits is not None else DEFAULT_CONTEXT_WINDOW


def max_output(provider: str, model: str) -> int:
    """The most output tokens one response of `model` may have; a default when unknown."""
    limits = lookup_model(provider, model)
    return limits.max_output if limits is not None else DEFAULT_MAX_OUTPUT
