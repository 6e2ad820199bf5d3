"""Exact-text replacement, the one way the model changes part of a file.

The model names the text to replace rather than line numbers (which shift after every edit and
which it miscounts). An exact match is the only safe rule: fuzzy matching would sometimes edit
the wrong place without anyone noticing. So when the text is not there, or is there more than
once, the edit is refused with what the model needs to try again: the closest lines in the file
(numbered, and whether only whitespace differs), or the lines of every occurrence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from solcoder.workspace.text import line_number, split_lines

MAX_LISTED = 10
"""Occurrences whose line numbers a non-unique refusal lists."""
SIMILAR_ENOUGH = 0.6
"""Below this difflib ratio, "the closest lines" would mislead more than help."""
MAX_CANDIDATES = 30
MAX_COMPARED_CHARS = 2000
"""Bounds on the work of finding the closest lines (each comparison is quadratic at worst)."""
COMMON_LINE = 50
"""A line (or word) found more often than this says nothing about where the text belongs."""
MAX_SHOWN_LINES = 20
MAX_SHOWN_CHARS = 200

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_NUMBERED = re.compile(r"^\s*\d+\t")
_AGAIN = "Read the file again and copy the exact text (whitespace included)."


class EditRefused(Exception):
    """An edit that was not made; str(error) says why and what to send instead."""


@dataclass(frozen=True, slots=True)
class EditResult:
    text: str
    replacements: int
    first_line: int
    """1-based line on which the first replaced text began."""


def apply_edit(
    text: str,
    old_text: str,
    new_text: str,
    *,
    replace_all: bool = False,
    newline: str = "\n",
    name: str = "file",
) -> EditResult:
    """`text` with `old_text` replaced by `new_text`, or EditRefused.

    `old_text` must occur exactly once (every occurrence with `replace_all`). When it is not
    found as written and holds "\\n" but no "\\r", it is tried again with the file's line ending
    (`newline`, then any other the file holds), `new_text` converted alike; line breaks in a
    `new_text` replacing part of one line take `newline` too. So a CRLF file stays CRLF
    whatever line endings the model used.
    """
    if not old_text:
        raise EditRefused(
            f"`old_text` is empty. Give the exact text to replace in `{name}`, or use write_file "
            "to create a file or replace its whole content."
        )
    old, new = old_text, new_text
    count = text.count(old)
    if not count:
        for ending in _endings_to_try(text, old_text, newline):
            converted = old_text.replace("\n", ending)
            count = text.count(converted)
            if count:
                old = converted
                new = new_text if "\r" in new_text else new_text.replace("\n", ending)
                break
    elif _within_a_line(old_text) and newline != "\n" and "\r" not in new_text:
        # Text inside one line replaced by several: the new breaks take the file's ending.
        new = new_text.replace("\n", newline)
    if old == new:
        raise EditRefused(
            f"`old_text` and `new_text` are the same, so the edit would not change `{name}`; put "
            "the text as it should become in `new_text`."
        )
    if not count:
        raise EditRefused(_not_found(text, old_text, name))
    first = text.find(old)
    # str.count does not see overlapping occurrences ("aba" twice in "ababa"); they are just
    # as ambiguous.
    if not replace_all and (count > 1 or text.find(old, first + 1) != -1):
        raise EditRefused(_not_unique(text, old, name))
    if replace_all:
        result = text.replace(old, new)
    else:
        result = text[:first] + new + text[first + len(old) :]
        count = 1
    return EditResult(text=result, replacements=count, first_line=line_number(text, first))


def _within_a_line(text: str) -> bool:
    return "\n" not in text and "\r" not in text


def _endings_to_try(text: str, old_text: str, newline: str) -> list[str]:
    if "\n" not in old_text or "\r" in old_text:
        return []
    endings = [newline] if newline != "\n" else []
    endings.extend(ending for ending in ("\r\n", "\r") if ending not in endings and ending in text)
    return endings


def _not_unique(text: str, old: str, name: str) -> str:
    positions = []
    position = text.find(old)
    while position != -1:
        positions.append(position)
        position = text.find(old, position + 1)
    lines: list[int] = []
    for position in positions:
        if len(lines) == MAX_LISTED:
            break
        line = line_number(text, position)
        if line not in lines:
            lines.append(line)
    listed = ", ".join(str(line) for line in lines)
    if len(positions) > MAX_LISTED:
        listed += ", …"
    word = "lines" if len(lines) > 1 else "line"
    return (
        f"`old_text` occurs {len(positions)} times in `{name}` ({word} {listed}); include more "
        "surrounding lines to make it unique, or set replace_all to replace every one."
    )


def _not_found(text: str, old_text: str, name: str) -> str:
    wanted = split_lines(old_text) or [old_text]
    numbered = all(_NUMBERED.match(line) for line in wanted if line.strip())
    hint = ""
    if numbered and any(line.strip() for line in wanted):
        wanted = [_NUMBERED.sub("", line, count=1) for line in wanted]
        hint = " It seems to include the line numbers read_file shows; leave them out."
    lines = split_lines(text)
    found = _closest(lines, wanted)
    if found is None:
        return f"`old_text` was not found in `{name}`, and no lines in it are close.{hint} {_AGAIN}"
    start, count, whitespace_only = found
    if count == 1:
        what, span, differ = "The closest line is", f"{start + 1}", "differs"
    else:
        what, span, differ = "The closest lines are", f"{start + 1}-{start + count}", "differ"
    because = (
        f", which {differ} from it only in whitespace (indentation, spaces, tabs)"
        if whitespace_only
        else ""
    )
    shown = _show(lines, start, count)
    return f"`old_text` was not found in `{name}`.{hint} {what} {span}{because}:\n{shown}\n{_AGAIN}"


def _show(lines: list[str], start: int, count: int) -> str:
    width = len(str(start + count))
    rows = []
    for index in range(start, start + min(count, MAX_SHOWN_LINES)):
        line = lines[index]
        if len(line) > MAX_SHOWN_CHARS:
            line = line[:MAX_SHOWN_CHARS] + "…"
        rows.append(f"  {index + 1:>{width}} | {line}")
    if count > MAX_SHOWN_LINES:
        rows.append(f"  … ({count - MAX_SHOWN_LINES} more lines)")
    return "\n".join(rows)


def _squash(line: str) -> str:
    return "".join(line.split())


def _closest(lines: list[str], wanted: list[str]) -> tuple[int, int, bool] | None:
    """(first index, line count, whitespace only) of the window of `lines` most like `wanted`.

    Work is bounded for large files: only windows that share a whole line (whitespace aside)
    or a distinctive word with `wanted` are compared, at most MAX_CANDIDATES of them, over at
    most MAX_COMPARED_CHARS; a one-line `wanted` without such anchors is compared line by line
    behind difflib's cheap upper bounds.
    """
    if not lines:
        return None
    size = min(len(wanted), len(lines))
    squashed = [_squash(line) for line in lines]
    wanted_squashed = [_squash(line) for line in wanted]
    places: dict[str, list[int]] = {}
    for index, line in enumerate(squashed):
        if line:
            places.setdefault(line, []).append(index)
    if len(wanted) <= len(lines):
        anchor = next((j for j, line in enumerate(wanted_squashed) if line), None)
        if anchor is not None:
            for index in places.get(wanted_squashed[anchor], []):
                start = index - anchor
                if start >= 0 and squashed[start : start + size] == wanted_squashed:
                    return start, size, True
    votes: Counter[int] = Counter()
    for j, line in enumerate(wanted_squashed):
        hits = places.get(line, []) if line else []
        if len(hits) <= COMMON_LINE:
            votes.update({index - j: 2 for index in hits})
    words = sorted({word for line in wanted for word in _WORD.findall(line)}, key=len)[-6:]
    for word in words:
        j = next(j for j, line in enumerate(wanted) if word in line)
        hits = [index for index, line in enumerate(lines) if word in line]
        if len(hits) <= COMMON_LINE:
            votes.update({index - j: 1 for index in hits})
    target = "\n".join(wanted)[:MAX_COMPARED_CHARS]
    # autojunk (difflib's default) ignores characters frequent in `target`: the ratio stays a
    # fair guide and a window of repetitive text no longer costs quadratic time.
    matcher = SequenceMatcher(None)
    matcher.set_seq2(target)
    last = len(lines) - size
    starts: Iterable[int]
    if votes:
        starts = sorted(
            {min(max(start, 0), last) for start, _ in votes.most_common(MAX_CANDIDATES)}
        )
    elif size == 1 and len(target) <= MAX_SHOWN_CHARS:
        starts = range(len(lines))
    else:
        return None
    best, best_start = SIMILAR_ENOUGH, None
    for start in starts:
        matcher.set_seq1("\n".join(lines[start : start + size])[:MAX_COMPARED_CHARS])
        if matcher.real_quick_ratio() < best or matcher.quick_ratio() < best:
            continue
        ratio = matcher.ratio()
        if ratio > best or (ratio == best and best_start is None):
            best, best_start = ratio, start
    return None if best_start is None else (best_start, size, False)
