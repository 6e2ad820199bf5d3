"""The built-in read-only commands (src/solcoder/shell/readonly.py), and the reader checked
against bash itself for quoting."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.shell.commands import is_read_only, split_command


@pytest.mark.parametrize(
    "text",
    [
        "ls",
        "ls -la src",
        "ls *.rs",
        "cat Cargo.toml",
        "head -n 20 src/lib.rs",
        "tail -50 log.txt",
        "wc -l src/*.rs",
        "rg -n 'fn main' src",
        "rg --pre-glob '*.gz' x",
        "grep -rn TODO programs/",
        "find . -name '*.rs' -type f",
        "pwd",
        "echo hello",
        "echo $(pwd)",
        "git status",
        "git status --porcelain",
        "git diff HEAD~1 -- src",
        "git diff --output-indicator-new=+",
        "git log --oneline -5",
        "git --no-pager log -1",
        "git -C programs/vault status",
        "git show HEAD:Cargo.toml",
        "git branch",
        "git branch -a -v",
        "git branch --show-current",
        "git branch --list 'feat/*'",
        "git branch --contains abc123",
        "git rev-parse --show-toplevel",
        "git remote -v",
        "cargo --version",
        "rustc --version",
        "rustc -V",
        "anchor --version",
        "solana --version",
        "tree -L 2",
        "stat Cargo.toml",
        "file target/deploy/x.so",
        "which anchor",
        "sort names.txt",
        "sort -u -k2 names.txt",
        "uniq names.txt",
        "cut -d: -f1 x",
        "git log --oneline | head -5",
        "cat a | sort | uniq -c | sort -rn | head",
        "ls 2>/dev/null",
        "ls 2>&1 | wc -l",
        "cd programs/vault && ls",
        "set -euo pipefail; ls",
        "LC_ALL=C sort x",
        "echo 'rm -rf /'",
    ],
)
def test_read_only(text: str) -> None:
    assert is_read_only(text)


@pytest.mark.parametrize(
    "text",
    [
        "solana program deploy target/deploy/x.so",
        "solana --version && solana program deploy x.so",
        "anchor build",
        "cargo build-sbf",
        "cargo test",
        "cargo --version --verbose x",
        "rm -rf target",
        "ls > listing.txt",
        "cat x >> y",
        "echo hi > file",
        "sort -o out.txt in.txt",
        "sort -uo out.txt in.txt",
        "sort --output=out.txt in.txt",
        "sort --compress-program=evil x",
        "sort $OPTS x",
        "uniq in.txt out.txt",
        "rg --pre ./evil x",
        "rg --pre=./evil x",
        "rg -z x",
        "rg -uuz x",
        "rg --search-zip x",
        "find . -delete",
        "find . -name x -delete",
        "find . -fprint out.txt",
        "find . -fls out.txt",
        "find . -exec rm {} +",
        "find . $ARGS",
        "tree -o out.txt",
        "tree -R -H x",
        "file -C -m magic",
        "git diff --output=patch.diff",
        "git log --output patch",
        "git diff --ext-diff",
        "git -c core.pager=evil log",
        "git --exec-path=/tmp log",
        "git -p log",
        "git commit -m x",
        "git push",
        "git checkout main",
        "git branch new-feature",
        "git branch -d old",
        "git branch -D old",
        "git branch -m a b",
        "git branch --set-upstream-to=origin/main",
        "git remote add origin x",
        "git stash",
        "./ls",
        "/bin/ls",
        "ls $(rm -rf x)",
        "echo `touch x`",
        "cat <(rm x)",
        "X=1 ls",
        "PATH=/tmp ls",
        "env",
        "printenv",
        "xargs cat",
        "ls | xargs rm",
        "bash -c ls",
        "sh",
        "set",
        "",
        "# comment",
        "'unbalanced",
    ],
)
def test_not_read_only(text: str) -> None:
    assert not is_read_only(text)


# the reader against bash ------------------------------------------------------------------

BASH = shutil.which("bash")
PIECE = st.sampled_from(
    ["a", "b c", "-x", "''", '""', "'a b'", '"a b"', "\\ ", "\\'", '\\"', "\\\\", "'\\'", '"\\$"',
     '"\\\\"', '"\\a"', "'#'", "x#y", "\\#", '"\'"', "'\"'", "\\\n", "=", "a=b", "~x", ":"]
)  # fmt: skip
WORDS = st.lists(st.lists(PIECE, min_size=1, max_size=4).map("".join), min_size=1, max_size=5)


@pytest.mark.skipif(BASH is None, reason="needs bash")
@settings(max_examples=60, deadline=None)
@given(WORDS)
def test_words_resolve_as_bash_resolves_them(words: list[str]) -> None:
    text = "printf '%s\\0' start " + " ".join(words)
    parsed = split_command(text)
    assert not parsed.unparseable, text
    (command,) = parsed.commands
    assert BASH is not None
    ran = subprocess.run(
        [BASH, "--noprofile", "--norc", "-c", text], capture_output=True, check=True, env={}
    )
    expected = ran.stdout.decode().split("\0")[:-1]
    assert list(command.argv[2:]) == expected, text  # printf and its format
