"""What a build or test run printed, reduced to what the model needs to fix it.

A failing build prints hundreds of lines; the model needs the errors with their file and line,
the compiler's own suggested fix, and the failing tests with where they panicked. Cargo's JSON
message stream (`--message-format=json`) is parsed when present because it is exact; Anchor and
`cargo build-sbf` runs without it print rustc's human format, read by `parse_rendered` as a
fallback. `summarise` puts errors first, then warnings, tests and Solana program errors, capped
so one bad build cannot fill the context window.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from solcoder.solana.program_errors import ProgramError, find_program_errors
from solcoder.solana.testrun import TestRun, parse_test_output

MAX_SUMMARY_CHARS = 4_000
MAX_ITEMS = 12
_MAX_RENDERED = 2_000
_MAX_LINE = 300

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NOISE = re.compile(
    r"^(aborting due to|\d+ warnings? emitted|could not compile|"
    r"`[^`]+` \([^)]*\) generated \d+ warnings?|build failed|some errors have detailed|"
    r"test failed, to rerun|\d+ targets? failed)",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^(error|warning)(?:\[([A-Za-z0-9_:]+)\])?: (.+)$")
_LOCATION = re.compile(r"^\s*--> (.+?):(\d+):(\d+)\s*$")
_HELP = re.compile(r"^\s*(?:=\s*)?help: (.+)$")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    level: str
    code: str | None
    message: str
    file: str | None
    line: int | None
    column: int | None
    suggestion: str | None
    rendered: str


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one run printed, parsed. `build_succeeded` is cargo's `build-finished`
    verdict (None when the output had none)."""

    diagnostics: tuple[Diagnostic, ...] = ()
    build_succeeded: bool | None = None
    tests: TestRun = field(default_factory=TestRun)
    program_errors: tuple[ProgramError, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.level == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.level == "warning")


def parse_cargo_json(lines: str | Iterable[str]) -> tuple[list[Diagnostic], bool | None]:
    """Diagnostics from cargo's JSON message stream, deduplicated (a `cargo test` compiles a
    crate twice and reports each warning twice), and the `build-finished` verdict. Lines that
    are not JSON objects (test output, Anchor's own lines) are skipped."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    found: dict[tuple[Any, ...], Diagnostic] = {}
    succeeded: bool | None = None
    for line in lines:
        record = _json_object(line)
        if record is None:
            continue
        if record.get("reason") == "build-finished":
            succeeded = bool(record.get("success"))
        elif record.get("reason") == "compiler-message" and isinstance(record.get("message"), dict):
            diagnostic = _from_json(record["message"])
            if diagnostic is not None:
                key = (diagnostic.level, diagnostic.code, diagnostic.message, diagnostic.file)
                found.setdefault((*key, diagnostic.line, diagnostic.column), diagnostic)
    return list(found.values()), succeeded


def parse_rendered(text: str) -> list[Diagnostic]:
    """Diagnostics from rustc's human format (`error[E0308]: ...` then `--> file:line:col`),
    the fallback for output without JSON messages."""
    lines = _ANSI.sub("", text).splitlines()
    found: list[Diagnostic] = []
    index = 0
    while index < len(lines):
        header = _HEADER.match(lines[index])
        if header is None or _NOISE.match(header.group(3)):
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not _HEADER.match(lines[end]) and _continues(lines, end):
            end += 1
        block = lines[index:end]
        location = next((m for line in block[1:4] if (m := _LOCATION.match(line))), None)
        helps = [m.group(1).strip() for line in block if (m := _HELP.match(line))]
        found.append(
            Diagnostic(
                level=header.group(1),
                code=header.group(2),
                message=header.group(3).strip(),
                file=location.group(1) if location else None,
                line=int(location.group(2)) if location else None,
                column=int(location.group(3)) if location else None,
                suggestion=helps[0] if helps else None,
                rendered="\n".join(block)[:_MAX_RENDERED],
            )
        )
        index = end
    return found


def analyse(output: str) -> Report:
    """Parse one run's combined output: JSON diagnostics when there are any (else the human
    format), test results, and Solana program errors."""
    diagnostics, succeeded = parse_cargo_json(output)
    if not diagnostics and succeeded is None:  # no cargo JSON at all: rustc's human format
        diagnostics = parse_rendered(output)
    tests = parse_test_output(output)
    failures = "\n".join(outcome.message for outcome in tests.failures)
    return Report(
        tuple(diagnostics),
        succeeded,
        tests,
        tuple(find_program_errors(output + "\n" + failures)),
    )


def summarise(
    run: str | Report, *, max_chars: int = MAX_SUMMARY_CHARS, max_items: int = MAX_ITEMS
) -> str:
    """A compact text for the model: errors first (`file:line: error[E0308]: message`, then
    `fix: ...` when the compiler suggested one), warnings, counts, the failing tests with
    their panic location and message, and known program errors with cause and fix."""
    report = analyse(run) if isinstance(run, str) else run
    lines: list[str] = []
    errors, warnings = report.errors, report.warnings
    if report.diagnostics or report.build_succeeded is not None:
        verdict = {True: "succeeded", False: "FAILED", None: "finished"}[report.build_succeeded]
        if report.build_succeeded is None and errors:
            verdict = "FAILED"
        lines.append(
            f"build {verdict}: {_count(len(errors), 'error')}, {_count(len(warnings), 'warning')}"
        )
    shown = [*errors, *warnings][:max_items]
    lines += [line for diagnostic in shown for line in _diagnostic_lines(diagnostic)]
    if len(errors) + len(warnings) > len(shown):
        lines.append(f"... {len(errors) + len(warnings) - len(shown)} more diagnostics not shown")
    lines += report.tests.summary_lines(max_items)
    if report.program_errors:
        lines.append("program errors:")
        for error in report.program_errors[:max_items]:
            lines += [f"  {line}" for line in error.summary_lines()]
    if not lines:
        return "No compiler diagnostics, test results or program errors found in the output."
    return _cap("\n".join(lines), max_chars)


def _diagnostic_lines(diagnostic: Diagnostic) -> list[str]:
    where = diagnostic.file or "?"
    if diagnostic.line is not None:
        where += f":{diagnostic.line}"
    code = f"[{diagnostic.code}]" if diagnostic.code else ""
    lines = [_clip(f"{where}: {diagnostic.level}{code}: {diagnostic.message}")]
    if diagnostic.suggestion:
        lines.append(_clip(f"  fix: {diagnostic.suggestion}"))
    return lines


def _from_json(message: dict[str, Any]) -> Diagnostic | None:
    level = str(message.get("level", ""))
    text = str(message.get("message", ""))
    if level not in ("error", "warning") or _NOISE.match(text):
        return None
    code = message.get("code")
    spans = _spans(message)
    primary = next((s for s in spans if s.get("is_primary")), spans[0] if spans else {})
    return Diagnostic(
        level=level,
        code=str(code["code"]) if isinstance(code, dict) and code.get("code") else None,
        message=text,
        file=_str_or_none(primary.get("file_name")),
        line=_int_or_none(primary.get("line_start")),
        column=_int_or_none(primary.get("column_start")),
        suggestion=_suggestion(message, _int_or_none(primary.get("line_start"))),
        rendered=_ANSI.sub("", str(message.get("rendered") or ""))[:_MAX_RENDERED],
    )


def _suggestion(message: dict[str, Any], line: int | None) -> str | None:
    """The first machine-applicable replacement, worded as the help message says it:
    `help text: `replacement``, with the place it goes when that differs from the error."""
    for child in [message, *_children(message)]:
        for span in _spans(child):
            replacement = span.get("suggested_replacement")
            if isinstance(replacement, str):
                help_text = str(child.get("message", "replace with")).rstrip(":")
                at = _int_or_none(span.get("line_start"))
                place = f" (at line {at})" if at is not None and at != line else ""
                return f"{help_text}: `{replacement}`{place}"
    return None


def _spans(message: dict[str, Any]) -> list[dict[str, Any]]:
    spans = message.get("spans")
    return [s for s in spans if isinstance(s, dict)] if isinstance(spans, list) else []


def _children(message: dict[str, Any]) -> list[dict[str, Any]]:
    children = message.get("children")
    return [c for c in children if isinstance(c, dict)] if isinstance(children, list) else []


def _json_object(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _continues(lines: list[str], index: int) -> bool:
    """A diagnostic block runs until a blank line that is not followed by more of it."""
    if lines[index].strip():
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return following.startswith((" ", "\t")) and bool(following.strip())


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _clip(line: str) -> str:
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 1] + "…"


def _cap(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text.rfind("\n", 0, max_chars - 40)
    kept = text[: cut if cut > 0 else max_chars - 40]
    return f"{kept}\n... (summary cut at {max_chars} characters)"


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
