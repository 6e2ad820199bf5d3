"""`@path` in a REPL prompt: the file goes with the message, as in the agents users know.

A mention is `@` at the start of a word followed by a workspace path (`@src/lib.rs`). Each
mentioned file is read through the same rules as `read_file` (inside the workspace, text
only, capped; a secret is never attached from a mention, since nobody was asked) and
appended to the message as numbered lines; the model may then edit it without reading it
again. Words that are not files (`@alice`, an e-mail address) stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solcoder.workspace.session import WorkspaceSession

MENTION = re.compile(r"(?<!\S)@([^\s@]+)")
MAX_ATTACHED = 10


@dataclass(slots=True)
class Attached:
    """The message to send, and what to tell the user about the mentions in it."""

    text: str
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def attach_mentions(text: str, session: WorkspaceSession) -> Attached:
    """`text` with each mentioned workspace file appended (in order, each once)."""
    from solcoder.workspace.session import Refused

    result = Attached(text)
    blocks: list[str] = []
    for raw in dict.fromkeys(match.group(1).rstrip(".,;:!?)") for match in MENTION.finditer(text)):
        try:
            target = session.resolve(raw)
        except Refused:
            continue  # not a path of this workspace: an ordinary word
        if not target.absolute.is_file():
            continue
        if len(result.files) == MAX_ATTACHED:
            result.notes.append(f"@{raw} not attached: at most {MAX_ATTACHED} files per message.")
            continue
        reason = session.workspace.secret_reason(target)
        if reason is not None:
            result.notes.append(f"@{raw} not attached: it is {reason}.")
            continue
        try:
            shown = session.read(target.relative)
        except Refused as error:
            result.notes.append(f"@{raw} not attached: {error}")
            continue
        result.files.append(target.relative)
        blocks.append(f'<file path="{target.relative}">\n{shown}\n</file>')
    if blocks:
        result.text = f"{text}\n\nFiles the user attached (@mentions):\n" + "\n".join(blocks)
    return result
