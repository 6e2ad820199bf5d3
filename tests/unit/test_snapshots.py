"""Undo of what a shell command changed: every byte and mode comes back, created files go,
ignored build output is left alone, the user's `.git` is not touched (even with GIT_DIR set in
the environment), and a rewrite that keeps size and mtime is still seen."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from solcoder.workspace import command_checkpoint as glue
from solcoder.workspace import snapshots as snapshots_module
from solcoder.workspace.checkpoints import CheckpointStore, NothingToUndo
from solcoder.workspace.command_checkpoint import (
    CommandChange,
    CommandCheckpoint,
    command_checkpoint,
)
from solcoder.workspace.files import replace_file
from solcoder.workspace.snapshots import ShadowSnapshots

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

Tree = dict[str, tuple[bytes, int] | None]


def tree(root: Path, *, skip: tuple[str, ...] = (".git",)) -> Tree:
    found: Tree = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if any(relative == s or relative.startswith(f"{s}/") for s in skip):
            continue
        found[relative] = (
            None if path.is_dir() else (path.read_bytes(), stat.S_IMODE(path.lstat().st_mode))
        )
    return found


def user_git(root: Path, *args: str) -> bytes:
    """The user's own git, run the way a test inspects it (no GIT_* from the test's env)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    environment.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
        }
    )
    return subprocess.run(
        ["git", *args], cwd=root, env=environment, check=True, capture_output=True
    ).stdout


def repository_state(root: Path) -> tuple[object, ...]:
    """Every byte under .git (hashed first, before any git call could touch the index), and
    what git says about the repository."""
    hashes = {
        path.relative_to(root).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            stat.S_IMODE(path.stat().st_mode),
            path.stat().st_mtime_ns,
        )
        for path in sorted((root / ".git").rglob("*"))
        if path.is_file()
    }
    return (
        hashes,
        user_git(root, "status", "--porcelain", "--ignored"),
        user_git(root, "stash", "list"),
        user_git(root, "for-each-ref"),
    )


@pytest.fixture(params=["git", "plain"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    workspace = tmp_path / "project"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "lib.rs").write_bytes(b"fn main() {\n    old();\n}\n")
    (workspace / "src" / "lib.rs").chmod(0o640)
    (workspace / "build.sh").write_bytes(b"#!/bin/sh\necho hi\n")
    (workspace / "build.sh").chmod(0o644)
    (workspace / "data.bin").write_bytes(bytes(range(256)) * 40)
    (workspace / "tool").write_bytes(b"#!/bin/sh\n")
    (workspace / "tool").chmod(0o755)
    (workspace / ".gitignore").write_bytes(b"target/\n")
    (workspace / "target" / "debug").mkdir(parents=True)
    (workspace / "target" / "debug" / "out").write_bytes(b"build output")
    if request.param == "git":
        user_git(workspace, "init", "-q")
        user_git(workspace, "add", "-A")
        user_git(workspace, "commit", "-q", "-m", "start")
    return workspace


@pytest.fixture
def store(tmp_path: Path, root: Path) -> CheckpointStore:
    return CheckpointStore(tmp_path / "home" / "checkpoints" / "s1", root)


@pytest.fixture
def shadow(store: CheckpointStore, root: Path) -> ShadowSnapshots:
    return ShadowSnapshots(store.directory / "shadow.git", root)


def command(root: Path) -> None:
    """What a formatter plus a generator might do: edit in place (a real `sed -i`), create
    files in new directories, delete one, make one executable, rebuild ignored output."""
    subprocess.run(["sed", "-i", "s/old/new/", "src/lib.rs"], cwd=root, check=True)
    (root / "gen" / "idl").mkdir(parents=True)
    (root / "gen" / "idl" / "vault.json").write_bytes(b"{}\n")
    (root / "data.bin").unlink()
    (root / "build.sh").chmod(0o755)
    (root / "tool").chmod(0o644)
    (root / "target" / "debug" / "out").write_bytes(b"new build output")


def test_undo_restores_every_byte_and_mode_and_removes_created_files(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    start = tree(root, skip=(".git", "target"))
    with command_checkpoint(store, shadow, 1) as done:
        command(root)
    assert done.covered
    assert done.notes == []
    assert sorted(done.changes, key=lambda c: c.path) == [
        CommandChange("build.sh", "modified"),
        CommandChange("data.bin", "deleted"),
        CommandChange("gen/idl/vault.json", "created"),
        CommandChange("src/lib.rs", "modified"),
        CommandChange("tool", "modified"),
    ]
    assert (root / "src" / "lib.rs").read_bytes() == b"fn main() {\n    new();\n}\n"
    result = store.undo_last()
    assert dict(result.restored)["gen/idl/vault.json"] == "removed"
    assert tree(root, skip=(".git", "target")) == start
    assert not (root / "gen").exists()
    assert (root / "target" / "debug" / "out").read_bytes() == b"new build output"


def test_a_command_in_a_turn_that_already_edited_a_file_keeps_the_first_before(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    start = tree(root)
    store.before_change(1, "src/lib.rs")  # edit_file, earlier in the turn
    replace_file(root / "src" / "lib.rs", b"fn main() { old(); edited(); }\n")
    store.after_change(1, "src/lib.rs")
    with command_checkpoint(store, shadow, 1):
        subprocess.run(["sed", "-i", "s/old/new/", "src/lib.rs"], cwd=root, check=True)
    [record] = store.turns()
    assert [c.path for c in record.changes] == ["src/lib.rs"]
    store.undo_last()  # no conflict: the command's result is recorded as SolCoder's
    assert tree(root) == start


def test_turns_of_commands_walk_back_one_by_one(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    states = [tree(root)]
    for turn in (1, 2, 3):
        with command_checkpoint(store, shadow, turn):
            (root / "src" / "lib.rs").write_bytes(f"turn {turn}\n".encode())
            (root / f"new{turn}.txt").write_bytes(b"x")
        states.append(tree(root))
    for expected in reversed(states[:-1]):
        store.undo_last()
        assert tree(root) == expected
    with pytest.raises(NothingToUndo):
        store.undo_last()


def test_a_command_that_changes_nothing_records_nothing(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    first = shadow.snapshot()
    with command_checkpoint(store, shadow, 1) as done:
        (root / "target" / "debug" / "out").write_bytes(b"only ignored output")
    assert (done.changes, done.notes) == ([], [])
    assert shadow.snapshot() == first
    assert shadow.changes_since(first) == []
    with pytest.raises(NothingToUndo):
        store.undo_last()


def test_changes_are_recorded_even_when_the_command_fails(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    start = tree(root)
    seen: list[CommandCheckpoint] = []

    def killed_command() -> None:
        with command_checkpoint(store, shadow, 1) as done:
            seen.append(done)
            (root / "half.txt").write_bytes(b"half written")
            raise RuntimeError("the command was killed")

    with pytest.raises(RuntimeError, match="killed"):
        killed_command()
    [done] = seen
    assert done.changes == [CommandChange("half.txt", "created")]
    store.undo_last()
    assert tree(root) == start


# Racy git ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mtime", ["old", "recent"])
def test_a_rewrite_with_the_same_size_and_mtime_is_seen(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path, mtime: str
) -> None:
    path = root / "src" / "lib.rs"
    if mtime == "old":
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    start = tree(root)
    before = path.stat()
    with command_checkpoint(store, shadow, 1) as done:
        with path.open("r+b") as handle:  # in place: same inode, same size
            handle.write(b"FN")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert done.changes == [CommandChange("src/lib.rs", "modified")]
    store.undo_last()
    assert tree(root) == start


# What is left out, and says so ---------------------------------------------------------------


def test_without_git_nothing_is_recorded_and_one_note_says_so(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots_module, "git_executable", lambda: None)
    with command_checkpoint(store, shadow, 1) as done:
        (root / "new.txt").write_bytes(b"x")
    assert not done.covered
    assert done.notes == [glue.NO_GIT]
    assert done.changes == []
    with pytest.raises(NothingToUndo):
        store.undo_last()


def test_a_broken_shadow_degrades_to_a_note(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    shadow.directory.parent.mkdir(parents=True)
    shadow.directory.write_bytes(b"not a directory")
    with command_checkpoint(store, shadow, 1) as done:
        (root / "new.txt").write_bytes(b"x")
    assert not done.covered
    [note] = done.notes
    assert note.startswith("Changes made by this command cannot be undone:")


def test_big_files_links_and_unignored_files_are_left_out_with_notes(
    store: CheckpointStore,
    shadow: ShadowSnapshots,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(glue, "MAX_BYTES", 1000)
    with command_checkpoint(store, shadow, 1) as done:
        (root / "data.bin").write_bytes(b"small now")  # was 10 KB: too big to keep
        (root / "link").symlink_to("build.sh")
        (root / ".gitignore").write_bytes(b"")  # target/ is no longer ignored
        (root / "src" / "lib.rs").write_bytes(b"changed")
    assert sorted(c.path for c in done.changes) == [".gitignore", "src/lib.rs"]
    notes = "\n".join(done.notes)
    assert "`data.bin` is too big to checkpoint (10 KB, over 1 KB)" in notes
    assert "`link` changed but is a symbolic link" in notes
    assert "`target/debug/out` appeared after a `.gitignore` changed" in notes
    store.undo_last()
    assert (root / "target" / "debug" / "out").read_bytes() == b"build output"
    assert (root / "src" / "lib.rs").read_bytes() == b"fn main() {\n    old();\n}\n"


# The user's repository -----------------------------------------------------------------------


@pytest.mark.parametrize("root", ["git"], indirect=True)
def test_the_users_repository_is_byte_identical_even_with_git_dir_set(
    store: CheckpointStore,
    shadow: ShadowSnapshots,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (root / "build.sh").write_bytes(b"uncommitted work\n")
    user_git(root, "stash", "-q")
    (root / "src" / "lib.rs").write_bytes(b"staged\n")
    user_git(root, "add", "src/lib.rs")
    (root / "notes.md").write_bytes(b"untracked\n")
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_bytes(b"local.log\n")
    (root / "local.log").write_bytes(b"excluded by the user")
    start = repository_state(root)
    files = tree(root)
    monkeypatch.setenv("GIT_DIR", str(root / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(root / ".git" / "index"))
    monkeypatch.setenv("GIT_WORK_TREE", str(root))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(root / ".git" / "objects"))
    with command_checkpoint(store, shadow, 1) as done:
        command(root)
        (root / "local.log").write_bytes(b"changed, still excluded")
    assert "local.log" not in {c.path for c in done.changes}
    store.undo_last()
    monkeypatch.delenv("GIT_DIR")
    assert repository_state(root) == start
    assert (root / "local.log").read_bytes() == b"changed, still excluded"
    now = tree(root)
    for left_alone in ("local.log", "target/debug/out"):  # excluded and ignored: not undone
        files[left_alone] = now[left_alone]
    assert now == files
    assert not any(p.name == ".git" for p in store.directory.rglob("*"))


def test_the_shadow_is_private_and_has_no_hooks(
    store: CheckpointStore, shadow: ShadowSnapshots, root: Path
) -> None:
    previous = os.umask(0)
    try:
        shadow.snapshot()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(shadow.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert not (shadow.directory / "hooks").exists()
    config = (shadow.directory / "config").read_text()
    assert "hooksPath = /dev/null" in config
    assert "autocrlf = false" in config
    assert "gpgsign = false" in config


def test_blob_gives_content_and_mode_of_a_snapshot(shadow: ShadowSnapshots, root: Path) -> None:
    tree_id = shadow.snapshot()
    (root / "tool").write_bytes(b"changed")
    assert shadow.blob(tree_id, "tool") == (b"#!/bin/sh\n", 0o100755)
    assert shadow.blob(tree_id, "src/lib.rs") == (b"fn main() {\n    old();\n}\n", 0o100644)
    assert shadow.blob(tree_id, "src") is None
    assert shadow.blob(tree_id, "missing.rs") is None
    assert shadow.blob(tree_id, "target/debug/out") is None  # ignored
