"""`solcoder models`: the models SolCoder knows per provider, with context window and price.

Model names come from the provider specs (built-ins and `[providers.<name>]` tables); context
windows and output limits from SolCoder's own table (`solcoder.llm.catalog.models`, which token
budgeting uses) when it has the model, else the window from the genai-prices data; prices from
`solcoder.llm.catalog.pricing`. Everything is offline except one look at a llama.cpp server on its
configured URL (`/v1/models`, `/props`: bounded, loopback in the default setup), which shows
the model it really serves and its context size; and `local` shows the bundled model.
"""

from __future__ import annotations

from typing import Any

import click

from solcoder.cli.auth_cmd import settings_from_context


def _limits(provider: str, model: str, fallback: int | None) -> tuple[int | None, int | None]:
    """(context window, max output): SolCoder's table first (the one token budgeting uses),
    then the genai-prices data for the window; None when neither knows the model (the
    budgeting default for unknown models is a guess, not shown here)."""
    try:
        from solcoder.llm.catalog.models import lookup_model
    except ImportError:  # pragma: no cover - the table ships with SolCoder
        return fallback, None
    limits = lookup_model(provider, model)
    if limits is None:
        return fallback, None
    return limits.context_window, limits.max_output


def model_rows(
    providers: dict[str, dict[str, Any]] | None = None, only: str | None = None
) -> list[dict[str, Any]]:
    """One row per (provider, model): context window and USD per million tokens."""
    from solcoder.llm.catalog.pricing import price_of
    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS, spec_from_table

    specs = dict(BUILTIN_PROVIDERS)
    for name, table in (providers or {}).items():
        try:
            specs[name] = spec_from_table(name, table)
        except Exception:  # a broken table is reported by `solcoder config`, not here
            continue
    rows: list[dict[str, Any]] = []
    for name in sorted(specs):
        if only and name != only:
            continue
        spec = specs[name]
        models = list(spec.models) or ([spec.default_model] if spec.default_model else [])
        for model in models:
            price = price_of(
                name, model, base_url=None if name in BUILTIN_PROVIDERS else spec.base_url
            )
            window, max_output = _limits(
                name, model, price.context_window if price is not None else None
            )
            rows.append(
                {
                    "provider": name,
                    "model": model,
                    "default": model == spec.default_model,
                    "context_window": window,
                    "max_output": max_output,
                    "price_per_million_tokens": price.as_dict() if price is not None else None,
                }
            )
    return rows


def served_rows(settings: Any, only: str | None) -> list[dict[str, Any]]:
    """What the self-describing servers (llama.cpp's) at their URLs serve, and the local
    model, as rows."""
    import os

    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS, LOCAL, resolve_spec

    rows: list[dict[str, Any]] = []
    llm = settings.llm
    for name, builtin in BUILTIN_PROVIDERS.items():
        if not builtin.self_describing or builtin.managed or only not in (None, name):
            continue
        from solcoder.llm.transport.llamacpp import probe
        from solcoder.redact import admit

        spec = resolve_spec(name, settings.providers)
        base = llm.base_url if llm.provider == name and llm.base_url else spec.base_url
        env_key = os.environ.get("SOLCODER_LLM_API_KEY", "").strip()
        served = probe(base, admit(env_key) if env_key else None)
        if served.model is not None:
            rows.append(_served(name, served.model, served.context_window, f"at {base}"))

    if only in (None, LOCAL.name):
        from solcoder.llm.providers.local import model

        installed = model.installed_path(settings.home)
        note = "installed" if installed and model.server_installed() else "not installed"
        window = llm.local_context or None
        rows.append(_served(LOCAL.name, model.SMOLLM2.name, window, note, llm.local_max_tokens))
    return rows


def _served(
    provider: str, model: str, window: int | None, note: str, max_output: int | None = None
) -> dict[str, Any]:
    free = {"input": 0.0, "output": 0.0, "cache_read": 0.0, "cache_write": 0.0, "tiered": False}
    return {
        "provider": provider,
        "model": model,
        "default": True,
        "context_window": window,
        "max_output": max_output,
        "price_per_million_tokens": free,
        "served": note,
    }


def _money(value: float | None) -> str:
    if value is None:
        return "–"
    return "0" if value == 0 else f"{value:.4g}"


def _window(tokens: int | None) -> str:
    if tokens is None:
        return "–"
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}".removesuffix(".0") + "M"
    return f"{tokens // 1000}k" if tokens >= 1000 else str(tokens)


@click.command("models")
@click.option("--provider", metavar="NAME", help="Only this provider's models.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
def models_command(ctx: click.Context, provider: str | None, as_json: bool) -> None:
    """List known models per provider with context window and price (USD per million tokens)."""
    from solcoder.llm.catalog.pricing import price_source
    from solcoder.terminal import echo, safe_json

    settings = settings_from_context(ctx)
    rows = model_rows(settings.providers, provider)
    served = served_rows(settings, provider)
    served_providers = {row["provider"] for row in served}
    rows = [row for row in rows if row["provider"] not in served_providers] + served
    rows.sort(key=lambda row: str(row["provider"]))
    if as_json:
        click.echo(safe_json(rows, indent=2))
        return
    if not rows:
        echo(f"No known models for provider {provider!r}.")
        return
    from rich.console import Console

    from solcoder.telemetry.render import cell, new_table

    table = new_table()
    table.add_column("provider")
    table.add_column("model", overflow="fold")
    table.add_column("context", justify="right")
    table.add_column("max out", justify="right")
    for heading in ("input", "output", "cache read", "cache write"):
        table.add_column(heading, justify="right")
    previous = None
    for row in rows:
        price = row["price_per_million_tokens"]
        rates = (
            [_money(price[key]) for key in ("input", "output", "cache_read", "cache_write")]
            if price is not None
            else ["unknown", "", "", ""]
        )
        if price is not None and price["tiered"]:
            rates[0] += "*"
        table.add_row(
            cell(row["provider"] if row["provider"] != previous else ""),
            cell(
                row["model"]
                + (f" ({row['served']})" if row.get("served") else "")
                + (" (default)" if row["default"] and not row.get("served") else "")
            ),
            _window(row["context_window"]),
            _window(row["max_output"]),
            *rates,
        )
        previous = row["provider"]
    console = Console(highlight=False)
    console.print(table)
    console.print(
        f"USD per million tokens, from {price_source()}. * higher rate above a prompt size "
        "threshold. Local providers cost 0; – means not charged separately or not known."
    )
