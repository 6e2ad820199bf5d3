"""Unified diffs of a change, in git's format, cheap enough for every edit.

Every change a tool makes is shown as a diff (to the user approving it, to the model as the
tool's result, in the transcript), so it must read like `git diff` and cost little: difflib
alone compares whole files, which for a one-line edit of a 1 MB file takes far longer than the
edit. The lines both versions share at the start and the end are set aside first (git does the
same), and difflib sees only the changed middle with its context. Lines are split at "\\n" as
git splits them, so a CRLF line shows its "\\r" like git's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

MAX_DIFF_CHARS = 200 * 1024
"""A longer diff text is cut with a note; its added/removed counts stay exact."""
NO_NEWLINE = "\\ No newline at end of file\n"


@dataclass(frozen=True, slots=True)
class Diff:
    text: str
    """The unified diff ("" when nothing changed)."""
    added: int
    removed: int


def unified(path: str, before: str | None, after: str | None, *, context: int = 3) -> Diff:
    """The diff from `before` to `after` of the file at `path` (POSIX, relative to the
    workspace); None is an absent file (created: `--- /dev/null`, deleted: `+++ /dev/null`)."""
    if before == after:
        return Diff("", 0, 0)
    old = _lines(before or "")
    new = _lines(after or "")
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    # difflib sees the changed middle with `context` shared lines on each side: the hunks and
    # their line numbers are those of the whole files, at the cost of the middle only.
    start = max(0, head - context)
    old_stop = min(len(old), len(old) - tail + context)
    new_stop = min(len(new), len(new) - tail + context)
    matcher = SequenceMatcher(None, old[start:old_stop], new[start:new_stop], autojunk=False)
    parts = [
        "--- /dev/null\n" if before is None else f"--- a/{path}\n",
        "+++ /dev/null\n" if after is None else f"+++ b/{path}\n",
    ]
    size = len(parts[0]) + len(parts[1])
    added = removed = 0
    cut = False
    for group in matcher.get_grouped_opcodes(context):
        hunk = [_hunk_header(group, start)]
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunk.extend(_marked(" ", old, start + i1, start + i2))
                continue
            if tag in ("replace", "delete"):
                removed += i2 - i1
                hunk.extend(_marked("-", old, start + i1, start + i2))
            if tag in ("replace", "insert"):
                added += j2 - j1
                hunk.extend(_marked("+", new, start + j1, start + j2))
        if cut:
            continue
        for line in hunk:
            if size + len(line) > MAX_DIFF_CHARS:
                cut = True
                break
            parts.append(line)
            size += len(line)
    if cut:
        parts.append(
            f"… (diff cut at {MAX_DIFF_CHARS // 1024} KB; {added} lines added and {removed} "
            "removed in all)\n"
        )
    return Diff("".join(parts), added, removed)


def _lines(text: str) -> list[str]:
    """`text` split after each "\\n", each line keeping it (the last may lack it)."""
    lines = [line + "\n" for line in text.split("\n")]
    last = lines.pop()[:-1]
    if last:
        lines.append(last)
    return lines


def _marked(sign: str, lines: list[str], first: int, stop: int) -> list[str]:
    marked = [sign + line for line in lines[first:stop]]
    if marked and not marked[-1].endswith("\n"):
        marked[-1] += "\n" + NO_NEWLINE
    return marked


def _hunk_header(group: list[tuple[str, int, int, int, int]], offset: int) -> str:
    first, last = group[0], group[-1]
    old_range = _range(first[1] + offset, last[2] + offset)
    new_range = _range(first[3] + offset, last[4] + offset)
    return f"@@ -{old_range} +{new_range} @@\n"


def _range(first: int, stop: int) -> str:
    """git's form: "start,count", "start" alone for one line, the line before for none."""
    count = stop - first
    if count == 1:
        return str(first + 1)
    return f"{first + (1 if count else 0)},{count}"
