"""Costs from the offline price table: both usage conventions, unknown rather than a guess."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from solcoder.llm.catalog import pricing
from solcoder.llm.catalog.pricing import (
    cost_usd,
    input_includes_cache,
    price_of,
    price_source,
    total_input_tokens,
)
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
from solcoder.llm.messages import Usage

MILLION = 1_000_000


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pricing must work with the network unplugged."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pricing tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_openai_style_input_includes_cached_tokens() -> None:
    price = price_of("openai", "gpt-4.1-mini")
    assert price is not None and price.input and price.output and price.cache_read
    usage = Usage(input=10_000, output=1_000, cache_read=8_000)
    expected = (2_000 * price.input + 8_000 * price.cache_read + 1_000 * price.output) / MILLION
    assert cost_usd("openai", "gpt-4.1-mini", usage) == pytest.approx(expected)
    # Counting the cached tokens twice would cost more: the convention matters.
    assert expected < (10_000 * price.input + 1_000 * price.output) / MILLION


def test_anthropic_input_excludes_cache_reads_and_writes() -> None:
    price = price_of("anthropic", "claude-sonnet-4-5")
    assert price is not None
    assert (price.input, price.output, price.cache_read, price.cache_write) == (3, 15, 0.3, 3.75)
    usage = Usage(input=100, output=1_000, cache_read=10_000, cache_write=2_000)
    expected = (100 * 3 + 10_000 * 0.3 + 2_000 * 3.75 + 1_000 * 15) / MILLION
    assert cost_usd("anthropic", "claude-sonnet-4-5", usage) == pytest.approx(expected)
    assert total_input_tokens(usage, provider="anthropic") == 12_100


def test_the_wire_protocol_decides_the_convention() -> None:
    assert input_includes_cache("openai")
    assert not input_includes_cache("anthropic")
    assert input_includes_cache("openrouter")  # Claude through OpenRouter reports OpenAI-style
    assert not input_includes_cache("my-proxy", api="messages")
    usage = Usage(input=1_000, output=0, cache_read=1_000)
    openrouter = cost_usd("openrouter", "anthropic/claude-sonnet-4.5", usage)
    direct = cost_usd("anthropic", "claude-sonnet-4-5", Usage(input=0, output=0, cache_read=1_000))
    assert openrouter == pytest.approx(direct)  # all 1,000 input tokens were cache reads


def test_long_prompts_use_the_tiered_rate() -> None:
    small = cost_usd("anthropic", "claude-sonnet-4-5", Usage(input=100_000))
    large = cost_usd("anthropic", "claude-sonnet-4-5", Usage(input=300_000))
    assert small is not None and large is not None
    assert large > 3 * small  # above 200k input tokens the whole prompt costs more per token


def test_unknown_models_and_providers_are_unknown_not_guessed() -> None:
    usage = Usage(input=1_000, output=1_000)
    assert cost_usd("openai", "no-such-model-xyz", usage) is None
    assert cost_usd("openai", "", usage) is None
    assert price_of("openai", "no-such-model-xyz") is None
    # A custom provider on localhost selling "gpt-4.1-mini": its price is not OpenAI's.
    assert cost_usd("my-proxy", "gpt-4.1-mini", usage, base_url="http://127.0.0.1:9/v1") is None
    assert cost_usd("my-proxy", "gpt-4.1-mini", usage) is None


def test_a_custom_provider_is_priced_by_its_known_endpoint() -> None:
    usage = Usage(input=1_000, output=1_000)
    via_url = cost_usd("corp-openai", "gpt-4.1-mini", usage, base_url="https://api.openai.com/v1")
    assert via_url == pytest.approx(cost_usd("openai", "gpt-4.1-mini", usage))


@pytest.mark.parametrize("provider", ["offline", "local", "ollama", "lmstudio", "vllm", "llamacpp"])
def test_local_providers_cost_nothing(provider: str) -> None:
    assert cost_usd(provider, "anything", Usage(input=5_000, output=5_000)) == 0.0


def test_every_builtin_default_model_with_a_price_list_is_priced() -> None:
    unpriced = [
        name
        for name, spec in BUILTIN_PROVIDERS.items()
        if not spec.free and cost_usd(name, spec.default_model, Usage(1_000, 1_000)) is None
    ]
    assert unpriced == []


def test_rates_at_a_date_are_used() -> None:
    usage = Usage(input=MILLION, output=0)
    then = datetime(2026, 1, 1, tzinfo=UTC)
    assert cost_usd("openai", "gpt-4.1-mini", usage, when=then) == pytest.approx(0.4)


def test_without_the_price_package_costs_are_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Except where the precomputed table (price_table.py) has the price already."""
    monkeypatch.setattr(pricing, "_genai_prices", lambda: None)
    proxy = "https://api.openai.com/v1"
    assert cost_usd("my-proxy", "gpt-4.1-mini", Usage(1, 1), base_url=proxy) is None
    assert cost_usd("openai", "o3", Usage(1, 1)) is None  # dated prices: genai-prices decides
    assert cost_usd("openai", "gpt-4.1-mini", Usage(1, 1)) == pytest.approx(2e-6)
    assert price_of("openai", "gpt-4.1-mini") is None
    assert cost_usd("ollama", "llama3.2", Usage(1, 1)) == 0.0


def test_price_source_names_the_package_and_version() -> None:
    assert price_source().startswith("genai-prices ")
