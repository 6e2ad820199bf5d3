"""Every tool declares its effect; the built-ins' declarations are checked here, by name."""

from __future__ import annotations

import pytest

from solcoder.tools.effects import EFFECTS, check_effect, runs_unasked
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import load_registry

DECLARED = {
    "plan": "read_only",
    "explain_error": "read_only",
    "review_code": "read_only",
    "search_notes": "read_only",
    "read_note": "read_only",
    "environment": "read_only",
    "deploy_program": "signs",
}


def test_the_builtins_declare_these_effects_and_are_ours() -> None:
    registry = load_registry()
    assert {tool.name: tool.effect for tool in registry} == DECLARED
    assert {tool.origin for tool in registry} == {"solcoder"}


def test_an_effect_is_checked_at_registration() -> None:
    registry = ToolRegistry()

    def noop() -> str:
        """Nothing."""
        return ""

    with pytest.raises(ValueError, match="effect 'deletes' must be one of"):
        registry.register(noop, toolkit="t", effect="deletes")  # type: ignore[arg-type]
    assert registry.register(noop, toolkit="t", effect="network").effect == "network"
    assert check_effect("unknown") == "unknown"


def test_only_our_read_only_tools_run_unasked() -> None:
    assert [e for e in EFFECTS if runs_unasked(e, "solcoder")] == ["read_only"]
    assert not any(runs_unasked(e, "mcp:time") for e in EFFECTS)


def test_a_tool_cannot_be_registered_without_declaring_its_effect() -> None:
    """A forgotten declaration must not mean "read only" (it would run without asking)."""
    import inspect

    from solcoder.tools.registry import ToolRegistry
    from solcoder.tools.toolkits import BaselineRegistry

    for method in (ToolRegistry.register, ToolRegistry.tool, BaselineRegistry.register):
        parameter = inspect.signature(method).parameters["effect"]
        assert parameter.default is inspect.Parameter.empty, method.__qualname__

    def ping() -> str:
        """Answer."""
        return "pong"

    with pytest.raises(TypeError, match="effect"):
        ToolRegistry().register(ping, toolkit="t")  # type: ignore[call-arg]
