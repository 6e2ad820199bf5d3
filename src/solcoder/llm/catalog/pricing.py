"""What a model call cost in US dollars, from an offline price table; "unknown" rather than a guess.

Prices come from `genai-prices` (maintained by Pydantic, MIT), whose bundled snapshot is read
offline: we never start its optional updater, so no request leaves the machine to price a call.
Its data also knows tiered prices (Anthropic's long-context rate above 200k input tokens) and
dated price changes, so a call is priced at the rate in force when it was made. The package
takes ~0.4 s to import, so the built-in providers' models are priced from a table generated
from it (`price_table.py`, checked against it by a test): a turn imports genai-prices only
for what the table cannot answer (a custom provider, a model with dated prices).

Usage conventions differ and must not be mixed up (our adapters store what the provider sent):
OpenAI-style APIs report `input` *including* cached tokens (`prompt_tokens` with
`prompt_tokens_details.cached_tokens` inside it); Anthropic's Messages API reports
`input_tokens` *excluding* cache reads and cache writes, which come in
`cache_read_input_tokens` / `cache_creation_input_tokens`
(https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance).
genai-prices wants the OpenAI form, so Anthropic usage is converted before pricing.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from solcoder.llm.catalog.providers import is_free
from solcoder.llm.messages import Usage
from solcoder.llm.wire.names import input_includes_cache as wire_input_includes_cache
from solcoder.records import shared_methods

if TYPE_CHECKING:
    from solcoder.llm.catalog.price_table import Found
    from solcoder.llm.catalog.providers import ProviderSpec

__all__ = [
    "ModelPrice",
    "cost_usd",
    "input_includes_cache",
    "is_free",
    "price_of",
    "price_source",
    "total_input_tokens",
]

_log = logging.getLogger(__name__)

PRICE_PACKAGE = "genai-prices"


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ModelPrice:
    """US dollars per million tokens (None when the provider does not charge that separately)."""

    provider: str
    model: str
    input: float | None
    output: float | None
    cache_read: float | None = None
    cache_write: float | None = None
    tiered: bool = False
    """Some rates change with the prompt size (the base rate is shown)."""
    context_window: int | None = None
    source_url: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
            "tiered": self.tiered,
            "context_window": self.context_window,
            "source": self.source_url,
        }


def price_source() -> str:
    """Where prices come from, with its version and date, for docs and `solcoder models`."""
    from importlib import metadata

    try:
        version = metadata.version(PRICE_PACKAGE)
    except metadata.PackageNotFoundError:
        return f"{PRICE_PACKAGE} (not installed: costs are unknown)"
    return f"{PRICE_PACKAGE} {version} (bundled snapshot)"


def input_includes_cache(provider: str, api: str | None = None) -> bool:
    """Whether this provider's reported `input` already counts cached tokens.

    The wire protocol decides (an OpenRouter call to a Claude model still reports the OpenAI
    way): only Anthropic's Messages API reports cache reads and writes apart from `input`.
    """
    if api is None:
        spec = _builtin_spec(provider)
        api = spec.api if spec is not None else "chat"
    return wire_input_includes_cache(api)


def total_input_tokens(usage: Usage, *, provider: str, api: str | None = None) -> int:
    """Every prompt token, cached or not, whatever the provider's convention."""
    if input_includes_cache(provider, api):
        return usage.input
    return usage.input + usage.cache_read + usage.cache_write


def cost_usd(
    provider: str,
    model: str,
    usage: Usage,
    *,
    api: str | None = None,
    base_url: str | None = None,
    when: datetime | None = None,
) -> float | None:
    """The price of one call in USD, or None when the model's price is not known.

    `api` is the wire protocol (decides the usage convention; defaults to the built-in
    provider's), `base_url` identifies a custom provider by its endpoint, `when` picks the
    rate in force at that time (default now).
    """
    if is_free(provider):
        return 0.0
    if not model:
        return None
    total_input = total_input_tokens(usage, provider=provider, api=api)
    # genai-prices knows one cache-write rate (Anthropic's 5-minute one, 1.25x input); an
    # hour-long write costs 2x input, so those tokens are priced as input here and once
    # more at the input rate below.
    long_writes = min(usage.cache_write_1h, usage.cache_write)
    kind, rates = _table_lookup(provider, model, base_url)
    if kind == "unknown":
        return None  # genai-prices knows no such model there (told without importing it)
    if rates is not None:  # the built-in providers: no genai-prices import (price_table.py)
        from solcoder.llm.catalog.price_table import base_rate, table_cost

        total = table_cost(
            rates,
            input_tokens=total_input,
            output=usage.output,
            cache_read=usage.cache_read,
            cache_write=usage.cache_write - long_writes,
        )
        if long_writes:
            input_rate = base_rate(rates, "input")
            if input_rate is None:
                return None
            total += long_writes * input_rate / 1e6
        return total
    genai_prices = _genai_prices()
    if genai_prices is None:
        return None
    usage_object = genai_prices.Usage(
        input_tokens=total_input,
        output_tokens=usage.output,  # reasoning tokens are already inside `output`
        cache_read_tokens=usage.cache_read,
        cache_write_tokens=usage.cache_write - long_writes,
    )
    try:
        calculation = genai_prices.calc_price(
            usage_object,
            model,
            **_lookup_arguments(provider, base_url),
            genai_request_timestamp=when or datetime.now(tz=UTC),
        )
    except (LookupError, ValueError) as error:
        _log.debug("no price for %s/%s: %s", provider, model, error)
        return None
    total = float(calculation.total_price)
    if long_writes:
        known = price_of(provider, model, base_url=base_url)
        if known is None or known.input is None:
            return None
        total += long_writes * known.input / 1e6
    return total


def price_of(provider: str, model: str, *, base_url: str | None = None) -> ModelPrice | None:
    """The rates of one model (base tier), or None when unknown; free providers cost 0."""
    if is_free(provider):
        return ModelPrice(provider, model, 0.0, 0.0, 0.0, 0.0)
    genai_prices = _genai_prices()
    if genai_prices is None or not model:
        return None
    from genai_prices import data_snapshot

    arguments = _lookup_arguments(provider, base_url)
    try:
        found_provider, found_model = data_snapshot.get_snapshot().find_provider_model(
            model, None, arguments.get("provider_id"), arguments.get("provider_api_url")
        )
        prices = found_model.get_prices(datetime.now(tz=UTC))
    except (LookupError, ValueError) as error:
        _log.debug("no price for %s/%s: %s", provider, model, error)
        return None
    rates = {
        name: _rate(getattr(prices, f"{name}_mtok", None))
        for name in ("input", "output", "cache_read", "cache_write")
    }
    tiered = any(
        hasattr(getattr(prices, f"{name}_mtok", None), "tiers")
        for name in ("input", "output", "cache_read", "cache_write")
    )
    urls = found_provider.pricing_urls or []
    return ModelPrice(
        provider=provider,
        model=model,
        input=rates["input"],
        output=rates["output"],
        cache_read=rates["cache_read"],
        cache_write=rates["cache_write"],
        tiered=tiered,
        context_window=found_model.context_window,
        source_url=urls[0] if urls else "",
    )


def _rate(value: Any) -> float | None:
    if value is None:
        return None
    base = getattr(value, "base", value)  # TieredPrices: the rate below the first threshold
    from decimal import Decimal

    if isinstance(base, Decimal | int | float):
        return float(base)
    return None


def _lookup_arguments(provider: str, base_url: str | None) -> dict[str, str]:
    """How genai-prices should find the provider: by id for built-ins, else by endpoint URL.

    A custom provider is priced only if its URL is a known vendor's API: a model name alone
    would be a guess (the same name is sold at different prices by different hosts).
    """
    spec = _builtin_spec(provider)
    if spec is not None and spec.price_id:
        return {"provider_id": spec.price_id}
    if base_url:
        return {"provider_api_url": base_url}
    return {"provider_id": provider}  # an unknown id raises LookupError: "unknown"


def _table_lookup(provider: str, model: str, base_url: str | None) -> Found:
    """What the precomputed table says of a built-in provider's model ("ask" for the rest:
    a custom provider is found by its URL, which only genai-prices knows)."""
    price_id = _lookup_arguments(provider, base_url).get("provider_id")
    if price_id is None:
        return ("ask", None)
    from solcoder.llm.catalog.price_table import lookup

    return lookup(price_id, model)


def _builtin_spec(provider: str) -> ProviderSpec | None:
    from solcoder.llm.catalog.providers import builtin_spec

    return builtin_spec(provider)


@functools.cache
def _genai_prices() -> Any:
    """The genai_prices module, or None if it is not installed (costs are then unknown)."""
    try:
        import genai_prices
    except ImportError:
        _log.debug("genai-prices is not installed; costs are unknown")
        return None
    return genai_prices
