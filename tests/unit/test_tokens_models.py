"""The offline table of context windows and output limits."""

from __future__ import annotations

import pytest

from solcoder.llm.catalog.models import (
    DEFAULT_CONTEXT_WINDOW,
    DEFAULT_MAX_OUTPUT,
    KNOWN_MODELS,
    context_window,
    lookup_model,
    max_output,
    normalize_model_name,
)
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS


@pytest.mark.parametrize(
    ("provider", "model", "window", "output"),
    [
        ("openai", "gpt-4.1-mini", 1_047_576, 32_768),
        ("openai", "gpt-4.1-2025-04-14", 1_047_576, 32_768),
        ("openai", "gpt-4o", 128_000, 16_384),
        ("openai", "gpt-4o-mini-2024-07-18", 128_000, 16_384),
        ("openai", "gpt-4-0613", 8_192, 8_192),
        ("openai", "o3-mini-2025-01-31", 200_000, 100_000),
        ("openai", "gpt-5", 400_000, 128_000),
        ("anthropic", "claude-3-5-haiku-20241022", 200_000, 8_192),
        ("anthropic", "claude-3-7-sonnet-latest", 200_000, 64_000),
        ("anthropic", "claude-sonnet-4-5-20250929", 200_000, 64_000),
        ("openrouter", "anthropic/claude-sonnet-4.5", 200_000, 64_000),
        ("openrouter", "meta-llama/llama-3.3-70b-instruct", 131_072, 32_768),
        ("groq", "openai/gpt-oss-120b", 131_072, 131_072),
        ("ollama", "llama3.2:3b", 131_072, 8_192),
        ("gemini", "gemini-2.5-pro-preview-05-06", 1_048_576, 65_536),
        ("mistral", "mistral-large-latest", 131_072, 32_768),
        ("deepseek", "deepseek-reasoner", 128_000, 65_536),
    ],
)
def test_versioned_and_prefixed_names_resolve_to_their_family(
    provider: str, model: str, window: int, output: int
) -> None:
    assert context_window(provider, model) == window
    assert max_output(provider, model) == output


def test_a_longer_name_is_never_taken_for_a_shorter_family() -> None:
    assert lookup_model("openai", "gpt-4o") is not None
    assert lookup_model("openai", "gpt-4o").name == "gpt-4o"  # type: ignore[union-attr]
    assert lookup_model("openai", "gpt-4.1-nano").name == "gpt-4.1-nano"  # type: ignore[union-attr]
    assert lookup_model("openai", "o3-mini").name == "o3-mini"  # type: ignore[union-attr]
    assert lookup_model("openai", "gpt-4x") is None  # "gpt-4" needs a boundary after it


def test_unknown_models_get_a_small_default_and_say_so() -> None:
    assert lookup_model("ollama", "my-private-finetune") is None
    assert context_window("ollama", "my-private-finetune") == DEFAULT_CONTEXT_WINDOW
    assert max_output("ollama", "my-private-finetune") == DEFAULT_MAX_OUTPUT
    assert lookup_model("openai", "") is None


def test_every_builtin_hosted_providers_default_model_is_known() -> None:
    for spec in BUILTIN_PROVIDERS.values():
        if spec.runs != "remote":  # a local server names its own models
            continue
        for model in {spec.default_model, *spec.models}:
            assert lookup_model(spec.name, model) is not None, (spec.name, model)


def test_table_entries_are_sane() -> None:
    names = [limits.name for limits in KNOWN_MODELS]
    assert len(names) == len(set(names))
    for limits in KNOWN_MODELS:
        assert limits.name == normalize_model_name(limits.name)
        assert 4_096 <= limits.max_output <= limits.context_window


def test_normalization_strips_vendor_prefixes_and_routing_suffixes() -> None:
    assert normalize_model_name("Anthropic/Claude-Sonnet-4.5") == "claude-sonnet-4-5"
    assert normalize_model_name("openai.gpt-oss-120b") == "gpt-oss-120b"
    assert normalize_model_name("deepseek/deepseek-r1:free") == "deepseek-r1"
    assert normalize_model_name("gpt-4.1") == "gpt-4.1"  # only Claude names swap dots
