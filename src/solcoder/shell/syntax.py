"""What the shell reader produces: words, redirections, simple commands and the verdict.

Kept apart from the reader so the judging modules depend on plain records, not on the state
machine that builds them. A `Word` keeps both its resolved value (what the program receives
when nothing is expanded) and its source text (what the user is shown), and says whether its
value is only known at run time (`dynamic`): such a word is never matched by a literal rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from solcoder.records import shared_methods

_HARMLESS_TARGET_OPS: Final = frozenset({">", ">>", ">|", "&>", "&>>", "<"})
_DUPLICATING_OPS: Final = frozenset({">&", "<&"})


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Word:
    """One shell word: `value` with quotes and escapes resolved, `raw` as written."""

    value: str
    raw: str
    dynamic: bool = False
    """Holds an expansion (`$X`, `$(…)`, backticks), an unquoted glob or brace: its value
    is decided at run time."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Redirect:
    """`fd op target`, e.g. `2>&1` is ("2", ">&", 1) and `> out.txt` is ("", ">", out.txt)."""

    fd: str
    op: str
    target: Word

    @property
    def text(self) -> str:
        return f"{self.fd}{self.op}{self.target.raw}"

    @property
    def harmless(self) -> bool:
        """Duplicates or closes a descriptor (`2>&1`, `>&2`, `2>&-`), or points one at
        `/dev/null`: no file is read or written."""
        if self.target.dynamic:
            return False
        if self.op in _DUPLICATING_OPS:
            value = self.target.value
            return (value.isascii() and value.isdigit()) or value == "-"
        return self.op in _HARMLESS_TARGET_OPS and self.target.value == "/dev/null"


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SimpleCommand:
    """One program run: its words (assignments and an `env` prefix taken off), the
    `NAME=value` assignments that were taken off, and its redirections."""

    words: tuple[Word, ...]
    assignments: tuple[Word, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    nested: bool = False
    """Runs inside a command substitution (`$(…)` or backticks) of another command."""

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(word.value for word in self.words)

    @property
    def text(self) -> str:
        """The command as written (assignments, words, redirections), single-spaced."""
        parts = [w.raw for w in self.assignments]
        parts += [w.raw for w in self.words]
        parts += [r.text for r in self.redirects]
        return " ".join(parts)


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Parsed:
    """A command line read: its simple commands in the order they start, and the reasons it
    cannot be judged from them (`problems`). `unparseable` text has no commands."""

    commands: tuple[SimpleCommand, ...]
    problems: tuple[str, ...] = ()
    unparseable: bool = False

    @property
    def judgeable(self) -> bool:
        """Nothing was found that the words alone cannot account for."""
        return not self.unparseable and not self.problems and bool(self.commands)
