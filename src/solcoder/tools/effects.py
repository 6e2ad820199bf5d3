"""What running a tool can do to the world, declared by every tool the orchestrator runs."""

from __future__ import annotations

from typing import Literal

Effect = Literal["read_only", "writes_files", "runs_programs", "network", "signs", "unknown"]
""""unknown": declared by an outside server (an MCP tool), treated as needing approval."""
