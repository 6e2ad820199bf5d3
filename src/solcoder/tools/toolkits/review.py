"""The review toolkit: a static security checklist over Anchor/Rust and TypeScript source.

It gives the model (and offline mode) findings with a line number, a severity and a fix, so a
review starts from concrete places in the code. The rules themselves live in `review_rules.py`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from solcoder.tools.registry import ToolRegistry
from solcoder.tools.toolkits import review_rules as rules

TOOLKIT = "review"
Severity = rules.Severity
_SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low")
_MAX_SOURCE = 400_000

RUST_CHECKS = (
    "missing_signer",
    "unchecked_account",
    "arbitrary_cpi",
    "missing_has_one",
    "init_if_needed",
    "unchecked_arithmetic",
    "unwrap",
    "hardcoded_pubkey",
    "secret_in_log",
    "manual_close",
    "non_canonical_bump",
    "remaining_accounts",
    "missing_owner_check",
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


def review_code(source: str, language: Literal["rust", "typescript"] = "rust") -> Review:
    """Review Solana program (Rust/Anchor) or client (TypeScript) source against a static
    security checklist: signer and owner checks, unchecked accounts, arbitrary CPI, missing
    has_one, init_if_needed, unchecked arithmetic, unwrap, hard-coded keys, secrets in logs.
    Returns findings with line numbers, severities and fixes.

    Args:
        source: The complete source file to review.
        language: "rust" for on-chain programs, "typescript" for clients and tests.
    """
    lines = source[:_MAX_SOURCE].splitlines()
    found = list(_rust(lines) if language == "rust" else _typescript(lines))
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


def _rust(lines: list[str]) -> list[rules.RawFinding]:
    found: list[rules.RawFinding] = []
    is_anchor = any(re.search(r"#\[derive\([^)]*\bAccounts\b|anchor_lang", t) for t in lines)
    for fields in rules.accounts_structs(lines):
        found.extend(rules.check_accounts(fields))
    in_tests = False
    for number, text in enumerate(lines, start=1):
        in_tests = in_tests or "#[cfg(test)]" in text
        code = rules.strip_comment(text)
        if code.strip():
            found.extend(rules.check_rust_line(number, code, in_tests=in_tests))
    if not is_anchor:
        found.extend(rules.check_native(lines))
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
    registry.register(review_code, toolkit=TOOLKIT, timeout=20)
