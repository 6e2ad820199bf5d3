"""What read_file returns: numbered lines, in bounded pieces.

The model edits by quoting exact text and talks about code by line number, so it sees lines as
`cat -n` shows them: the number, a tab, the line. A whole large file would crowd out the rest of
the conversation (and cost money on every later turn), so one reading is bounded in lines, in
bytes and in line width, and when it stops early it says exactly how to read on.
"""

from __future__ import annotations

from solcoder.workspace.text import split_lines

MAX_LINES = 2000
MAX_BYTES = 256 * 1024
MAX_LINE_CHARS = 2000


def numbered(text: str, *, offset: int = 1, limit: int | None = None, name: str) -> str:
    """Lines of `text` from the 1-based `offset`, at most `limit` (MAX_LINES when None, and
    never more) and MAX_BYTES of output, numbered like `cat -n`, without their line endings.
    Notes in parentheses say when the file is empty, when `offset` is past its end, and where
    to read on when the output stops before the end. `name` is the file as the model knows it."""
    lines = split_lines(text)
    if not lines:
        return "(empty file)"
    first = max(offset, 1)
    if first > len(lines):
        noun = "line" if len(lines) == 1 else "lines"
        return f"(the file `{name}` has {len(lines)} {noun}; offset {first} is past the end)"
    wanted = MAX_LINES if limit is None else max(1, min(limit, MAX_LINES))
    rows: list[str] = []
    size = 0
    for number in range(first, min(first + wanted, len(lines) + 1)):
        line = lines[number - 1]
        if len(line) > MAX_LINE_CHARS:
            line = f"{line[:MAX_LINE_CHARS]}… ({len(line) - MAX_LINE_CHARS} more characters)"
        row = f"{number:>6}\t{line}"
        size += len(row.encode("utf-8", "surrogatepass")) + 1
        if size > MAX_BYTES:
            break
        rows.append(row)
    last = first + len(rows) - 1
    if last < len(lines):
        rows.append(
            f"(showing lines {first}-{last} of {len(lines)}; call read_file with "
            f"offset={last + 1} to read on)"
        )
    return "\n".join(rows)
