"""Per-command approval of `run_command`: rule matching, the "always" suggestion and the
lines of the approval question.

WHY: a rule over the tool name (`run_command`) would allow every command or none. Users
write `run_command:PATTERN` rules instead (`allow = ["run_command:cargo test*"]`), and a
command line is allowed by them only when it can be judged (`parse`, `shape`) and EVERY
simple command in it, those inside `$(…)` and backticks included, is either covered by a
pattern or on the built-in read-only list (`readonly`). So `cargo test*` never lets
`cargo test && rm -rf ~` through, and `cargo test 2>&1 | tail -50` needs no second rule.

Patterns (docs/commands-approval.md) are matched word by word against the command's words
with quotes resolved and `NAME=value`/`env` prefixes taken off: each pattern word is a glob
(`*`, `?`, `[…]`) over ONE word, and a `*` ending the pattern also means "and any further
words". So `cargo test*` matches `cargo test` and `cargo test -p x` but not `cargo testx`;
`npm run test:* *` matches `npm run test:unit --watch`; `anchor build` matches only itself.
A word computed at run time (`$X`, `$(…)`, a glob) is matched only by that trailing `*`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import Final

from solcoder.shell.parse import split_command
from solcoder.shell.readonly import is_read_only, part_read_only
from solcoder.shell.syntax import Parsed, SimpleCommand

__all__ = [
    "RULE_PREFIX",
    "Parsed",
    "SimpleCommand",
    "command_allowed",
    "command_patterns",
    "covers",
    "describe_parts",
    "is_read_only",
    "matching_parts",
    "split_command",
    "suggested_prefix",
]

RULE_PREFIX: Final = "run_command:"
"""An `[approval]` rule with this prefix matches the command text, not the tool name."""

SUBCOMMANDS: Final[dict[str, int]] = {
    "cargo": 1,
    "anchor": 1,
    "solana": 1,
    "solana-keygen": 1,
    "spl-token": 1,
    "avm": 1,
    "rustup": 1,
    "git": 1,
    "npm": 1,
    "pnpm": 1,
    "yarn": 1,
    "bun": 1,
    "npx": 1,
    "docker": 1,
    "go": 1,
    "uv": 1,
    "poetry": 1,
    "pip": 1,
    "make": 1,
    "just": 1,
}
"""Programs whose first argument names what they do: "always" grants `PROGRAM SUB*`."""
DEEPER: Final = frozenset(
    {
        ("npm", "run"),
        ("pnpm", "run"),
        ("yarn", "run"),
        ("bun", "run"),
        ("uv", "run"),
        ("poetry", "run"),
        ("solana", "program"),
        ("solana", "config"),
        ("anchor", "idl"),
        ("anchor", "keys"),
        ("git", "stash"),
        ("git", "remote"),
        ("docker", "compose"),
        ("go", "mod"),
    }
)
"""`PROGRAM SUB` pairs whose next word is the real subcommand (`npm run test*`)."""
_PLAIN: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-"
)
"""Characters a suggested pattern's words may hold (no spaces, quotes or glob characters)."""


def command_patterns(rules: Iterable[str]) -> tuple[str, ...]:
    """The command patterns among `[approval]` rules: `run_command:cargo test*` → `cargo
    test*`; other rules (over tool names) are left out."""
    return tuple(rule[len(RULE_PREFIX) :] for rule in rules if rule.startswith(RULE_PREFIX))


def covers(pattern: str, command: SimpleCommand) -> bool:
    """Whether one pattern matches one simple command (see the module docstring)."""
    pattern_words = pattern.split()
    rest = bool(pattern_words) and pattern_words[-1].endswith("*")
    if rest:
        last = pattern_words.pop()[:-1]
        if last:
            pattern_words.append(last)
    words = command.words
    if len(words) < len(pattern_words) or (not rest and len(words) != len(pattern_words)):
        return False
    return all(
        not word.dynamic and fnmatch.fnmatchcase(word.value, glob)
        for glob, word in zip(pattern_words, words, strict=False)
    )


def command_allowed(text: str, patterns: Iterable[str], *, read_only_counts: bool = True) -> bool:
    """True only when `text` can be judged and every simple command in it is covered by one
    of `patterns` (or, with `read_only_counts`, is on the built-in read-only list)."""
    parsed = split_command(text)
    if not parsed.judgeable:
        return False
    wanted = tuple(patterns)
    return all(
        any(covers(p, command) for p in wanted) or (read_only_counts and part_read_only(command))
        for command in parsed.commands
    )


def matching_parts(text: str, patterns: Iterable[str]) -> list[str]:
    """The simple commands of `text` that one of `patterns` matches, as written: for `deny`
    and `ask` rules, which apply when ANY part matches (even in text that cannot be judged
    as a whole; unparseable text has no parts, and is asked about anyway)."""
    wanted = tuple(patterns)
    parsed = split_command(text)
    return [c.text for c in parsed.commands if any(covers(p, c) for p in wanted)]


def suggested_prefix(text: str) -> str | None:
    """The pattern an "always" answer grants for `text`, or None (no "always" offered).

    The one part of `text` that is not read-only decides: for a program with subcommands
    (`cargo`, `anchor`, `npm run`, …) its program and subcommand (`cargo test*`), for any
    other program the exact command (`python3 scripts/check.py`). None when the text cannot
    be judged, when more than one part needs approval, or when the words needed contain
    spaces, glob characters or run-time values.
    """
    parsed = split_command(text)
    if not parsed.judgeable:
        return None
    needing = [c for c in parsed.commands if not part_read_only(c)]
    if len(needing) != 1 or needing[0].nested:
        return None
    words = needing[0].words
    depth = SUBCOMMANDS.get(words[0].value, 0) if words[0].raw == words[0].value else 0
    if depth and len(words) > 1 and words[1].value.startswith("+"):
        depth += 1  # a toolchain: `cargo +nightly build-sbf`
    if depth and len(words) > depth and (words[0].value, words[depth].value) in DEEPER:
        depth += 1
    prefix = depth > 0 and len(words) > depth
    prefix = prefix and not any(word.value.startswith("-") for word in words[1 : depth + 1])
    chosen = words[: depth + 1] if prefix else words
    if any(word.dynamic or not word.value or not _PLAIN.issuperset(word.value) for word in chosen):
        return None
    suggestion = " ".join(word.value for word in chosen)
    return suggestion + "*" if prefix else suggestion


def describe_parts(text: str) -> list[str]:
    """One line per simple command, as written, for the approval question (what runs inside
    `$(…)` included). Text that cannot be parsed is shown line by line as it is."""
    parsed = split_command(text)
    if parsed.unparseable or not parsed.commands:
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [c.text for c in parsed.commands]
