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
    old_text, new_text = before or "", after or ""
    first, old_stop, new_stop = _changed_span(old_text, new_text, context)
    old = _lines(old_text[first:old_stop])
    new = _lines(new_text[first:new_stop])
    offset = old_text.count("\n", 0, first)  # line index of `first`, the same in both
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    parts = [
        "--- /dev/null\n" if before is None else f"--- a/{path}\n",
        "+++ /dev/null\n" if after is None else f"+++ b/{path}\n",
    ]
    size = len(parts[0]) + len(parts[1])
    added = removed = 0
    cut = False
    for group in matcher.get_grouped_opcodes(context):
        for tag, i1, i2, j1, j2 in group:
            removed += i2 - i1 if tag in ("replace", "delete") else 0
            added += j2 - j1 if tag in ("replace", "insert") else 0
        if cut:
            continue  # past the cap: counted, not written
        for line in _hunk(group, old, new, offset):
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


def _changed_span(old: str, new: str, context: int) -> tuple[int, int, int]:
    """Character offsets (first, old stop, new stop) of the lines that differ plus `context`
    lines on each side: `first` starts a line in both texts, the stops end one (or the text).

    The shared start and end are found by comparing slices (memcmp in C, halving the length
    each time) rather than line by line in Python: a 1 MB file costs well under a millisecond.
    Everything before `first` and after the stops is identical whole lines, so the hunks and
    their line numbers are those of the whole files.
    """
    low, high = 0, min(len(old), len(new))
    while low < high:  # the longest shared prefix
        middle = (low + high + 1) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle - 1
    head = old.rfind("\n", 0, low) + 1  # the start of the first differing line
    room = min(len(old), len(new)) - head
    low, high = 0, room
    while low < high:  # the longest shared suffix not reaching into the head
        middle = (low + high + 1) // 2
        if old[len(old) - middle : len(old) - low] == new[len(new) - middle : len(new) - low]:
            low = middle
        else:
            high = middle - 1
    old_tail, new_tail = len(old) - low, len(new) - low
    if not (_line_start(old, old_tail) and _line_start(new, new_tail)):
        # The shared suffix begins inside a line: the shared lines begin after its end.
        end = old.find("\n", old_tail)
        old_tail = len(old) if end == -1 else end + 1
        new_tail = len(new) - (len(old) - old_tail)
    first = head
    for _ in range(context):
        if first == 0:
            break
        first = old.rfind("\n", 0, first - 1) + 1
    return first, _lines_on(old, old_tail, context), _lines_on(new, new_tail, context)


def _line_start(text: str, position: int) -> bool:
    return position == 0 or position == len(text) or text[position - 1] == "\n"


def _lines_on(text: str, position: int, count: int) -> int:
    """The offset `count` lines after `position` (a line start), or the end of `text`."""
    for _ in range(count):
        end = text.find("\n", position)
        if end == -1:
            return len(text)
        position = end + 1
    return position


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


def _hunk(
    group: list[tuple[str, int, int, int, int]], old: list[str], new: list[str], offset: int
) -> list[str]:
    """One hunk's lines: its header (line numbers shifted by `offset`) and marked lines."""
    first, last = group[0], group[-1]
    old_range = _range(first[1] + offset, last[2] + offset)
    new_range = _range(first[3] + offset, last[4] + offset)
    lines = [f"@@ -{old_range} +{new_range} @@\n"]
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            lines.extend(_marked(" ", old, i1, i2))
            continue
        if tag in ("replace", "delete"):
            lines.extend(_marked("-", old, i1, i2))
        if tag in ("replace", "insert"):
            lines.extend(_marked("+", new, j1, j2))
    return lines


def _range(first: int, stop: int) -> str:
    """git's form: "start,count", "start" alone for one line, the line before for none."""
    count = stop - first
    if count == 1:
        return str(first + 1)
    return f"{first + (1 if count else 0)},{count}"
