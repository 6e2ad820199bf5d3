"""What running a tool can do to the world, declared by every tool when it is registered.

The approval policy (`solcoder.agent.approval`) decides from this declaration, not from the
tool's name: a read-only built-in runs without asking, everything else asks (or, without a
terminal, is declined). An outside tool (an MCP server's) cannot be vouched for, whatever its
server claims, so it is "unknown" and treated like the riskiest kind.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Effect = Literal[
    "read_only",
    "reads_secrets",
    "writes_files",
    "writes_settings",
    "runs_programs",
    "network",
    "signs",
    "unknown",
]
"""read_only: reads local data and answers (no change anywhere); reads_secrets: a read of a
secret (a keypair, `.env`, credentials), never declared by a tool but assessed per call
(`registry.Assessment`); writes_files: changes files; writes_settings: changes SolCoder's
project settings (`.solcoder/`: hooks, approval rules), assessed per call like a secret;
runs_programs: starts programs chosen or fed by the model; network: talks to other machines;
signs: uses a keypair (spends funds, deploys); unknown: declared by an outside server."""

EFFECTS: Final[tuple[Effect, ...]] = get_args(Effect)

BUILTIN_ORIGIN: Final = "solcoder"
"""The `origin` of SolCoder's own tools; MCP tools have `mcp:SERVER`."""

_DESCRIPTIONS: Final[dict[str, str]] = {
    "read_only": "reads only",
    "reads_secrets": "reads a secret (a keypair, credentials or an environment file)",
    "writes_files": "writes files",
    "writes_settings": "changes SolCoder's project settings (.solcoder/: hooks, approvals)",
    "runs_programs": "runs programs",
    "network": "uses the network",
    "signs": "signs with a keypair (may spend funds)",
    "unknown": "has unknown effects (an outside tool)",
}


def describe(effect: str) -> str:
    """A few words for people ("signs with a keypair (may spend funds)")."""
    return _DESCRIPTIONS.get(effect, "has unknown effects")


def runs_unasked(effect: str, origin: str) -> bool:
    """Whether the default policy lets a call run without asking: only SolCoder's own tools
    that declare they only read. An outside tool's claim of "read only" is not trusted."""
    return effect == "read_only" and origin == BUILTIN_ORIGIN


def check_effect(effect: str) -> Effect:
    """`effect` as an `Effect`; ValueError naming the accepted ones otherwise."""
    for known in EFFECTS:
        if effect == known:
            return known
    raise ValueError(f"effect {effect!r} must be one of: {', '.join(EFFECTS)}")
