"""The engine behind `search_files`: a regex over the workspace's text files, line by line.

ripgrep does the work when it is installed (it comes with SolCoder as a wheel); a pure-Python
walk gives the same answer when it is not, so the model never learns which one ran. Both read
the same files (`ignore.py`), skip the same binaries (any NUL byte), sort by path then line,
and stop counting at the same place, so a search with thousands of hits costs a bounded
amount of time and tokens. Secrets are kept out twice: `exclude` globs are never searched, and
`skip` drops a file with matches after the fact (a keypair recognised by its content).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solcoder.workspace.ignore import Overrides, override_globs, walk
from solcoder.workspace.ripgrep import TIMEOUT_S, common_arguments, environment, ripgrep_path

__all__ = ["Match", "SearchError", "SearchResult", "ripgrep_path", "search"]

COUNT_FACTOR = 10
"""Matches are counted up to this many times `max_matches`, then reading stops."""

ENGINES = ("ripgrep", "python")


class SearchError(Exception):
    """The search cannot run as asked; the message is a sentence for the model."""


@dataclass(frozen=True, slots=True)
class Match:
    path: str
    """Relative to the workspace root, POSIX."""
    line: int
    text: str
    """The line without its terminator (`\\r\\n` or `\\n`), cut to `max_line_chars`."""

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.text}"


@dataclass(frozen=True, slots=True)
class SearchResult:
    matches: tuple[Match, ...]
    files_with_matches: int
    truncated: bool
    engine: str
    total: int = field(default=0)
    """Matching lines counted (at least `len(matches)`)."""
    counted_all: bool = field(default=True)
    """False when counting stopped early: `total` is then a lower bound."""

    def render(self) -> str:
        if not self.matches:
            return (
                "No matches. The pattern is a case-sensitive regular expression (Rust syntax; "
                "(?i) ignores case) over files not excluded by .gitignore; try a simpler "
                "pattern, a wider path, or no glob."
            )
        lines = [match.render() for match in self.matches]
        if self.truncated:
            more = self.total - len(self.matches)
            amount = f"{more:,}" if self.counted_all else f"at least {more:,}"
            lines.append(
                f"… {amount} more matches not shown (in {self.files_with_matches:,} files); "
                "narrow the pattern or pass path/glob"
            )
        return "\n".join(lines)


def search(
    root: Path,
    pattern: str,
    *,
    base: Path | None = None,
    glob: str | None = None,
    exclude: Sequence[str] = (),
    skip: Callable[[str], bool] | None = None,
    max_matches: int = 200,
    max_line_chars: int = 300,
    engine: str | None = None,
) -> SearchResult:
    """Lines matching `pattern` in the files under `base` (default: `root`, both resolved,
    `base` inside `root`). `glob` keeps only files it matches and `exclude` globs are never
    searched, both gitignore-style and relative to `base`; `skip(path)` drops a file with
    matches. `engine` is "ripgrep", "python", or None for ripgrep when installed.
    Raises SearchError for an invalid pattern or a search that times out."""
    base = root if base is None else base
    prefix = _prefix(root, base)
    globs = override_globs(glob, exclude)
    tally = _Tally(prefix, skip, max_matches, max_line_chars)
    executable = ripgrep_path()
    if engine not in (None, *ENGINES):
        raise ValueError(f"unknown search engine {engine!r}")
    if engine == "ripgrep" and executable is None:
        raise SearchError("ripgrep (rg) is not installed; search with engine='python'.")
    if engine == "python" or executable is None:
        _search_python(base, pattern, globs, tally)
        return tally.result("python")
    _search_ripgrep(executable, base, pattern, globs, tally)
    return tally.result("ripgrep")


def _prefix(root: Path, base: Path) -> str:
    relative = base.relative_to(root).as_posix()
    return "" if relative == "." else relative + "/"


class _Tally:
    """Files with matches, in path order, until enough have been counted."""

    def __init__(
        self, prefix: str, skip: Callable[[str], bool] | None, keep: int, width: int
    ) -> None:
        self.prefix = prefix
        self.skip = skip
        self.keep = keep
        self.width = width
        self.limit = max(keep * COUNT_FACTOR, 1)
        self.kept: list[Match] = []
        self.total = 0
        self.files = 0
        self.full = False

    def add(self, relative: str, lines: Iterable[tuple[int, str]]) -> None:
        """Record one file's matching lines (`relative` to the searched directory)."""
        path = self.prefix + relative
        if self.skip is not None and self.skip(path):
            return
        counted = 0
        for number, text in lines:
            if self.total >= self.limit:
                self.full = True
                break
            self.total += 1
            counted += 1
            if len(self.kept) < self.keep:
                self.kept.append(Match(path, number, self._cut(text)))
        if counted:
            self.files += 1
        if self.total >= self.limit:
            self.full = True

    def _cut(self, text: str) -> str:
        text = text.removesuffix("\n").removesuffix("\r")
        return text if len(text) <= self.width else text[: self.width] + "…"

    def result(self, engine: str) -> SearchResult:
        return SearchResult(
            matches=tuple(self.kept),
            files_with_matches=self.files,
            truncated=self.full or self.total > len(self.kept),
            engine=engine,
            total=self.total,
            counted_all=not self.full,
        )


def _search_ripgrep(
    executable: str, base: Path, pattern: str, globs: Sequence[str], tally: _Tally
) -> None:
    arguments = [
        executable,
        "--json",
        "--sort",
        "path",
        "--encoding",
        "none",
        *common_arguments(globs),
        "--regexp",
        pattern,
        ".",
    ]
    process = subprocess.Popen(
        arguments,
        cwd=base,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    )
    timer = threading.Timer(TIMEOUT_S, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        produced = _read_messages(process.stdout, tally)
        if tally.full:
            process.kill()
        _, errors = process.communicate()
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    if tally.full:
        return
    if process.returncode not in (0, 1, 2):
        raise SearchError(
            f"The search did not finish within {TIMEOUT_S:.0f} s; pass a narrower path or glob."
        )
    if process.returncode == 2 and not produced and errors.strip():
        message = errors.decode("utf-8", errors="replace").strip().removeprefix("rg: ")
        raise SearchError(f"Invalid search pattern {pattern!r}: {message}")


def _read_messages(stream: Iterable[bytes], tally: _Tally) -> bool:
    """Feed ripgrep's JSON lines to `tally` file by file; whether any file had matches."""
    current: list[tuple[int, str]] = []
    produced = False
    for raw in stream:
        if raw.startswith(b'{"type":"match"'):
            data = json.loads(raw)["data"]
            current.append((data["line_number"], _text(data["lines"])))
            if len(current) >= tally.limit:  # one huge file: no need to read it to the end
                tally.add(_text(data["path"], path=True).removeprefix("./"), current)
                return True
        elif raw.startswith(b'{"type":"end"'):
            data = json.loads(raw)["data"]
            produced = True
            if data.get("binary_offset") is None:  # a NUL found after matches: binary
                tally.add(_text(data["path"], path=True).removeprefix("./"), current)
            current = []
            if tally.full:
                break
    return produced


def _text(value: dict[str, str], *, path: bool = False) -> str:
    """ripgrep's JSON string: UTF-8 text, or base64 bytes (decoded like the Python walk's
    names when a path, like its file contents when a line)."""
    if "text" in value:
        return value["text"]
    raw = base64.b64decode(value["bytes"])
    return os.fsdecode(raw) if path else raw.decode("utf-8", errors="replace")


def _search_python(base: Path, pattern: str, globs: Sequence[str], tally: _Tally) -> None:
    if "\n" in pattern:
        raise SearchError(
            f"Invalid search pattern {pattern!r}: a line-by-line search cannot match a newline."
        )
    try:
        line_regex = re.compile(pattern)
        file_regex = None if re.search(r"\\[AZ]", pattern) else re.compile(pattern, re.MULTILINE)
    except re.error as error:
        raise SearchError(f"Invalid search pattern {pattern!r}: {error}.") from None
    for relative in walk(base, Overrides(globs)):
        try:
            with open(os.path.join(base, relative), "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if b"\0" in data:
            continue
        text = data.decode("utf-8", errors="replace")
        if file_regex is not None and file_regex.search(text) is None:
            continue
        found = list(_matching_lines(text, line_regex))
        if found:
            tally.add(relative, found)
            if tally.full:
                return


def _matching_lines(text: str, regex: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """Lines split at `\\n` only, like ripgrep: a `\\r` stays part of the line while matching."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if regex.search(line) is not None:
            yield number, line
