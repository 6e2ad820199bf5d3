"""The snapshot of SolCoder's own tools (`toolkits/specs.json`), read without importing a tool.

Every built-in tool's name, toolkit, effect, description and JSON Schema: the baseline
toolkits (offered to the model from here until a tool is needed, `toolkits.BaselineRegistry`)
and the tools declared by a schema (workspace, commands). `solcoder tools` prints it as it is,
so listing the tools costs reading one JSON file, not importing pydantic and every toolkit.
A test keeps it equal to what the tools declare (`tools/builtin.py`'s `write_snapshot()` renews it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).with_name("toolkits") / "specs.json"


def read_snapshot() -> list[dict[str, Any]]:
    """The entries, in the order the registry lists them."""
    entries: list[dict[str, Any]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return entries


__all__ = ["SNAPSHOT", "read_snapshot"]
