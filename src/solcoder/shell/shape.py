"""What a simple command's words cannot vouch for: the checks made on each command as it is
read, before any rule is matched.

A rule such as `cargo test*` speaks about the program and its arguments. Some commands run a
different program than their first word says (`xargs`, `eval`, `sudo`, `find -exec`, `bash
-c`), change the shell for the commands after them (`export`, `alias`, `PATH=…`), are shell
syntax rather than a program (`if`, `{`), compute their program name (`$CMD`), or read or
write files through redirections. Each is reported as a problem, and a command line with a
problem is never allowed by a rule nor counted read-only: it is asked about.

`NAME=value` prefixes and a plain `env NAME=value` are taken off so the program is judged,
but only for variables that cannot make the program run other code (`RUST_LOG`, `LC_*`, …);
any other assigned name (`LD_PRELOAD`, `RUSTFLAGS`, `PATH`, …) is a problem.
"""

from __future__ import annotations

from typing import Final

from solcoder.shell.syntax import Redirect, SimpleCommand, Word

SAFE_VARIABLES: Final = frozenset(
    {
        "RUST_LOG",
        "RUST_BACKTRACE",
        "RUST_LIB_BACKTRACE",
        "RUST_MIN_STACK",
        "RUST_TEST_THREADS",
        "RUST_TEST_NOCAPTURE",
        "CARGO_TERM_COLOR",
        "CARGO_TERM_VERBOSE",
        "CARGO_TERM_QUIET",
        "CARGO_TERM_PROGRESS_WHEN",
        "CARGO_INCREMENTAL",
        "CARGO_BUILD_JOBS",
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "FORCE_COLOR",
        "TERM",
        "COLUMNS",
        "LINES",
        "LANG",
        "LANGUAGE",
        "TZ",
        "CI",
        "NODE_ENV",
    }
)
"""Assignments taken off before judging; also every `LC_*`."""

RESERVED: Final = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "case",
        "esac",
        "for",
        "select",
        "while",
        "until",
        "do",
        "done",
        "in",
        "function",
        "time",
        "coproc",
        "{",
        "}",
        "!",
        "[[",
        "]]",
    ]
)
RUNS_OTHERS: Final = frozenset(
    [
        "eval",
        "exec",
        "source",
        ".",
        "command",
        "builtin",
        "xargs",
        "sudo",
        "doas",
        "su",
        "nohup",
        "nice",
        "ionice",
        "timeout",
        "stdbuf",
        "setsid",
        "chroot",
        "unbuffer",
        "watch",
        "strace",
        "ltrace",
        "nsenter",
        "unshare",
        "flock",
        "chrt",
        "taskset",
        "parallel",
        "script",
        "trap",
    ]
)
"""Programs and builtins whose arguments are another command (or a string run as one)."""
CHANGES_SHELL: Final = frozenset(
    [
        "export",
        "declare",
        "typeset",
        "local",
        "readonly",
        "shopt",
        "alias",
        "unalias",
        "unset",
        "enable",
        "hash",
        "let",
        "mapfile",
        "readarray",
    ]
)
SHELLS: Final = frozenset(["bash", "sh", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh"])
FIND_RUNS: Final = frozenset({"-exec", "-execdir", "-ok", "-okdir"})


def assigned_name(word: Word) -> str | None:
    """`NAME` for a word written `NAME=value` or `NAME+=value` (the name unquoted)."""
    head, equals, _ = word.raw.partition("=")
    name = head.removesuffix("+")
    if equals and name.isidentifier() and name.isascii():
        return name
    return None


def _safe_variable(name: str) -> bool:
    return name in SAFE_VARIABLES or name.startswith("LC_")


def program_name(word: Word) -> str:
    """The program's name without its directory (`/usr/bin/xargs` is `xargs`)."""
    return word.value.rsplit("/", 1)[-1]


def build(
    words: list[Word], redirects: list[Redirect], *, nested: bool
) -> tuple[SimpleCommand, list[str]]:
    """The simple command for words as read, and the problems it carries."""
    problems = [_redirect_problem(r) for r in redirects if not r.harmless]
    start = 0
    while start < len(words) and assigned_name(words[start]) is not None:
        start += 1
    assignments = list(words[:start])
    rest = list(words[start:])
    if rest and not rest[0].dynamic and rest[0].value == "env" and len(rest) > 1:
        index = 1
        while index < len(rest) and assigned_name(rest[index]) is not None:
            index += 1
        if index < len(rest) and rest[index].value.startswith("-"):
            problems.append("env with options: its command cannot be judged")
        elif index < len(rest):
            assignments += rest[1:index]
            rest = rest[index:]
    command = SimpleCommand(tuple(rest), tuple(assignments), tuple(redirects), nested)
    for word in assignments:
        name = assigned_name(word) or ""
        if not _safe_variable(name):
            problems.append(f"sets {name}, which can change what the command runs")
    if not rest:
        if assignments:
            problems.append("sets a shell variable for the commands after it")
        else:
            problems.append("a redirection without a command")
        return command, problems
    problems += _program_problems(rest)
    return command, problems


def _redirect_problem(redirect: Redirect) -> str:
    if redirect.op in ("<<", "<<-"):
        return f"a here-document ({redirect.text}) feeds text to the command"
    if redirect.op == "<<<":
        return f"a here-string ({redirect.text}) feeds text to the command"
    if redirect.op.startswith("<"):
        return f"reads a file through a redirection ({redirect.text})"
    return f"writes a file through a redirection ({redirect.text})"


def _program_problems(words: list[Word]) -> list[str]:
    first = words[0]
    if first.raw in RESERVED:
        return [f"shell syntax ({first.raw}) is not judged"]
    if first.dynamic:
        return [f"the program name is computed at run time ({first.raw})"]
    name = program_name(first)
    if name in RUNS_OTHERS:
        return [f"{name} runs another command"]
    if name in CHANGES_SHELL:
        return [f"{name} changes the shell for the commands after it"]
    if name in SHELLS and (
        len(words) == 1 or any(w.value.startswith(("-", "+")) or w.dynamic for w in words[1:])
    ):
        return [f"{name} runs commands from its input or from -c"]
    if name == "find" and any(w.value in FIND_RUNS or w.dynamic for w in words[1:]):
        return ["find with -exec (or a computed argument) runs other programs"]
    return []
