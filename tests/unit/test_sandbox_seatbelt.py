"""The macOS profile, checked by its text (sandbox-exec cannot run here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from solcoder.sandbox import seatbelt
from solcoder.sandbox.policy import SandboxPolicy
from solcoder.sandbox.seatbelt import quoted, seatbelt_argv, seatbelt_profile

WORKSPACE = Path("/Users/dev/anchor-app")
TMP = Path("/private/var/folders/xy/solcoder-sandbox-1")
DENIED = [Path("/Users/dev/.config/solana"), Path("/Users/dev/anchor-app/.env")]
DIRECTORIES = frozenset({Path("/Users/dev/.config/solana")})


def policy(mode: str = "workspace-write", *, network: bool = False) -> SandboxPolicy:
    return SandboxPolicy(
        mode,  # type: ignore[arg-type]
        WORKSPACE,
        network,
        Path("/Users/dev"),
        Path("/Users/dev/.solcoder"),
        (Path("/Users/dev/.cargo/registry"),),
    )


def profile(mode: str = "workspace-write", *, network: bool = False) -> str:
    return seatbelt_profile(
        policy(mode, network=network), tmp=TMP, denied=DENIED, directories=DIRECTORIES
    )


def test_writes_are_denied_except_workspace_temp_and_caches() -> None:
    text = profile()
    assert text.startswith("(version 1)\n(allow default)\n(deny file-write*)\n(allow file-write*")
    allowed = text.split("(allow file-write*", 1)[1].split("))", 1)[0]
    for path in (WORKSPACE, TMP, Path("/Users/dev/.cargo/registry")):
        assert f'(subpath "{path}")' in allowed
    assert '(literal "/dev/null")' in allowed


def test_read_only_allows_only_the_temporary_directory() -> None:
    allowed = profile("read-only").split("(allow file-write*", 1)[1].split("))", 1)[0]
    assert f'(subpath "{TMP}")' in allowed
    assert str(WORKSPACE) not in allowed
    assert ".cargo" not in allowed


def test_git_is_read_only_after_the_workspace_is_allowed() -> None:
    text = profile()
    rule = f'(deny file-write* (subpath "{WORKSPACE}/.git"))'
    assert rule in text
    assert text.index(rule) > text.index(f'(subpath "{WORKSPACE}")')


def test_denied_paths_cannot_be_read_directories_by_subpath_files_literally() -> None:
    text = profile()
    block = text.split("(deny file-read* file-write*", 1)[1]
    assert '(subpath "/Users/dev/.config/solana")' in block
    assert '(literal "/Users/dev/anchor-app/.env")' in block
    assert text.index("(deny file-read*") > text.index("(allow file-write*")


def test_network_is_denied_unless_the_policy_allows_it() -> None:
    assert profile().rstrip().endswith("(deny network*)")
    assert "network" not in profile(network=True)


def test_the_profile_is_balanced_and_paths_are_escaped() -> None:
    text = profile()
    assert text.count("(") == text.count(")")
    assert quoted('/a "b"\\c') == '"/a \\"b\\"\\\\c"'


def test_the_command_follows_the_profile() -> None:
    argv = seatbelt_argv(policy(), ["anchor", "build"], tmp=TMP, denied=DENIED)
    assert argv[:2] == ["/usr/bin/sandbox-exec", "-p"]
    assert argv[3:] == ["--", "anchor", "build"]


def test_not_available_off_macos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    assert seatbelt.available() is None
