"""Terminal views of telemetry (rich): the calls table, the stats table and its histogram.

Shared by `solcoder logs`, `solcoder stats` and the REPL's `/logs`, so all three show calls the
same way. Unknown values are shown as a dash (and an unknown cost as `unknown`), never as zero.
Every cell is a `Text` made terminal-safe (`cell`): rows hold what servers and config files said
(model names, error kinds), and a plain string cell would also be read as rich markup.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from solcoder.terminal import safe

HISTOGRAM_WIDTH = 40
UNKNOWN = "–"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return UNKNOWN
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def format_tokens(count: int | None, *, estimated: bool = False) -> str:
    if count is None:
        return UNKNOWN
    text = f"{count / 1000:.1f}k" if count >= 10_000 else str(count)
    return f"~{text}" if estimated else text


def format_cost(cost: float | None) -> str:
    if cost is None:
        return "unknown"
    if cost == 0:
        return "$0"
    if cost < 0.0001:
        return f"${cost:.6f}"
    if cost < 0.01:
        return f"${cost:.4f}"
    return f"${cost:.2f}"


def cell(value: object, style: str = "") -> Text:
    """A table cell of outside text: no control characters, no markup, secrets masked."""
    return Text(safe(str(value)), style=style)


def _time(started_at: float, *, short: bool = False) -> str:
    moment = datetime.fromtimestamp(started_at).astimezone()
    return moment.strftime("%H:%M:%S" if short else "%m-%d %H:%M:%S")


def _retries(row: dict[str, Any], *, compact: bool = False) -> str:
    """Attempts, then why each failed attempt was retried and the wait before the next."""
    attempts = str(row["attempts"])
    if compact:
        reasons = [str(retry.get("status") or retry["reason"]) for retry in row["retries"]]
    else:
        reasons = [
            f"{retry['reason']}{' ' + str(retry['status']) if retry.get('status') else ''}"
            f" +{retry['wait']:.1f}s"
            for retry in row["retries"]
        ]
    return attempts + (f": {', '.join(reasons)}" if reasons else "")


def _outcome(row: dict[str, Any], *, compact: bool = False) -> Text:
    text = row["outcome"]
    if row["http_status"] is not None and row["outcome"] != "ok":
        text = f"{text} {row['http_status']}"
    if not compact and row["failure_class"] and row["failure_class"] != row["outcome"]:
        text += f" [{row['failure_class']}]"
    if row["fallback"]:
        text += " (fallback)"
    return cell(text, "green" if row["outcome"] == "ok" else "red")


def new_table(title: str | None = None) -> Table:
    return Table(
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        header_style="bold",
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )


COMPACT_BELOW = 110
"""Terminal width under which the calls table drops the session and retry-reason columns."""


def calls_table(
    rows: list[dict[str, Any]], *, title: str | None = None, width: int | None = None
) -> Table:
    """Recent calls, one row each, newest first; compact when `width` is narrow."""
    compact = width is not None and width < COMPACT_BELOW
    table = new_table(title)
    table.add_column("time", no_wrap=True)
    if not compact:
        table.add_column("session#turn", no_wrap=True)
    table.add_column("provider/model", overflow="fold", min_width=12)
    table.add_column("outcome", overflow="fold", min_width=12)
    table.add_column("tries", overflow="fold")
    table.add_column("ttft", justify="right", no_wrap=True)
    table.add_column("latency", justify="right", no_wrap=True)
    table.add_column("tokens" if compact else "tokens in/out", justify="right", no_wrap=True)
    table.add_column("cost", justify="right", no_wrap=True)
    for row in rows:
        estimated = bool(row["usage_estimated"])
        tokens = (
            UNKNOWN
            if row["input_tokens"] is None
            else f"{format_tokens(row['input_tokens'], estimated=estimated)}"
            f"/{format_tokens(row['output_tokens'])}"
        )
        cells: list[RenderableType] = [_time(row["started_at"], short=compact)]
        if not compact:
            # Ids are <date>-<time>-<hex>: the time and hex tell sessions of one day apart.
            session = (row["session_id"] or UNKNOWN)[-11:]
            turn = UNKNOWN if row["turn"] is None else str(row["turn"])
            cells.append(cell(f"{session}#{turn}"))
        cells += [
            cell(f"{row['provider']}/{row['model']}"),
            _outcome(row, compact=compact),
            cell(_retries(row, compact=compact)),
            format_duration(row["ttft_s"]),
            format_duration(row["latency_s"]),
            tokens,
            # No usage (a failed call): there is nothing to price, rather than an unknown price.
            UNKNOWN if row["input_tokens"] is None else format_cost(row["cost_usd"]),
        ]
        table.add_row(*cells)
    return table


def stats_renderable(report: dict[str, Any]) -> RenderableType:
    """The per-model table, a total line, and the latency histogram."""
    table = new_table()
    for name, justify in (
        ("provider/model", "left"),
        ("calls", "right"),
        ("errors", "left"),
        ("ttft p50/p95", "right"),
        ("latency p50/p95", "right"),
        ("tokens in/out", "right"),
        ("cost", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for group in report["models"]:
        table.add_row(cell(f"{group['provider']}/{group['model']}"), *_stats_cells(group))
    if len(report["models"]) > 1:
        table.add_section()
        table.add_row(Text("total", style="bold"), *_stats_cells(report["total"]))
    cache = _cache_line(report["total"])
    lines: list[RenderableType] = [table, *([cache] if cache is not None else []), Text("")]
    return Group(*lines, histogram(report["latency_histogram"]))


def _stats_cells(group: dict[str, Any]) -> list[Text]:
    errors = group["errors_by_class"]
    error_text = (
        f"{group['error_rate']:.0%}: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(errors.items()))
        if errors
        else "0"
    )
    ttft = group["time_to_first_token_s"]
    latency = group["latency_s"]
    tokens = group["tokens"]
    cost = format_cost(group["cost_usd"]) if group["cost_usd"] is not None else "unknown"
    if group["calls_with_unknown_cost"] and group["cost_usd"] is not None:
        cost += f" (+{group['calls_with_unknown_cost']} unknown)"
    return [
        cell(text)
        for text in (
            str(group["calls"]),
            error_text,
            f"{format_duration(ttft['p50'])} / {format_duration(ttft['p95'])}",
            f"{format_duration(latency['p50'])} / {format_duration(latency['p95'])}",
            f"{format_tokens(tokens['input'])} / {format_tokens(tokens['output'])}",
            cost,
        )
    ]


def _cache_line(total: dict[str, Any]) -> Text | None:
    """The cached share of all prompt tokens and the money that saved, under the table (a
    column would push the table past 80 columns); None when nothing was read from a cache."""
    ratio = total.get("cache_hit_ratio")
    if not ratio:
        return None
    saved = total.get("cache_saved_usd")
    if saved is None:
        money = "an unknown amount"
    else:  # negative when cache writes cost more than the reads saved
        money = f"-{format_cost(-saved)}" if saved < 0 else format_cost(saved)
    return Text(f"prompt cache: {ratio:.0%} of input tokens read from cache, saved {money}")


def histogram(buckets: list[dict[str, Any]]) -> RenderableType:
    """Successful calls by latency, one bar per bucket."""
    peak = max((bucket["calls"] for bucket in buckets), default=0)
    lines = [Text("latency of successful calls", style="bold")]
    if peak == 0:
        lines.append(Text("  (no successful calls)"))
        return Group(*lines)
    for bucket in buckets:
        upper = bucket["to_s"]
        label = f"< {_seconds(upper)}" if upper is not None else f"≥ {_seconds(bucket['from_s'])}"
        width = round(HISTOGRAM_WIDTH * bucket["calls"] / peak)
        bar = "█" * width if width or not bucket["calls"] else "▏"
        line = Text(f"  {label:>8} ")
        line.append(bar, style="cyan")
        line.append(f" {bucket['calls']}")
        lines.append(line)
    return Group(*lines)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def recent_calls_renderable(
    home: Path | str, limit: int = 10, *, width: int | None = None
) -> RenderableType:
    """The last `limit` calls for the REPL's `/logs`; a sentence when there are none."""
    from solcoder.errors import SolcoderError
    from solcoder.telemetry.stats import recent_calls
    from solcoder.telemetry.store import TelemetryStore, database_path

    path = database_path(home)
    try:
        with TelemetryStore.open_for_reading(path) as store:
            rows = recent_calls(store.connection, limit=limit)
    except FileNotFoundError:
        return Text(f"No model calls recorded yet ({path}).")
    except SolcoderError as error:
        return cell(error, "red")
    if not rows:
        return Text(f"No model calls recorded yet ({path}).")
    return Group(
        calls_table(rows, title=f"last {len(rows)} model calls", width=width),
        Text(f"{path} · more with `solcoder logs` and `solcoder stats`", style="dim"),
    )
