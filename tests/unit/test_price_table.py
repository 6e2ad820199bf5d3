"""The precomputed price table (`llm/catalog/price_table.json`) is genai-prices' own data for
the built-in providers: names resolve to the same models, and calls cost the same."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

from solcoder.llm.catalog import price_table, pricing
from solcoder.llm.catalog.models import KNOWN_MODELS
from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS
from solcoder.llm.messages import Usage

USAGES = [
    Usage(input=1_000, output=500),
    Usage(input=12_345, output=678, cache_read=10_000),
    Usage(input=50_000, output=2_000, cache_read=20_000, cache_write=5_000),
    Usage(input=250_000, output=10_000, cache_read=100_000),  # above a 200k tier
    Usage(input=300_000, output=1, cache_write=250_000),
    Usage(input=0, output=0),
    Usage(input=9_000, output=100, cache_write=4_000, cache_write_1h=1_500),
]

PROVIDER_OF_PRICE_ID = {
    spec.price_id: name for name, spec in BUILTIN_PROVIDERS.items() if spec.price_id
}
TABLE = json.loads(price_table.TABLE_PATH.read_text(encoding="utf-8"))


def test_the_committed_table_is_what_genai_prices_says_today() -> None:
    assert price_table.build_table() == TABLE, (
        "stale: run python -m solcoder.llm.catalog.price_table --write"
    )
    assert set(PROVIDER_OF_PRICE_ID) <= set(TABLE["providers"])


def names_to_try(price_id: str) -> list[str]:
    """The table's own ids, the catalog's names, and what servers answer with: dated
    snapshots (dashed and compact), other cases, vendor prefixes, names nobody knows."""
    catalog = [limits.name for limits in KNOWN_MODELS]
    spec = BUILTIN_PROVIDERS[PROVIDER_OF_PRICE_ID[price_id]]
    ids = [entry[0] for entry in TABLE["providers"][price_id]["models"]]
    names = [*ids, *catalog, spec.default_model]
    names += [f"{name}-2025-04-14" for name in catalog] + [f"{name}-20250929" for name in catalog]
    names += [name.upper() for name in catalog[:10]] + [f"openai/{name}" for name in catalog[:10]]
    names += ["fake-model", "", "gpt-4o-2024-13-45", "claude-sonnet-4-5-20250230", "llama3.2:3b"]
    return list(dict.fromkeys(names))


@pytest.mark.parametrize("price_id", sorted(PROVIDER_OF_PRICE_ID))
def test_names_resolve_to_the_model_genai_prices_finds(price_id: str) -> None:
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    provider = price_table.provider_entry(price_id)
    assert provider is not None
    for name in names_to_try(price_id):
        try:
            _, expected = snapshot.find_provider_model(name, None, price_id, None)
            expected_id: str | None = expected.id
        except LookupError:
            expected_id = None
        entry = price_table.resolve(provider, name)
        assert (entry[0] if entry is not None else None) == expected_id, name


@pytest.mark.parametrize("price_id", sorted(PROVIDER_OF_PRICE_ID))
def test_calls_cost_what_genai_prices_says(price_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = PROVIDER_OF_PRICE_ID[price_id]
    when = datetime.now(tz=UTC)
    names = names_to_try(price_id)
    from_table = {
        (name, index): pricing.cost_usd(provider, name, usage, when=when)
        for name in names
        for index, usage in enumerate(USAGES)
    }
    monkeypatch.setattr(pricing, "_table_lookup", lambda *_: ("ask", None))  # genai-prices
    for (name, index), cost in from_table.items():
        expected = pricing.cost_usd(provider, name, USAGES[index], when=when)
        if expected is None or cost is None:
            assert cost == expected, (name, USAGES[index])
        else:
            assert math.isclose(cost, expected, rel_tol=1e-9, abs_tol=1e-12), (name, index)


def test_most_of_the_catalog_is_priced_from_the_table() -> None:
    for spec in BUILTIN_PROVIDERS.values():
        if spec.price_id in {"openai", "anthropic", "openrouter"}:
            kind, _ = price_table.lookup(spec.price_id, spec.default_model)
            assert kind == "rates", spec.name
    assert price_table.lookup("openai", "gpt-4.1-mini-2025-04-14")[0] == "rates"
    assert price_table.lookup("anthropic", "claude-sonnet-4-5-20250929")[0] == "rates"
    assert price_table.lookup("openai", "fake-model") == ("unknown", None)


def test_a_custom_provider_is_left_to_genai_prices() -> None:
    assert pricing._table_lookup("my-proxy", "gpt-4.1-mini", "https://proxy.example/v1") == (
        "ask",
        None,
    )
    assert price_table.lookup("no-such-price-id", "gpt-4.1-mini") == ("ask", None)
