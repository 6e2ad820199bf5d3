"""Reading the telemetry database: recent calls for `logs`, aggregates for `stats`.

`stats` must stay fast at 100,000 calls: sums and error counts come from SQLite GROUP BYs;
the p50/p95 of time to first token and latency (nearest rank) and the latency histogram come
from one query over successful calls, sorted in Python (faster here than window functions).
Functions return plain JSON-ready data; `render.py` draws it.
"""

from __future__ import annotations

import bisect
import json
import math
import sqlite3
from dataclasses import dataclass
from typing import Any

from solcoder.llm.wire.names import CACHE_APART_FROM_INPUT
from solcoder.telemetry.store import COLUMNS

HISTOGRAM_EDGES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
"""Upper bounds (seconds) of the latency histogram's buckets; the last bucket is open."""

_LOG_COLUMNS = (
    "id",
    *(
        column
        for column in COLUMNS
        if column not in {"wire_api", "rate_limit_headers", "cost_uncached_usd"}
    ),
)
"""What `solcoder logs` reads: every stored column but the wire protocol, raw headers and the
price without caching (`stats` sums it)."""


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Which calls to look at; None means any."""

    provider: str | None = None
    model: str | None = None
    outcome: str | None = None
    """`ok`, `error` (any failure), an error kind (`rate_limited`) or a class (`timeout`)."""
    session: str | None = None
    """A session id, its first or last characters, or the `end#turn` that `logs` shows."""
    since: float | None = None
    """Unix time; only calls started at or after it."""

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        parameters: list[object] = []
        if self.provider:
            clauses.append("provider = ?")
            parameters.append(self.provider)
        if self.model:
            clauses.append("model = ?")
            parameters.append(self.model)
        if self.outcome:
            if self.outcome == "error":
                clauses.append("outcome <> 'ok'")
            else:
                clauses.append("(outcome = ? OR failure_class = ?)")
                parameters += [self.outcome, self.outcome]
        # What `solcoder logs` shows of a session (`234208-0e4f#1`, the end of its id and
        # the turn) selects it too: the `#turn` is dropped, the start or end of an id matches.
        session = (self.session or "").strip().split("#", 1)[0]
        if session:
            clauses.append("(substr(session_id, 1, ?) = ? OR substr(session_id, -?) = ?)")
            parameters += [len(session), session, len(session), session]
        if self.since is not None:
            clauses.append("started_at >= ?")
            parameters.append(self.since)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), parameters


def recent_calls(
    connection: sqlite3.Connection, call_filter: CallFilter | None = None, *, limit: int = 50
) -> list[dict[str, Any]]:
    """The latest calls matching the filter, newest first, as JSON-ready dictionaries."""
    where, parameters = (call_filter or CallFilter()).where()
    cursor = connection.execute(
        f"SELECT {', '.join(_LOG_COLUMNS)} FROM calls{where} ORDER BY id DESC LIMIT ?",
        [*parameters, max(0, limit)],
    )
    rows: list[dict[str, Any]] = []
    for values in cursor:
        row = dict(zip(_LOG_COLUMNS, values, strict=True))
        row["retries"] = json.loads(row["retries"] or "[]")
        row["usage_estimated"] = bool(row["usage_estimated"])
        row["fallback"] = bool(row["fallback"])
        rows.append(row)
    return rows


def compute_stats(
    connection: sqlite3.Connection, call_filter: CallFilter | None = None
) -> dict[str, Any]:
    """Per provider and model: calls, errors by class, p50/p95 TTFT and latency (successful
    calls), tokens and cost; plus the same over everything and a latency histogram."""
    where, parameters = (call_filter or CallFilter()).where()
    groups: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for row in connection.execute(_totals_sql(where, grouped=True), parameters):
        groups[(row[0], row[1])] = _totals(row[2:])
    overall = connection.execute(_totals_sql(where, grouped=False), parameters).fetchone()
    total = _totals(overall[2:]) if overall is not None and overall[2] else _totals(None)

    failed = _and(where, "outcome <> 'ok'")
    for provider, model, kind, count in connection.execute(
        f"SELECT provider, model, failure_class, COUNT(*) FROM calls{failed} "
        "GROUP BY provider, model, failure_class",
        parameters,
    ):
        groups[(provider, model)]["errors_by_class"][kind or "other"] = count
        total["errors_by_class"][kind or "other"] = (
            total["errors_by_class"].get(kind or "other", 0) + count
        )

    histogram = _add_distributions(connection, where, parameters, groups, total)
    models = [
        {"provider": provider, "model": model, **values}
        for (provider, model), values in sorted(
            groups.items(), key=lambda item: (-item[1]["calls"], item[0])
        )
    ]
    return {"models": models, "total": total, "latency_histogram": histogram}


_TOTALS = """
SELECT {select_group} COUNT(*), SUM(outcome <> 'ok'),
       SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens),
       SUM(reasoning_tokens), SUM(usage_estimated), SUM(cost_usd),
       SUM(cost_usd IS NULL AND outcome = 'ok'), SUM(attempts - 1), SUM(fallback),
       MIN(started_at), MAX(started_at),
       SUM(CASE WHEN wire_api IN ({apart}) THEN COALESCE(input_tokens, 0)
           + COALESCE(cache_read_tokens, 0) + COALESCE(cache_write_tokens, 0)
           ELSE COALESCE(input_tokens, 0) END),
       SUM(cost_uncached_usd - cost_usd), SUM(purpose = 'compaction')
FROM calls{where}{group_by}
"""
_CACHE_APART = ", ".join(f"'{api}'" for api in sorted(CACHE_APART_FROM_INPUT))
"""The wires whose `input_tokens` leave cached tokens out: the prompt is their sum."""


def _totals_sql(where: str, grouped: bool) -> str:
    return _TOTALS.format(
        select_group="provider, model," if grouped else "NULL, NULL,",
        where=where,
        apart=_CACHE_APART,
        group_by=" GROUP BY provider, model" if grouped else "",
    )


def _totals(values: tuple[Any, ...] | None) -> dict[str, Any]:
    (
        calls,
        errors,
        input_tokens,
        output_tokens,
        cache_read,
        cache_write,
        reasoning,
        estimated,
        cost,
        unknown_cost,
        retries,
        fallback,
        first,
        last,
        prompt_tokens,
        saved,
        compactions,
    ) = values if values is not None else (0,) + (None,) * 16
    calls = calls or 0
    errors = errors or 0
    return {
        "calls": calls,
        "errors": errors,
        "error_rate": (errors / calls) if calls else 0.0,
        "errors_by_class": {},
        "retries": retries or 0,
        "fallback_calls": fallback or 0,
        "compaction_calls": compactions or 0,
        "time_to_first_token_s": {"p50": None, "p95": None},
        "latency_s": {"p50": None, "p95": None},
        "tokens": {
            "input": input_tokens or 0,
            "output": output_tokens or 0,
            "cache_read": cache_read or 0,
            "cache_write": cache_write or 0,
            "reasoning": reasoning or 0,
        },
        "calls_with_estimated_usage": estimated or 0,
        "cost_usd": cost,
        "calls_with_unknown_cost": unknown_cost or 0,
        # Cache reads over every prompt token, cached or not.
        "cache_hit_ratio": (cache_read or 0) / prompt_tokens if prompt_tokens else None,
        # Cost at the full input price minus the actual cost (cache writes cost extra, so it
        # can be negative); None when no call's price is known.
        "cache_saved_usd": saved,
        "first_call_at": first,
        "last_call_at": last,
    }


def _and(where: str, clause: str) -> str:
    return f"{where} AND {clause}" if where else f" WHERE {clause}"


def _add_distributions(
    connection: sqlite3.Connection,
    where: str,
    parameters: list[object],
    groups: dict[tuple[str | None, str | None], dict[str, Any]],
    total: dict[str, Any],
) -> list[dict[str, Any]]:
    """p50/p95 of TTFT and latency over successful calls, per group and overall, and the
    latency histogram (returned): one query and one pass. Sorting in Python measured ~5x faster than
    SQLite window functions (ROW_NUMBER over each partition) at 100,000 calls."""
    measured = _and(where, "outcome = 'ok'")
    per_group: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    everything: tuple[list[float], list[float]] = ([], [])
    query = f"SELECT provider, model, ttft_s, latency_s FROM calls{measured}"
    for provider, model, ttft, latency in connection.execute(query, parameters):
        lists = per_group.get((provider, model))
        if lists is None:
            lists = per_group[(provider, model)] = ([], [])
        if ttft is not None:
            lists[0].append(ttft)
        if latency is not None:
            lists[1].append(latency)
    for lists in per_group.values():
        everything[0].extend(lists[0])
        everything[1].extend(lists[1])
    targets = [(groups[key], lists) for key, lists in per_group.items()]
    for target, (ttfts, latencies) in [*targets, (total, everything)]:
        ttfts.sort()
        latencies.sort()
        target["time_to_first_token_s"] = _quantiles(ttfts)
        target["latency_s"] = _quantiles(latencies)
    return _histogram(everything[1])


def _quantiles(ordered: list[float]) -> dict[str, float | None]:
    """Nearest-rank p50 and p95: the smallest value with at least p x n values at or below."""
    if not ordered:
        return {"p50": None, "p95": None}
    count = len(ordered)
    return {
        "p50": ordered[max(0, math.ceil(0.50 * count) - 1)],
        "p95": ordered[max(0, math.ceil(0.95 * count) - 1)],
    }


def _histogram(ordered: list[float]) -> list[dict[str, Any]]:
    """Successful calls counted by latency bucket (every bucket listed, empty ones too)."""
    buckets: list[dict[str, Any]] = []
    lower = 0.0
    below = 0
    for upper in (*HISTOGRAM_EDGES, None):
        reached = bisect.bisect_left(ordered, upper) if upper is not None else len(ordered)
        buckets.append({"from_s": lower, "to_s": upper, "calls": reached - below})
        below = reached
        lower = upper if upper is not None else lower
    return buckets
