"""SolCoder's baseline toolkits, and the registry that holds them all.

Each toolkit module exposes `register(registry)`. They are imported inside `default_registry()`
so that importing this package stays cheap: tools are only needed once a conversation runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.tools.registry import ToolRegistry

TOOLKIT_NAMES = ("plan", "code", "review", "deploy", "diagnostics", "knowledge")


def default_registry() -> ToolRegistry:
    """A new registry with every baseline toolkit registered."""
    from solcoder.tools.registry import ToolRegistry
    from solcoder.tools.toolkits import code, deploy, diagnostics, knowledge, plan, review

    registry = ToolRegistry()
    for toolkit in (plan, code, review, deploy, diagnostics, knowledge):
        toolkit.register(registry)
    return registry
