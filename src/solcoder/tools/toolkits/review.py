"""The review toolkit: a static security checklist over Anchor/Rust and TypeScript source.

It gives the model (and offline mode) findings with a line number, a severity and a fix, so a
review starts from concrete places in the code. The rules themselves live in `review_rules.py`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import review_anchor as anchor
from solcoder.tools.toolkits import review_flow as flow
from solcoder.tools.toolkits import review_rules as rules
from solcoder.tools.toolkits.review_source import RustFile

TOOLKIT = "review"
Severity = rules.Severity
_SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low")
_MAX_SOURCE = 400_000

RUST_CHECKS = (
    "missing_signer",
    "missing_owner_check",
    "missing_has_one",
    "type_cosplay",
    "arbitrary_cpi",
    "non_canonical_bump",
    "manual_close",
    "duplicate_mutable_accounts",
    "unchecked_account",
    "init_if_needed",
    "unchecked_arithmetic",
    "unwrap",
    "hardcoded_pubkey",
    "secret_in_log",
    "remaining_accounts",
)
TYPESCRIPT_CHECKS = (
    "secret_key_in_source",
    "secret_in_log",
    "skip_preflight",
    "deprecated_confirmation",
    "public_rpc",
)


class Finding(BaseModel):
    rule: str
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
    missing signer/owner checks, type cosplay, arbitrary CPI, PDA and bump misuse, insecure
    close, unchecked arithmetic, leaked secrets. Give `paths` (workspace files or folders:
    whole programs are reviewed) or one file's `source`. Findings carry line, severity, fix.

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
    lines = source.split("\n")  # only `\n` ends a line, as in the rules' line numbers
    found = _rust(source) if language == "rust" else _typescript(lines)
    unique = {(item.rule, item.line): item for item in found}
    findings = [
        Finding(
            rule=item.rule,
            severity=item.severity,
            line=item.line,
            message=item.message,
            fix=item.fix,
            code=lines[item.line - 1].strip()[:200],
        )
        for item in sorted(unique.values(), key=lambda item: (item.line, item.rule))
    ]
    counts: dict[str, int] = {
        level: sum(f.severity == level for f in findings) for level in _SEVERITY_ORDER
    }
    return Review(
        language=language,
        summary=_summary(findings, counts),
        findings=findings,
        counts=counts,
        checks=list(RUST_CHECKS if language == "rust" else TYPESCRIPT_CHECKS),
        note="Heuristic line-based checks: they can miss issues and flag intended code. Confirm "
        "each finding by reading the code; absence of findings is not an audit.",
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


def _rust(source: str) -> list[rules.RawFinding]:
    rust = RustFile(source)
    found = list(anchor.check_structs(rust, flow.cpi_targets(rust)))
    found.extend(flow.check_functions(rust))
    tests_line = rust.line(rust.tests_start)
    for number, code in enumerate(rust.code_lines(), start=1):
        if code.strip():
            found.extend(rules.check_rust_line(number, code, in_tests=number >= tests_line))
    if not rust.structs and "anchor_lang" not in rust.code:
        found.extend(rules.check_native(rust.code_lines()))
    return found


def _typescript(lines: list[str]) -> list[rules.RawFinding]:
    found: list[rules.RawFinding] = []
    for number, text in enumerate(lines, start=1):
        code = rules.strip_comment(text)
        if code.strip():
            found.extend(rules.check_typescript_line(number, code))
    return found


def _summary(findings: list[Finding], counts: dict[str, int]) -> str:
    if not findings:
        return "No issues found by the static checklist."
    parts = [f"{count} {level}" for level, count in counts.items() if count]
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} {noun}: {', '.join(parts)}."


def register(registry: ToolRegistry) -> None:
    registry.register(review_code, toolkit=TOOLKIT, timeout=60, effect="read_only")
