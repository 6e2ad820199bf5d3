"""The rate limits each provider last announced, for `solcoder stats`.

No state file of its own: every call record already keeps its response's rate-limit headers
as sent (`calls.rate_limit_headers`, written atomically by the telemetry store, 0600), so the
newest record per provider and endpoint is read back and parsed by the same reader the
transport paces with (`llm/wire/rate_limits.py`). Resets are turned into wall-clock times
from the moment the call started (durations are relative to the response).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from solcoder.llm.wire.rate_limits import parse_rate_limits

_LATEST = """
SELECT provider, endpoint_host, started_at, rate_limit_headers FROM calls
WHERE id IN (
    SELECT MAX(id) FROM calls WHERE rate_limit_headers IS NOT NULL
    GROUP BY provider, endpoint_host
)
ORDER BY provider, endpoint_host
"""


def last_rate_limits(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Per provider and endpoint: when its limits were seen and each announced budget
    (`limit`, `remaining`, `reset_at` as epoch seconds); providers that never sent any are
    left out."""
    found: list[dict[str, Any]] = []
    for provider, host, started_at, raw in connection.execute(_LATEST):
        try:
            headers = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(headers, dict):
            continue
        snapshot = parse_rate_limits(
            {str(k): str(v) for k, v in headers.items()}, now=float(started_at)
        )
        if snapshot is None:
            continue
        found.append(
            {
                "provider": provider,
                "endpoint_host": host,
                "seen_at": started_at,
                **{
                    name: {
                        "limit": window.limit,
                        "remaining": window.remaining,
                        "reset_at": window.reset_at,
                    }
                    for name, window in snapshot.windows()
                },
            }
        )
    return found


def describe(entry: dict[str, Any]) -> str:
    """`requests 2/3 left · tokens 900/1,000 left`, one provider's budgets in a line."""
    parts = []
    for name in ("requests", "tokens", "input_tokens", "output_tokens"):
        window = entry.get(name)
        if not isinstance(window, dict):
            continue
        left = window.get("remaining")
        size = window.get("limit")
        shown = f"{left:,}" if isinstance(left, int) else "?"
        if isinstance(size, int):
            shown += f"/{size:,}"
        parts.append(f"{name.replace('_', ' ')} {shown} left")
    return " · ".join(parts)


__all__ = ["describe", "last_rate_limits"]
