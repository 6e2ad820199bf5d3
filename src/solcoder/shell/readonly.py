"""The built-in read-only commands: what `run_command` may run without asking.

WHY a list and not a judgement of effects: only a program whose every option is known can be
called read-only, so this is an allow-list of programs, each with the options that would make
it write or run something taken out (`sort -o`, `rg --pre`, `find -delete`, `git diff
--output`, `git -c`, …). A command line is read-only when it can be judged (`shape`: no
redirection but `2>&1`-style or `/dev/null`, no substitution that runs something else) and
every simple command in it, including those inside `$(…)`, is on the list; pipes between them
are fine. Programs are named bare (`ls`, not `./ls` or `/bin/ls`), and a computed argument
(`$X`, `$(…)`, a glob) is accepted only by programs that have no dangerous option for it to
turn into. The sandbox still contains what these programs read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from solcoder.shell.parse import split_command
from solcoder.shell.syntax import SimpleCommand

ANY_ARGUMENTS: Final = frozenset(
    [
        "ls",
        "cat",
        "head",
        "tail",
        "wc",
        "grep",
        "pwd",
        "echo",
        "printf",
        "stat",
        "which",
        "cut",
        "basename",
        "dirname",
        "realpath",
        "cd",
        "true",
        "false",
        "du",
        "df",
        "nl",
        "tr",
        "diff",
        "cmp",
        "tac",
        "rev",
        "comm",
    ]
)
"""Programs with no option that writes a file or runs another program."""

VERSION_FLAGS: Final = frozenset({"--version", "-V"})
VERSIONED: Final = frozenset(
    [
        "cargo",
        "rustc",
        "anchor",
        "solana",
        "solana-keygen",
        "spl-token",
        "avm",
        "rustup",
        "node",
        "npm",
        "yarn",
        "pnpm",
        "git",
        "solana-test-validator",
    ]
)
"""`PROGRAM --version` (or `-V`) and nothing else."""

GIT_READ: Final = frozenset(
    ["status", "diff", "log", "show", "branch", "rev-parse", "ls-files", "blame", "remote"]
)
_GIT_GLOBAL_FLAGS: Final = frozenset({"--no-pager", "-P", "--no-optional-locks"})
_GIT_WRITING: Final = ("--output", "--ext-diff")
_BRANCH_FLAGS: Final = frozenset(
    [
        "-a",
        "--all",
        "-r",
        "--remotes",
        "-v",
        "-vv",
        "--verbose",
        "--show-current",
        "--list",
        "-l",
        "--no-color",
        "--color",
        "--no-column",
        "--column",
        "--contains",
        "--no-contains",
        "--merged",
        "--no-merged",
        "--points-at",
    ]
)
_BRANCH_VALUED: Final = ("--sort=", "--format=", "--contains=", "--merged=", "--color=")


def is_read_only(text: str) -> bool:
    """True when every part of `text` is a read-only command and it can be judged."""
    parsed = split_command(text)
    return parsed.judgeable and all(part_read_only(c) for c in parsed.commands)


def part_read_only(command: SimpleCommand) -> bool:
    """One simple command (already judged by `shape`) on the built-in list."""
    if not command.words or command.words[0].dynamic:
        return False
    program = command.words[0].value
    arguments = command.words[1:]
    if program in ANY_ARGUMENTS:
        return True
    if any(word.dynamic for word in arguments):
        return False
    values = [word.value for word in arguments]
    if program in VERSIONED and len(values) == 1 and values[0] in VERSION_FLAGS:
        return True
    check = _CHECKS.get(program)
    return check is not None and check(values)


def _short_flags(values: list[str]) -> str:
    """The letters of every `-abc` cluster (not `--long`)."""
    return "".join(v[1:] for v in values if v.startswith("-") and not v.startswith("--"))


def _sort(values: list[str]) -> bool:
    long_bad = ("--output", "--compress-program")
    return "o" not in _short_flags(values) and not any(v.startswith(long_bad) for v in values)


def _uniq(values: list[str]) -> bool:
    """A second file name is uniq's output file."""
    return len([v for v in values if not v.startswith("-") or v == "-"]) <= 1


def _tree(values: list[str]) -> bool:
    """`-o FILE` writes the listing; `-R` writes one into every directory."""
    short = _short_flags(values)
    return "o" not in short and "R" not in short and not any(v.startswith("--o") for v in values)


def _file(values: list[str]) -> bool:
    """`-C` compiles a magic file."""
    return "C" not in _short_flags(values) and not any(v.startswith("--comp") for v in values)


def _rg(values: list[str]) -> bool:
    """`--pre` runs a program on each file; `-z` runs decompressors."""
    bad = ("--pre", "--search-zip", "--hostname-bin")
    return "z" not in _short_flags(values) and not any(
        v.startswith(bad) and not v.startswith("--pre-glob") for v in values
    )


def _find(values: list[str]) -> bool:
    """`-exec` and friends are problems already; these write files."""
    return not any(v in ("-delete", "-fls") or v.startswith("-fprint") for v in values)


def _set(values: list[str]) -> bool:
    """`set -e`, `set -o pipefail`: shell options for the commands after it."""
    return (
        bool(values)
        and all(v.startswith(("-", "+")) or v.isalpha() for v in values)
        and ("--" not in values)
    )


def _git(values: list[str]) -> bool:
    index = 0
    while index < len(values) and values[index].startswith("-"):
        if values[index] in _GIT_GLOBAL_FLAGS:
            index += 1
        elif values[index] == "-C" and index + 1 < len(values):
            index += 2
        else:
            return False  # -c, --exec-path, --git-dir, … can make git run other programs
    if index >= len(values) or values[index] not in GIT_READ:
        return False
    subcommand, rest = values[index], values[index + 1 :]
    if any(v.startswith(_GIT_WRITING) and not v.startswith("--output-") for v in rest):
        return False
    if subcommand == "branch":
        return _git_branch(rest)
    if subcommand == "remote":
        return rest in ([], ["-v"], ["--verbose"])
    return True


def _git_branch(values: list[str]) -> bool:
    """Listing only: a name creates a branch unless it follows `--list` or a filter."""
    listing = "--list" in values or "-l" in values
    previous = ""
    for value in values:
        if value in _BRANCH_FLAGS or value.startswith(_BRANCH_VALUED):
            pass
        elif value.startswith("-") or (not listing and previous not in _TAKES_COMMIT):
            return False
        previous = value
    return True


_TAKES_COMMIT: Final = frozenset(
    {"--contains", "--no-contains", "--merged", "--no-merged", "--points-at"}
)

_CHECKS: Final[dict[str, Callable[[list[str]], bool]]] = {
    "sort": _sort,
    "uniq": _uniq,
    "tree": _tree,
    "file": _file,
    "rg": _rg,
    "find": _find,
    "set": _set,
    "git": _git,
}
