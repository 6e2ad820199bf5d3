"""The workspace's secret files, found by name and kept up to date between commands."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from solcoder.sandbox.secret_scan import NOT_ENTERED, SecretScan, workspace_secrets
from solcoder.workspace.paths import secret_name_reason


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def found(scan: SecretScan) -> set[str]:
    return {path.relative_to(scan.root).as_posix() for path in scan.refresh()}


def test_finds_secrets_by_name_and_skips_templates(tmp_path: Path) -> None:
    for name in (
        ".env",
        ".env.local",
        "app/.ENV.production",
        "target/deploy/vault-keypair.json",
        "keys/id.json",
        ".ssh/id_ed25519",
        ".aws/credentials",
        "certs/server.pem",
        ".env.example",
        "src/lib.rs",
        "target/debug/app.d",
        "package.json",
    ):
        touch(tmp_path / name)
    assert found(SecretScan(tmp_path)) == {
        ".env",
        ".env.local",
        "app/.ENV.production",
        "target/deploy/vault-keypair.json",
        "keys/id.json",
        ".ssh",
        ".aws/credentials",
        "certs/server.pem",
    }


def test_git_and_node_modules_are_not_entered(tmp_path: Path) -> None:
    touch(tmp_path / ".git" / "id.json")
    touch(tmp_path / "node_modules" / "pkg" / ".env")
    touch(tmp_path / "web" / "node_modules" / "key.pem")
    assert found(SecretScan(tmp_path)) == set()


def test_new_changed_and_removed_secrets_are_seen_on_the_next_refresh(tmp_path: Path) -> None:
    touch(tmp_path / "programs" / "a" / "src" / "lib.rs")
    scan = SecretScan(tmp_path)
    assert found(scan) == set()
    touch(tmp_path / "target" / "deploy" / "a-keypair.json")  # a new directory chain
    touch(tmp_path / "programs" / "a" / ".env")  # a known directory
    assert found(scan) == {"target/deploy/a-keypair.json", "programs/a/.env"}
    (tmp_path / "programs" / "a" / ".env").unlink()
    assert found(scan) == {"target/deploy/a-keypair.json"}


def test_a_change_within_the_racy_window_is_seen_even_with_the_same_mtime(tmp_path: Path) -> None:
    directory = tmp_path / "app"
    touch(directory / "main.ts")
    scan = SecretScan(tmp_path)
    assert found(scan) == set()
    before = directory.stat()
    touch(directory / ".env")
    os.utime(directory, ns=(before.st_atime_ns, before.st_mtime_ns))  # same tick, same mtime
    assert found(scan) == {"app/.env"}


def test_an_old_unchanged_directory_is_not_listed_again(tmp_path: Path) -> None:
    """The cache is used: a directory whose mtime is old and unchanged keeps its listing (the
    reason a recheck is cheap; a tool that forges mtimes can hide a new name until it changes)."""
    directory = tmp_path / "app"
    touch(directory / "main.ts")
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(directory, ns=(hour_ago, hour_ago))
    scan = SecretScan(tmp_path)
    assert found(scan) == set()
    touch(directory / ".env")
    os.utime(directory, ns=(hour_ago, hour_ago))
    assert found(scan) == set()
    os.utime(directory)  # any real change to the directory
    assert found(scan) == {"app/.env"}


def test_workspace_secrets_keeps_one_scan_per_root(tmp_path: Path) -> None:
    touch(tmp_path / ".env")
    assert workspace_secrets(tmp_path) == (tmp_path.resolve() / ".env",)
    touch(tmp_path / "sub" / "id.json")
    assert set(workspace_secrets(tmp_path)) == {
        tmp_path.resolve() / ".env",
        tmp_path.resolve() / "sub" / "id.json",
    }


def brute_force(root: Path) -> set[str]:
    """Every entry whose path the name rules call secret, walking all but NOT_ENTERED and not
    below a secret directory."""
    result: set[str] = set()
    for directory, subdirectories, files in os.walk(root):
        relative = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative == "." else relative + "/"
        for name in files:
            if secret_name_reason(prefix + name):
                result.add(prefix + name)
        kept = []
        for name in subdirectories:
            if secret_name_reason(prefix + name):
                result.add(prefix + name)
            elif name not in NOT_ENTERED:
                kept.append(name)
        subdirectories[:] = kept
    return result


NAMES = st.sampled_from(
    [
        "src",
        "target",
        "deploy",
        ".config",
        "solana",
        "gcloud",
        ".aws",
        ".kube",
        "config",
        "credentials",
        ".env",
        ".env.test",
        ".env.sample",
        "id.json",
        "a-keypair.json",
        "KEYPAIR.JSON",
        "lib.rs",
        "x.key",
        ".npmrc",
        "id_rsa.pub",
        "node_modules",
        ".git",
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(NAMES, min_size=1, max_size=4), min_size=1, max_size=12))
def test_the_scan_agrees_with_the_name_rules_on_generated_trees(paths: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        for parts in paths:
            target = root.joinpath(*parts)
            parents = [root.joinpath(*parts[:count]) for count in range(1, len(parts))]
            if target.exists() or any(parent.is_file() for parent in parents):
                continue
            touch(target)
        assert found(SecretScan(root)) == brute_force(root)
