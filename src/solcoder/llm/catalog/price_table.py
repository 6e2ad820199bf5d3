"""The built-in providers' prices, precomputed: a priced call costs no import after the answer.

`genai-prices` (with pydantic) takes 0.2 to 0.4 s to import, and a priced call used to pay it
twice after the reply: the session budget priced the call on the main thread, telemetry in
its thread while the exit waited. Pricing needs little of it: which of the provider's models
a name means (genai-prices' match rules, tried in its order, then its fallback providers,
then the name with a compact date `-20250929` written `-2025-09-29`), and that model's four
rates (input, cached input read, cache write, output; some tiered by prompt size). So
`price_table.json` beside this module holds exactly that for each built-in provider with a
price id, generated from the installed genai-prices. `lookup` answers from it; a model whose
price the table does not hold (dated or time-of-day prices, units it does not count) is
still priced by genai-prices itself, and so is every custom provider.

`tests/unit/test_price_table.py` checks that the file equals what `build_table` makes from
the installed genai-prices, that names resolve to the same models, and that both price
calls alike. After upgrading genai-prices, rebuild the file with:

    python -m solcoder.llm.catalog.price_table --write
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from solcoder.patterns import lazy_pattern

if TYPE_CHECKING:
    import re

TABLE_PATH = Path(__file__).with_name("price_table.json")

RATE_KEYS = ("input", "output", "cache_read", "cache_write")
"""The rates kept, in US dollars per million tokens (`<key>_mtok` in genai-prices)."""
_UNCOUNTED_KEYS = frozenset(
    {
        # Priced by genai-prices, but counted zero in every call SolCoder prices: audio,
        # searches, and the one-hour cache write (which pricing.py prices apart).
        "input_audio_mtok",
        "cache_audio_read_mtok",
        "output_audio_mtok",
        "cache_write_1h_mtok",
        "web_searches_kcount",
        "storage_searches_kcount",
    }
)

Rates = Mapping[str, Any]
"""One model's rates: each of `RATE_KEYS` → a rate (a decimal string), or {"base": rate,
"tiers": [[start, rate], …]} when it changes with the prompt size; absent: not charged
separately."""

Found = (
    tuple[Literal["rates"], Rates] | tuple[Literal["unknown"], None] | tuple[Literal["ask"], None]
)
"""`lookup`'s answer: the model's rates; "unknown" (genai-prices knows no such model at this
provider: no price); or "ask" (the table cannot tell: ask genai-prices)."""


@functools.cache
def _table() -> Mapping[str, Any]:
    try:
        data: dict[str, Any] = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # pragma: no cover - shipped with the package
        return {}
    providers: dict[str, Any] = data.get("providers", {})
    return providers


def lookup(price_id: str, model: str) -> Found:
    """What genai-prices would price the name `model` at provider `price_id` with."""
    provider = _table().get(price_id)
    if provider is None:
        return ("ask", None)
    entry = resolve(provider, model)
    if entry is None:
        return ("unknown", None)
    rates = entry[2]
    return ("ask", None) if rates is None else ("rates", rates)


def resolve(provider: Mapping[str, Any], model: str) -> Sequence[Any] | None:
    """The table entry `[id, rule, rates]` of the model genai-prices means by `model`."""
    reference = model.lower()
    entry = _match(provider, _table(), reference)
    if entry is None:
        dashed = _dashed_dates(reference)
        if dashed != reference:
            entry = _match(provider, _table(), dashed)
    return entry


def provider_entry(price_id: str) -> Mapping[str, Any] | None:
    """The table's part for one provider (None: not in the table)."""
    provider: Mapping[str, Any] | None = _table().get(price_id)
    return provider


def _match(
    provider: Mapping[str, Any], providers: Mapping[str, Any], reference: str
) -> Sequence[Any] | None:
    """The first of the provider's models whose rule matches, else the first of its fallback
    providers' (one step: their own fallbacks are not tried)."""
    for entry in provider["models"]:
        if _matches(entry[1], reference):
            return entry  # type: ignore[no-any-return]
    for fallback in provider.get("fallback", ()):
        for entry in providers.get(fallback, {}).get("models", ()):
            if _matches(entry[1], reference):
                return entry  # type: ignore[no-any-return]
    return None


def _matches(rule: Mapping[str, Any], reference: str) -> bool:
    """genai-prices' match clauses, over the lower-cased name."""
    if "or" in rule:
        return any(_matches(clause, reference) for clause in rule["or"])
    if "and" in rule:
        return all(_matches(clause, reference) for clause in rule["and"])
    if "equals" in rule:
        return reference == str(rule["equals"]).lower()
    if "starts_with" in rule:
        return reference.startswith(str(rule["starts_with"]).lower())
    if "ends_with" in rule:
        return reference.endswith(str(rule["ends_with"]).lower())
    if "contains" in rule:
        return str(rule["contains"]).lower() in reference
    if "regex" in rule:
        import re

        return re.search(rule["regex"], reference) is not None
    raise ValueError(f"unknown match clause {sorted(rule)}")  # build_table writes none


_COMPACT_DATE = lazy_pattern(r"-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)")
"""A compact date in a model name (`-20251211`), compiled only when a name matched nothing."""


def _dashed_dates(reference: str) -> str:
    """`gpt-5.2-20251211` → `gpt-5.2-2025-12-11` (a real date only), as genai-prices retries
    a name that matched nothing."""
    from datetime import date

    def dashed(found: re.Match[str]) -> str:
        year, month, day = (int(found.group(index)) for index in (1, 2, 3))
        try:
            date(year, month, day)
        except ValueError:
            return found.group(0)
        return f"-{year:04d}-{month:02d}-{day:02d}"

    return _COMPACT_DATE().sub(dashed, reference)


def base_rate(rates: Rates, key: str) -> float | None:
    """A rate below its first tier (None: not charged separately)."""
    rate = rates.get(key)
    if isinstance(rate, dict):
        return float(rate["base"])
    return None if rate is None else float(rate)


def table_cost(
    rates: Rates, *, input_tokens: int, output: int, cache_read: int, cache_write: int
) -> float:
    """US dollars for one call, as genai-prices computes it: `input_tokens` counts every
    prompt token (cached ones too); tokens read from or written to the cache are charged at
    their own rate where the model has one, else as input; a tiered rate applies in full
    once the prompt is larger than the tier's start."""

    def rate(key: str) -> float:
        value = rates.get(key)
        if isinstance(value, dict):
            chosen = value["base"]
            for start, tier_rate in reversed(value["tiers"]):
                if input_tokens > start:
                    chosen = tier_rate
                    break
            return float(chosen)
        return 0.0 if value is None else float(value)

    uncached = input_tokens
    if "cache_read" in rates:
        uncached -= cache_read
    if "cache_write" in rates:
        uncached -= cache_write
    total = (
        rate("input") * uncached
        + rate("cache_read") * cache_read
        + rate("cache_write") * cache_write
        + rate("output") * output
    )
    return total / 1_000_000


# -- building the table from genai-prices (maintainers, and the test that checks it) --------


def priced_providers() -> list[str]:
    """The price ids of the built-in providers, and of the providers they fall back to."""
    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS

    return sorted({spec.price_id for spec in BUILTIN_PROVIDERS.values() if spec.price_id})


def build_table() -> dict[str, Any]:
    """The table as the installed genai-prices prices the built-in providers' models."""
    from importlib import metadata

    from genai_prices import data_snapshot, types

    snapshot = data_snapshot.get_snapshot()
    wanted = priced_providers()
    providers: dict[str, Any] = {}
    while wanted:
        price_id = wanted.pop()
        if price_id in providers:
            continue
        provider = data_snapshot.find_provider_by_id(snapshot.providers, price_id)
        if provider is None:
            continue
        fallback = list(provider.fallback_model_providers or ())
        wanted.extend(fallback)
        providers[price_id] = {
            "fallback": fallback,
            "models": [
                [model.id, _rule(model.match, types), _rates(model.prices, types)]
                for model in provider.models
            ],
        }
    return {
        "source": f"genai-prices {metadata.version('genai-prices')}",
        "providers": dict(sorted(providers.items())),
    }


def _rule(clause: Any, types: Any) -> dict[str, Any]:
    if isinstance(clause, types.ClauseOr):
        return {"or": [_rule(inner, types) for inner in clause.or_]}
    if isinstance(clause, types.ClauseAnd):
        return {"and": [_rule(inner, types) for inner in clause.and_]}
    for name in ("equals", "starts_with", "ends_with", "contains", "regex"):
        if hasattr(clause, name):
            return {name: getattr(clause, name)}
    raise ValueError(f"genai-prices has a match clause this table cannot hold: {clause!r}")


def _rates(prices: Any, types: Any) -> dict[str, Any] | None:
    """The rates of an unconditional price, or None (genai-prices prices it at the call)."""
    if not isinstance(prices, types.ModelPrice):
        return None  # dated or time-of-day prices
    stored = {
        key: value
        for key, value in vars(prices).items()
        if not key.startswith("_") and value is not None
    }
    if set(stored) - {f"{key}_mtok" for key in RATE_KEYS} - _UNCOUNTED_KEYS:
        return None  # a unit this table does not count (per request, per image…)
    rates: dict[str, Any] = {}
    for key in RATE_KEYS:
        value = stored.get(f"{key}_mtok")
        if isinstance(value, types.TieredPrices):
            tiers = [[tier.start, str(tier.price)] for tier in value.tiers]
            rates[key] = {"base": str(value.base), "tiers": tiers}
        elif value is not None:
            rates[key] = str(value)
    return rates


def _dumps(table: Mapping[str, Any]) -> str:
    """JSON with one model per line, so an upgrade's diff shows what changed."""
    compact = functools.partial(json.dumps, separators=(",", ":"), sort_keys=True)
    lines = ["{", f'"source":{compact(table["source"])},', '"providers":{']
    names = list(table["providers"])
    for position, name in enumerate(names):
        provider = table["providers"][name]
        lines.append(f'{compact(name)}:{{"fallback":{compact(provider["fallback"])},"models":[')
        models = provider["models"]
        lines.extend(
            compact(model) + ("," if index < len(models) - 1 else "")
            for index, model in enumerate(models)
        )
        lines.append("]}" + ("," if position < len(names) - 1 else ""))
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    table = build_table()
    text = _dumps(table)
    if argv == ["--write"]:
        from solcoder.fsutil import atomic_write

        atomic_write(TABLE_PATH, text, mode=0o644)
        count = sum(len(provider["models"]) for provider in table["providers"].values())
        print(f"wrote {TABLE_PATH} ({count} models)")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
