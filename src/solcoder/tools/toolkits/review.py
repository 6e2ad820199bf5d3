"""The review toolkit: the model's `review_code` tool over the security review engine.

The engine (`solcoder.solana.review`) parses Rust with tree-sitter, models Anchor and native
programs and runs the finding classes; this module only adapts pasted source to it and its
report to the tool's output, so the model and offline mode get findings with a line, a
severity, a reason and a fix.
"""

from __future__ import annotations

from typing import Literal

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


def review_code(source: str, language: Literal["rust", "typescript"] = "rust") -> Review:
    """Review Solana program (Rust/Anchor/native) or client (TypeScript) source for security
    holes: missing signer or owner check, account not tied to its state (has_one), type
    cosplay, reinitialisation, arbitrary CPI, duplicate mutable accounts, non-canonical bump,
    PDA sharing, insecure close, sysvar spoofing, unchecked arithmetic, logged secrets.
    Returns findings with line, severity, why and fix.

    Args:
        source: The complete source file to review.
        language: "rust" for on-chain programs, "typescript" for clients and tests.
    """
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


def _summary(findings: list[Finding], counts: dict[str, int]) -> str:
    if not findings:
        return "No issues found by the static checklist."
    parts = [f"{count} {level}" for level, count in counts.items() if count]
    noun = "finding" if len(findings) == 1 else "findings"
    return f"{len(findings)} {noun}: {', '.join(parts)}."


def register(registry: ToolRegistry) -> None:
    registry.register(review_code, toolkit=TOOLKIT, timeout=20, effect="read_only")
