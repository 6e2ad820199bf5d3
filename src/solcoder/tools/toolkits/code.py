"""The code toolkit: program starters and explanations of error messages.

`scaffold_files` renders a new program's starter files; the `scaffold_program` tool
(`tools/program_tools.py`) writes them through the workspace, with a diff, approval and a
checkpoint, like any edit. `explain_error` turns the error text people paste (RPC responses,
program logs, Anchor client errors) into causes and fixes.
"""

from __future__ import annotations

import re
from typing import Any

from solcoder.solana import error_catalog
from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import scaffold_templates as templates

TOOLKIT = "code"
_MAX_ERROR_TEXT = 20_000


def scaffold_files(name: str, framework: str = "anchor") -> tuple[str, dict[str, str], list[str]]:
    """(crate name, {relative path: content}, next commands) of a new program's starter. The
    Anchor starter is a small counter showing safe patterns (PDA seeds with a stored bump,
    has_one, Signer, checked arithmetic, custom errors) plus a TypeScript test; the
    `scaffold_program` tool (tools/program_tools.py) writes these through the workspace."""
    if framework not in ("anchor", "native"):
        raise ValueError(f"framework must be 'anchor' or 'native', not {framework!r}")
    crate = _snake_case(name)
    values = {
        "name": crate,
        "type_name": "".join(part.capitalize() for part in crate.split("_")),
        "program_id": templates.PLACEHOLDER_PROGRAM_ID,
        "anchor_version": templates.ANCHOR_VERSION,
    }
    if framework == "anchor":
        files = {
            "Anchor.toml": templates.ANCHOR_TOML,
            "Cargo.toml": templates.WORKSPACE_CARGO_TOML,
            f"programs/{crate}/Cargo.toml": templates.ANCHOR_PROGRAM_CARGO_TOML,
            f"programs/{crate}/src/lib.rs": templates.ANCHOR_LIB_RS,
            f"tests/{crate}.ts": templates.ANCHOR_TEST_TS,
            "package.json": templates.PACKAGE_JSON,
            "tsconfig.json": templates.TSCONFIG_JSON,
            ".gitignore": templates.GITIGNORE,
        }
        commands = [
            "npm install (or yarn install)",
            "anchor build",
            "anchor keys sync   # replaces the placeholder program id with this workspace's own",
            "anchor build",
            "anchor test   # Anchor 1.x runs it against a local Surfpool network",
        ]
    else:
        files = {
            "Cargo.toml": templates.NATIVE_CARGO_TOML,
            "src/lib.rs": templates.NATIVE_LIB_RS,
            ".gitignore": templates.NATIVE_GITIGNORE,
        }
        commands = [
            "cargo build-sbf",
            f"solana program deploy target/deploy/{crate}.so   # against a local validator first",
        ]
    rendered = {path: text.format(**values) for path, text in files.items()}
    return crate, rendered, commands


def explain_error(message: str) -> dict[str, Any]:
    """Explain a Solana or Anchor error message (or program logs): likely causes and fixes.
    Decodes `custom program error: 0x…` codes for the System, Token and Anchor programs.

    Args:
        message: The error text or program logs, as printed.
    """
    result = error_catalog.explain(message[:_MAX_ERROR_TEXT])
    if not result["matches"] and not result["error_codes"]:
        result["advice"] = (
            "Not a known error. Read the program logs (the simulation result's `logs`, or "
            "`solana logs` while retrying): the lines just before `Program <id> failed` say what "
            "went wrong. Re-run with the full logs for a better explanation."
        )
    return result


def _snake_case(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    crate = re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")
    if not crate or not crate[0].isalpha():
        raise ValueError(f"program name {name!r} must start with a letter, e.g. 'my_program'")
    return crate


def register(registry: ToolRegistry) -> None:
    registry.register(explain_error, toolkit=TOOLKIT, timeout=10, effect="read_only")
