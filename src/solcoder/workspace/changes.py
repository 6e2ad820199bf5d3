"""One applied change to a file of the workspace, as every consumer reports it.

The `file_change` JSON event, the transcript's record, the REPL's summary line and
`sessions show` all read this one record, so they cannot disagree about what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from solcoder.records import shared_methods

ChangeKind = Literal["created", "modified", "deleted"]


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FileChange:
    path: str
    """Relative to the workspace root, POSIX separators."""
    change: ChangeKind
    diff: str
    """A unified diff (`--- a/path` / `+++ b/path`), cut with a note when very long."""
    added: int
    removed: int

    def as_dict(self) -> dict[str, Any]:
        """The fields of the `file_change` event and the transcript record."""
        return {
            "path": self.path,
            "change": self.change,
            "diff": self.diff,
            "added": self.added,
            "removed": self.removed,
        }

    def summary(self) -> str:
        """`modified src/lib.rs (+3 -1)`."""
        return f"{self.change} {self.path} (+{self.added} -{self.removed})"
