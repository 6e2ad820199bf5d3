"""`solcoder models`: the models SolCoder knows per provider, with context window and price.

Model names come from the provider specs (built-ins and `[providers.<name>]` tables); context
windows and output limits from SolCoder's own table (`solcoder.llm.catalog.models`, which token
budgeting uses) when it has the model, else the window from the genai-prices data; prices from
`solcoder.llm.catalog.pricing`. Everything is offline except one look at a llama.cpp server on its
configured URL (`/v1/models`, `/props`: bounded, loopback in the default setup), which shows
the model it really serves and its context size; and `local` shows the bundled model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from solcoder.cli.auth_cmd import settings_from_context

if TYPE_CHECKING:
    from rich.table import Table

    from solcoder.config import Settings


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


def served_rows(settings: Settings, only: str | None) -> list[dict[str, Any]]:
    """What the self-describing servers (llama.cpp's) at their URLs serve, and the local
    model, as rows."""
    import os

    from solcoder.llm.catalog.providers import BUILTIN_PROVIDERS, LOCAL, resolve_spec

    rows: list[dict[str, Any]] = []
    llm = settings.llm
    for name, builtin in BUILTIN_PROVIDERS.items():
        if not builtin.self_describing or builtin.managed or only not in (None, name):
            continue
        spec = resolve_spec(name, settings.providers)
        base = llm.base_url if llm.provider == name and llm.base_url else spec.base_url
        if not _listening(base):
            continue  # nothing there: no HTTP client to import (most of this command's time)
        from solcoder.llm.transport.llamacpp import probe
        from solcoder.redact import admit

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


def _listening(base_url: str) -> bool:
    """Whether the server's port accepts a connection (an unparsable URL: ask anyway)."""
    from urllib.parse import urlsplit

    from solcoder.cli.local_servers import listening

    try:
        parts = urlsplit(base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return True
    return parts.hostname is None or listening(parts.hostname, port)


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
    if provider is not None:
        from solcoder.llm.catalog.providers import resolve_spec

        # An unknown name is exit 2 with a did-you-mean; `OpenAI` means `openai`.
        provider = resolve_spec(provider, settings.providers).name
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
    import sys

    cells = [_cells(row) for row in rows]
    if not sys.stdout.isatty():
        # A pipe or a file: one plain line per model, never wrapped, the provider on every
        # line, so `grep gpt-4.1-mini` and `awk` find whole rows.
        for line in plain_lines(HEADINGS, cells):
            click.echo(line)
        click.echo(_FOOTNOTE.format(source=price_source()))
        return
    from rich.console import Console

    console = Console(highlight=False)
    console.print(models_table(cells, console.width))
    console.print(_FOOTNOTE.format(source=price_source()))


HEADINGS = (
    "provider",
    "model",
    "context",
    "max out",
    "input",
    "output",
    "cache read",
    "cache write",
    "note",
)
_RIGHT = frozenset({"context", "max out", "input", "output", "cache read", "cache write"})
_NARROW_DROPS = ("cache write", "cache read", "note", "max out")
"""Columns left out, in this order, while the table is wider than the terminal."""
_FOOTNOTE = (
    "USD per million tokens, from {source}. * higher rate above a prompt size threshold. "
    "Local providers cost 0; – means not charged separately or not known."
)


def _cells(row: dict[str, Any]) -> list[str]:
    """One row's cells, in `HEADINGS` order."""
    from solcoder.terminal import safe

    price = row["price_per_million_tokens"]
    rates = (
        [_money(price[key]) for key in ("input", "output", "cache_read", "cache_write")]
        if price is not None
        else ["unknown", "", "", ""]
    )
    if price is not None and price["tiered"]:
        rates[0] += "*"
    note = safe(str(row.get("served") or ("default" if row["default"] else "")))
    # Names may come from a config file or a server (`/v1/models`): shown terminal-safe.
    return [
        safe(str(row["provider"])),
        safe(str(row["model"])),
        _window(row["context_window"]),
        _window(row["max_output"]),
        *rates,
        note,
    ]


def plain_lines(headings: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    """Aligned columns two spaces apart, as wide as their longest cell: nothing is cut."""
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]

    def line(cells: tuple[str, ...] | list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if heading in _RIGHT else cell.ljust(width)
            for heading, cell, width in zip(headings, cells, widths, strict=True)
        ).rstrip()

    return [line(headings), *(line(cells) for cells in rows)]


def models_table(rows: list[list[str]], width: int) -> Table:
    """The terminal table: provider and model names are never broken; when the terminal is
    narrow, the least needed price columns are left out instead."""
    from solcoder.telemetry.render import cell, new_table

    shown = list(HEADINGS)
    for dropped in (None, *_NARROW_DROPS):
        if dropped is not None:
            shown.remove(dropped)
        # Each column is as wide as its longest cell, two spaces apart.
        needed = sum(
            max(len(heading), *(len(row[HEADINGS.index(heading)]) for row in rows)) + 2
            for heading in shown
        )
        if needed <= width:
            break
    table = new_table()
    for heading in shown:
        table.add_column(heading, no_wrap=True, justify="right" if heading in _RIGHT else "left")
    previous = None
    for row in rows:
        cells = [row[HEADINGS.index(heading)] for heading in shown]
        if row[0] == previous:
            cells[0] = ""
        previous = row[0]
        table.add_row(*(cell(value) for value in cells))
    return table
