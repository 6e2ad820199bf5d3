"""The review toolkit: the model's `review_code` tool over the security review engine.

The engine (`solcoder.solana.review`) parses Rust with tree-sitter, models Anchor and native
programs and runs the finding classes; this module only adapts pasted source to it and its
report to the tool's output, so the model and offline mode get findings with a line, a
severity, a reason and a fix.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from solcoder.solana.review import CLASSES, SEVERITY_ORDER, Severity, review_source
from solcoder.tools.registry import ToolRegistry

TOOLKIT = "review"
_MAX_SOURCE = 400_000
_CLIENT_CLASSES = frozenset(
    {"secret_key_in_source", "skip_preflight", "deprecated_confirmation", "public_rpc"}
)
RUST_CHECKS = tuple(name for name in CLASSES if name not in _CLIENT_CLASSES)
TYPESCRIPT_CHECKS = (
    "secret_key_in_source",
    "secret_in_log",
    "skip_preflight",
    "deprecated_confirmation",
    "public_rpc",
)


class Finding(BaseModel):
    rule: str = Field(description="The finding class (stable name).")
    severity: Severity
    line: int = Field(description="1-based line number in the reviewed source.")
    message: str
    fix: str
    code: str = Field(description="The source line, trimmed.")


class Review(BaseModel):
    language: str
    summary: str
    findings: list[Finding]
    counts: dict[str, int]
    checks: list[str] = Field(description="The rules that were run.")
    note: str


def review_code(
    source: str = "",
    language: Literal["rust", "typescript"] = "rust",
    paths: list[str] | None = None,
) -> Review | dict[str, Any]:
    """Security review of Solana programs (Anchor/native Rust) and clients (TypeScript):
    missing signer/owner checks, has_one, type cosplay, reinitialisation, arbitrary CPI, PDA
    and bump misuse, insecure close, unchecked arithmetic, leaked secrets. Give `paths`
    (workspace files or folders: whole programs) or one file's `source`.

    Args:
        source: The complete source of one file (when no paths are given).
        language: For `source`: "rust" for on-chain programs, "typescript" for clients.
        paths: Workspace paths to review, like ["programs/vault"] or ["."] for everything.
    """
    if paths:
        return _review_workspace_paths(paths)
    if not source.strip():
        raise ValueError("give `paths` (workspace files or folders) or the `source` to review")
    source = source[:_MAX_SOURCE]
    lines = source.split("\n")  # only `\n` ends a line, as in the engine's line numbers
    report = review_source(source, "lib.rs" if language == "rust" else "client.ts")
    findings = [
        Finding(
            rule=item.klass,
            severity=item.severity,
            line=item.line,
            message=item.message,
            fix=item.fix,
            code=lines[item.line - 1].strip()[:200] if 0 < item.line <= len(lines) else "",
        )
        for item in sorted(report.findings, key=lambda item: (item.line, item.klass))
    ]
    counts: dict[str, int] = {
        level: sum(f.severity == level for f in findings) for level in SEVERITY_ORDER
    }
    return Review(
        language=language,
        summary=_summary(findings, counts),
        findings=findings,
        counts=counts,
        checks=list(RUST_CHECKS if language == "rust" else TYPESCRIPT_CHECKS),
        note="Static checks over a parsed program: they can miss issues and flag intended "
        "code. Confirm each finding by reading the code; absence of findings is not an audit.",
    )


MAX_FINDINGS_FOR_MODEL = 100


def _review_workspace_paths(paths: list[str]) -> dict[str, Any]:
    """`paths` resolved by the workspace rules (inside the root, never a secret), reviewed by
    the engine; findings as the `--json` lines carry them, most severe first."""
    from solcoder.config.loader import resolve_home
    from solcoder.solana.review import review_paths, severity_rank
    from solcoder.tools.launch_root import launch_root
    from solcoder.workspace.paths import PathRefused, Workspace

    root = launch_root()
    rules = Workspace(root, solcoder_home=resolve_home(None, os.environ, Path.cwd()))
    targets = []
    for path in paths:
        try:
            target = rules.resolve(path)
        except PathRefused as error:
            raise ValueError(str(error)) from None
        if not target.absolute.exists():
            raise ValueError(f"`{path}` does not exist in the workspace; list_files shows it.")
        reason = rules.secret_reason(target)
        if reason is not None:
            raise ValueError(f"`{target.relative}` holds secrets ({reason}); it is not reviewed.")
        targets.append(target.absolute)
    report = review_paths(targets, root=rules.root)
    findings = sorted(report.findings, key=lambda f: (severity_rank(f.severity), f.path, f.line))
    shown = [
        {key: value for key, value in finding.to_json().items() if key != "type"}
        for finding in findings[:MAX_FINDINGS_FOR_MODEL]
    ]
    summary = report.summary_json()
    return {
        "summary": f"{len(findings)} findings in {summary['programs']} programs "
        f"({summary['files']} files).",
        "programs": [
            {"name": p.name, "path": p.path, "kind": p.kind, "files": len(p.files)}
            for p in report.programs
        ],
        "findings": shown,
        "omitted": max(0, len(findings) - MAX_FINDINGS_FOR_MODEL),
        "by_severity": summary["by_severity"],
        "problems": list(report.problems),
        "note": "Static checks: confirm each finding by reading the code; no finding is not an "
        "audit.",
    }


def _summary(findings: list[Finding], counts: dict[str, int]) -> str:
    if not findings:
        return "No issues found by the static checklist."
    parts = [f"{count} {level}" for level, count in counts.items() if count]
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} {noun}: {', '.join(parts)}."


def register(registry: ToolRegistry) -> None:
    registry.register(review_code, toolkit=TOOLKIT, timeout=60, effect="read_only")
