"""Test results from the text test runners print: Rust's libtest (`cargo test`, also what
`anchor test` runs for Rust/LiteSVM tests) and mocha (the TypeScript tests of older Anchor
templates).

Neither runner has a stable machine format (libtest's JSON output is nightly-only), so the
plain text is read: `test NAME ... ok|FAILED|ignored`, the `---- NAME stdout ----` sections with
`thread 'NAME' panicked at FILE:LINE:COL:` (the message on the following lines; before Rust
1.73, `panicked at 'MESSAGE', FILE:LINE:COL`), and every `test result:` line (one per test
binary). Mocha gives `N passing` / `N failing` and numbered failure blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_MAX_MESSAGE = 600
_RESULT = re.compile(
    r"^test (.+?) \.\.\. (ok|FAILED|ignored)(?:, .*)?$",
)
_SECTION = re.compile(r"^---- (.+?) (?:stdout|stderr) ----$")
_PANIC = re.compile(
    r"^thread '([^']*)'(?: \(\d+\))? panicked at (?:'(.*)', )?([^\s:][^:]*):(\d+):(\d+):?$"
)
_MESSAGE_END = re.compile(r"^(note: |stack backtrace:|\s+\d+: |failures:$|---- )")
_SUMMARY = re.compile(
    r"^test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored", re.MULTILINE
)
_MOCHA_COUNT = re.compile(r"^\s*(\d+) (passing|failing|pending)\b", re.MULTILINE)
_MOCHA_FAILURE = re.compile(r"^\s*(\d+)\) (.+)$")


@dataclass(frozen=True, slots=True)
class TestOutcome:
    name: str
    passed: bool
    message: str = ""
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class TestRun:
    """The outcomes named in the output and the totals the runners printed (summed over test
    binaries; from the outcomes when no runner printed totals)."""

    outcomes: tuple[TestOutcome, ...] = ()
    passed: int = 0
    failed: int = 0
    ignored: int = 0
    found: bool = False
    """Whether the output held any test results at all."""
    runner: str = field(default="")

    @property
    def failures(self) -> tuple[TestOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.passed)

    def summary_lines(self, max_items: int) -> list[str]:
        if not self.found:
            return []
        lines = [f"tests: {self.passed} passed, {self.failed} failed, {self.ignored} ignored"]
        failures = self.failures
        for outcome in failures[:max_items]:
            where = f" at {outcome.file}:{outcome.line}" if outcome.file else ""
            message = " | ".join(part.strip() for part in outcome.message.splitlines()[:6])
            lines.append(f"FAILED {outcome.name}{where}" + (f": {message}" if message else ""))
        if len(failures) > max_items:
            lines.append(f"... {len(failures) - max_items} more failing tests not shown")
        return lines


def parse_test_output(text: str) -> TestRun:
    if _SUMMARY.search(text) or _RESULT.search(text.replace("\r", "")):
        return _parse_libtest(text)
    if _MOCHA_COUNT.search(text):
        return _parse_mocha(text)
    return TestRun()


def _parse_libtest(text: str) -> TestRun:
    lines = text.replace("\r", "").splitlines()
    status: dict[str, bool] = {}
    ignored = 0
    for text_line in lines:
        match = _RESULT.match(text_line)
        if match is None:
            continue
        if match.group(2) == "ignored":
            ignored += 1
        else:
            status[match.group(1).removesuffix(" - should panic")] = match.group(2) == "ok"
    panics = _panics(lines)
    outcomes = []
    for name, ok in status.items():
        message, file, line = panics.get(name, ("", None, None))
        outcomes.append(TestOutcome(name, ok, "" if ok else message, file, line))
    totals = [tuple(int(g) for g in m.groups()[1:]) for m in _SUMMARY.finditer(text)]
    if totals:
        passed, failed, ignored = (sum(column) for column in zip(*totals, strict=True))
    else:
        failed = sum(1 for ok in status.values() if not ok)
        passed = len(status) - failed
    return TestRun(tuple(outcomes), passed, failed, ignored, True, "libtest")


def _panics(lines: list[str]) -> dict[str, tuple[str, str | None, int | None]]:
    """Each test's panic: message, file and line, from its `---- NAME stdout ----` section."""
    found: dict[str, tuple[str, str | None, int | None]] = {}
    section: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        header = _SECTION.match(line)
        if header:
            section = header.group(1)
        panic = _PANIC.match(line)
        owner = section or (panic.group(1) if panic else None)
        if panic and owner and owner not in found:
            message_lines = [panic.group(2)] if panic.group(2) is not None else []
            end = index + 1
            while panic.group(2) is None and end < len(lines):
                if _MESSAGE_END.match(lines[end]) or _RESULT.match(lines[end]):
                    break
                message_lines.append(lines[end])
                end += 1
            message = "\n".join(message_lines).strip()[:_MAX_MESSAGE]
            found[owner] = (message, panic.group(3), int(panic.group(4)))
            index = end
            continue
        index += 1
    return found


def _parse_mocha(text: str) -> TestRun:
    counts = {kind: int(number) for number, kind in _MOCHA_COUNT.findall(text)}
    lines = text.replace("\r", "").splitlines()
    start = next(
        (i for i, line in enumerate(lines) if re.match(r"^\s*\d+ failing\b", line)), len(lines)
    )
    outcomes: list[TestOutcome] = []
    index = start + 1
    while index < len(lines):
        header = _MOCHA_FAILURE.match(lines[index])
        if header is None:
            index += 1
            continue
        name_parts = [header.group(2).strip().rstrip(":")]
        index += 1
        while index < len(lines) and lines[index].strip().endswith(":"):
            if "Error" in lines[index]:
                break
            name_parts.append(lines[index].strip().rstrip(":"))
            index += 1
        message_lines = []
        while index < len(lines) and not _MOCHA_FAILURE.match(lines[index]):
            stripped = lines[index].strip()
            if stripped and not stripped.startswith("at "):
                message_lines.append(stripped)
            index += 1
        message = "\n".join(message_lines)[:_MAX_MESSAGE]
        outcomes.append(TestOutcome(" ".join(name_parts), False, message))
    return TestRun(
        tuple(outcomes),
        counts.get("passing", 0),
        counts.get("failing", 0),
        counts.get("pending", 0),
        True,
        "mocha",
    )
