"""Checkpoints and undo: every byte and mode comes back, turn by turn; the user's own edits
are never clobbered silently; a crash mid-undo can be re-run; a corrupt store is reported; the
user's git repository is left exactly as it was; the store is private and follows no link."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.workspace import checkpoints as checkpoints_module
from solcoder.workspace.checkpoints import (
    CheckpointError,
    CheckpointStore,
    KnownBefore,
    NothingToUndo,
    UndoConflict,
    latest_session_store,
)
from solcoder.workspace.files import replace_file

Tree = dict[str, tuple[bytes, int] | None]
"""path -> (bytes, mode) for files, None for directories."""


def tree(root: Path) -> Tree:
    found: Tree = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative == ".git" or relative.startswith(".git/"):
            continue
        found[relative] = (
            None if path.is_dir() else (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        )
    return found


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def change(
    store: CheckpointStore, turn: int, relative: str, data: bytes | None, mode: int | None = None
) -> None:
    """What a SolCoder tool does: snapshot, change the file, record the result."""
    store.before_change(turn, relative)
    path = store.root / relative
    if data is None:
        path.unlink()
    else:
        replace_file(path, data)
    if mode is not None:
        path.chmod(mode)
    store.after_change(turn, relative)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    workspace = tmp_path / "project"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "lib.rs").write_bytes(b"fn main() {}\n")
    (workspace / "src" / "lib.rs").chmod(0o640)
    (workspace / "build.sh").write_bytes(b"#!/bin/sh\necho hi\n")
    (workspace / "build.sh").chmod(0o644)
    (workspace / "data.bin").write_bytes(bytes(range(256)) * 40)
    return workspace


@pytest.fixture
def store(tmp_path: Path, root: Path) -> CheckpointStore:
    return CheckpointStore(tmp_path / "home" / "checkpoints" / "s1", root)


# Round trips ---------------------------------------------------------------------------------


def test_modify_create_delete_round_trip_restores_every_byte_and_mode(
    store: CheckpointStore, root: Path
) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"pub fn changed() {}\n")
    change(store, 1, "build.sh", b"#!/bin/sh\necho changed\n", mode=0o755)  # made executable
    change(store, 1, "data.bin", None)
    change(store, 1, "programs/vault/src/new.rs", b"// new\n")
    assert mode_of(root / "build.sh") == 0o755
    result = store.undo_last()
    assert result.turn == 1
    assert dict(result.restored) == {
        "src/lib.rs": "restored",
        "build.sh": "restored",
        "data.bin": "recreated",
        "programs/vault/src/new.rs": "removed",
    }
    assert tree(root) == start  # new empty parents removed too
    assert store.turns() == []


def test_created_dirs_shared_by_two_new_files_are_removed_but_old_ones_stay(
    store: CheckpointStore, root: Path
) -> None:
    change(store, 1, "new/a.txt", b"a")
    change(store, 1, "new/b.txt", b"b")
    change(store, 1, "src/extra.rs", b"x")
    store.undo_last()
    assert not (root / "new").exists()
    assert (root / "src").is_dir()


def test_a_created_dir_the_user_put_a_file_in_is_kept(store: CheckpointStore, root: Path) -> None:
    change(store, 1, "new/a.txt", b"a")
    (root / "new" / "mine.txt").write_bytes(b"user")
    store.undo_last()
    assert tree(root)["new/mine.txt"] == (b"user", mode_of(root / "new" / "mine.txt"))
    assert not (root / "new" / "a.txt").exists()


def test_walks_back_three_turns(store: CheckpointStore, root: Path) -> None:
    states = [tree(root)]
    change(store, 1, "src/lib.rs", b"one\n")
    states.append(tree(root))
    change(store, 2, "src/lib.rs", b"two\n")
    change(store, 2, "notes.md", b"# notes\n")
    states.append(tree(root))
    change(store, 3, "notes.md", None)
    change(store, 3, "build.sh", b"three", mode=0o700)
    assert [record.turn for record in store.turns()] == [1, 2, 3]
    for expected_turn, expected in zip((3, 2, 1), reversed(states), strict=True):
        assert store.undo_last().turn == expected_turn
        assert tree(root) == expected
    with pytest.raises(NothingToUndo) as caught:
        store.undo_last()
    assert str(caught.value) == "Nothing to undo in this session."


def test_a_batch_of_paths_is_one_checkpoint(store: CheckpointStore, root: Path) -> None:
    start = tree(root)
    paths = ["src/lib.rs", "build.sh", "gen/out.txt", "src/lib.rs", "data.bin"]
    store.before_changes(4, paths)
    replace_file(root / "src" / "lib.rs", b"changed")
    replace_file(root / "gen" / "out.txt", b"generated")
    (root / "data.bin").unlink()
    store.after_changes(4, paths)
    [record] = store.turns()
    assert [c.path for c in record.changes] == ["src/lib.rs", "build.sh", "gen/out.txt", "data.bin"]
    assert store.undo_last().turn == 4
    assert tree(root) == start


def test_only_the_first_snapshot_of_a_turn_counts(store: CheckpointStore, root: Path) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"first edit")
    change(store, 1, "src/lib.rs", b"second edit")
    [record] = store.turns()
    assert len(record.changes) == 1
    store.undo_last()
    assert tree(root) == start


def test_a_resumed_session_continues_in_the_same_store(store: CheckpointStore, root: Path) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"one")
    resumed = CheckpointStore(store.directory, root)
    change(resumed, 2, "src/lib.rs", b"two")
    reopened = CheckpointStore.open(store.directory)
    assert reopened.root == root.resolve()
    reopened.undo_last()
    reopened.undo_last()
    assert tree(root) == start


def test_blobs_are_deduplicated(store: CheckpointStore, root: Path) -> None:
    original = (root / "src" / "lib.rs").read_bytes()
    change(store, 1, "src/lib.rs", b"other")
    change(store, 2, "src/lib.rs", original)
    change(store, 3, "src/lib.rs", b"other")
    blobs = list((store.directory / "blobs").iterdir())
    assert len(blobs) == 2


def test_session_changes_show_original_and_current(store: CheckpointStore, root: Path) -> None:
    original = (root / "src" / "lib.rs").read_bytes()
    change(store, 1, "src/lib.rs", b"one")
    change(store, 2, "src/lib.rs", b"two")
    change(store, 2, "new.rs", b"new")
    change(store, 3, "data.bin", None)
    change(store, 3, "build.sh", b"#!/bin/sh\necho hi\n")  # same bytes: no net change
    found = {item.path: item for item in store.session_changes()}
    assert set(found) == {"src/lib.rs", "new.rs", "data.bin"}
    assert (found["src/lib.rs"].original, found["src/lib.rs"].current) == (original, b"two")
    assert (found["new.rs"].original, found["new.rs"].current) == (None, b"new")
    assert found["data.bin"].current is None
    store.undo_last()
    assert "data.bin" not in {item.path for item in store.session_changes()}


# Conflicts -----------------------------------------------------------------------------------


def test_a_user_edit_after_solcoder_wrote_is_refused_and_nothing_is_touched(
    store: CheckpointStore, root: Path
) -> None:
    change(store, 1, "src/lib.rs", b"solcoder wrote this")
    change(store, 1, "build.sh", b"solcoder too")
    (root / "src" / "lib.rs").write_bytes(b"the user edited it")
    touched = tree(root)
    [record] = store.turns()
    assert store.conflicts(record) == ["src/lib.rs"]
    with pytest.raises(UndoConflict) as caught:
        store.undo_last()
    assert caught.value.paths == ("src/lib.rs",)
    assert str(caught.value) == (
        "`src/lib.rs` changed on disk after SolCoder wrote it; undo would lose those changes. "
        "Undo it anyway from the REPL (/undo asks), or restore by hand."
    )
    assert tree(root) == touched
    assert len(store.turns()) == 1


def test_force_proceeds_for_confirmed_paths(store: CheckpointStore, root: Path) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"solcoder wrote this")
    (root / "src" / "lib.rs").write_bytes(b"the user edited it")
    (root / "src" / "lib.rs").chmod(0o600)
    assert store.undo_last(force={"src/lib.rs"}).restored == (("src/lib.rs", "restored"),)
    assert tree(root) == start


def test_a_user_chmod_is_a_conflict_and_several_paths_are_named(
    store: CheckpointStore, root: Path
) -> None:
    change(store, 1, "src/lib.rs", b"x")
    change(store, 1, "build.sh", b"y")
    (root / "src" / "lib.rs").chmod(0o777)
    (root / "build.sh").unlink()
    with pytest.raises(UndoConflict) as caught:
        store.undo_last()
    assert str(caught.value).startswith(
        "`src/lib.rs` and `build.sh` changed on disk after SolCoder wrote them;"
    )


def test_a_tool_that_never_reported_back_is_undone_only_if_the_file_is_untouched(
    store: CheckpointStore, root: Path
) -> None:
    store.before_change(1, "src/lib.rs")  # the tool crashed before writing
    store.undo_last()
    store.before_change(2, "build.sh")
    (root / "build.sh").write_bytes(b"written, never reported")
    with pytest.raises(UndoConflict):
        store.undo_last()


# Crash safety --------------------------------------------------------------------------------


def test_an_undo_that_crashed_halfway_can_be_run_again(
    store: CheckpointStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"a", mode=0o755)
    change(store, 1, "build.sh", b"b")
    change(store, 1, "created.txt", b"c")
    real = checkpoints_module.replace_file
    calls = []

    def crash_on_second(path: Path, data: bytes, *, mode: int | None = None) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies between two restores
        real(path, data, mode=mode)

    monkeypatch.setattr(checkpoints_module, "replace_file", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        store.undo_last()
    monkeypatch.setattr(checkpoints_module, "replace_file", real)
    assert tree(root)["src/lib.rs"] == start["src/lib.rs"]  # half done
    assert len(store.turns()) == 1
    CheckpointStore.open(store.directory).undo_last()
    assert tree(root) == start


def test_a_corrupt_manifest_is_reported_not_reset(store: CheckpointStore, root: Path) -> None:
    change(store, 1, "src/lib.rs", b"one")
    manifest = store.directory / "turns" / "000001.json"
    manifest.write_bytes(manifest.read_bytes()[:40])
    for action in (store.undo_last, store.turns, lambda: store.before_change(1, "x")):
        with pytest.raises(CheckpointError) as caught:
            action()
        assert f"The checkpoint record {manifest} is corrupt" in str(caught.value)
        assert "move" in str(caught.value)
    assert len(manifest.read_bytes()) == 40
    assert (root / "src" / "lib.rs").read_bytes() == b"one"


def test_a_manifest_with_a_bad_hash_or_path_is_corrupt(store: CheckpointStore) -> None:
    change(store, 1, "src/lib.rs", b"one")
    manifest = store.directory / "turns" / "000001.json"
    good = manifest.read_text()
    for bad in (good.replace('"src/lib.rs"', '"../escape"'), good.replace('"sha256": "', '"x": "')):
        manifest.write_text(bad)
        with pytest.raises(CheckpointError, match="is corrupt"):
            store.turns()


def test_a_lost_after_record_makes_undo_ask_never_restore_wrongly(
    store: CheckpointStore, root: Path
) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"solcoder wrote this")
    (store.directory / "turns" / "000001.after.json").write_bytes(b"")  # lost in a crash
    with pytest.raises(UndoConflict):
        store.undo_last()
    assert store.undo_last(force={"src/lib.rs"}).turn == 1
    assert tree(root) == start


def test_a_damaged_blob_stops_undo_before_any_file_is_touched(
    store: CheckpointStore, root: Path
) -> None:
    change(store, 1, "build.sh", b"b")
    change(store, 1, "src/lib.rs", b"a")
    touched = tree(root)
    for blob in (store.directory / "blobs").iterdir():
        if blob.read_bytes() == b"fn main() {}\n":
            blob.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="missing or damaged"):
        store.undo_last()
    assert tree(root) == touched


# Safety of paths and of the store ------------------------------------------------------------


def test_paths_outside_the_root_or_in_git_are_refused(store: CheckpointStore) -> None:
    for bad in ("../outside.txt", "/etc/passwd", ".git/config", "src/./lib.rs", "a//b", ""):
        with pytest.raises(CheckpointError):
            store.before_change(1, bad)


def test_undo_refuses_a_path_that_now_leads_outside_the_root(
    store: CheckpointStore, root: Path, tmp_path: Path
) -> None:
    change(store, 1, "pkg/new.txt", b"new")
    shutil.rmtree(root / "pkg")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "new.txt").write_bytes(b"new")
    (root / "pkg").symlink_to(outside)
    with pytest.raises(CheckpointError, match="outside the workspace"):
        store.undo_last(force={"pkg/new.txt"})
    assert (outside / "new.txt").read_bytes() == b"new"


def test_the_store_is_private(tmp_path: Path, root: Path) -> None:
    previous = os.umask(0)
    try:
        store = CheckpointStore(tmp_path / "home" / "checkpoints" / "s1", root)
        change(store, 1, "src/lib.rs", b"x")
        change(store, 2, "new.txt", b"y")
        store.undo_last()
    finally:
        os.umask(previous)
    paths = [store.directory, *store.directory.rglob("*")]
    assert len(paths) > 5
    for path in paths:
        assert mode_of(path) == (0o700 if path.is_dir() else 0o600), path


def test_a_symlink_inside_the_store_is_refused(
    store: CheckpointStore, root: Path, tmp_path: Path
) -> None:
    change(store, 1, "src/lib.rs", b"x")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(store.directory / "turns", elsewhere)
    (store.directory / "turns").symlink_to(elsewhere)
    with pytest.raises(CheckpointError, match="symbolic link inside the checkpoint store"):
        store.before_change(2, "build.sh")
    with pytest.raises(CheckpointError, match="symbolic link inside the checkpoint store"):
        store.undo_last()
    assert (root / "src" / "lib.rs").read_bytes() == b"x"


def test_a_store_of_another_workspace_is_refused(store: CheckpointStore, tmp_path: Path) -> None:
    change(store, 1, "src/lib.rs", b"x")
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(CheckpointError, match="belongs to the workspace"):
        CheckpointStore(store.directory, other)


def test_after_change_needs_before_change(store: CheckpointStore) -> None:
    with pytest.raises(CheckpointError, match="before_change must come first"):
        store.after_change(1, "src/lib.rs")


def test_latest_session_store_is_the_newest_of_this_workspace(tmp_path: Path, root: Path) -> None:
    checkpoints = tmp_path / "home" / "checkpoints"
    assert latest_session_store(checkpoints, root) is None
    older = CheckpointStore(checkpoints / "a", root)
    newer = CheckpointStore(checkpoints / "b", root)
    other_root = tmp_path / "other"
    other_root.mkdir()
    foreign = CheckpointStore(checkpoints / "c", other_root)
    change(older, 1, "src/lib.rs", b"1")
    change(newer, 1, "build.sh", b"2")
    change(foreign, 1, "x.txt", b"3")
    os.utime(older.directory / "turns", (1, 1))
    os.utime(older.directory / "store.json", (1, 1))
    assert latest_session_store(checkpoints, root) == newer.directory
    with pytest.raises(NothingToUndo):
        CheckpointStore.open(checkpoints / "never-changed")


# Git ----------------------------------------------------------------------------------------


def git(root: Path, *args: str) -> bytes:
    environment = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_OPTIONAL_LOCKS": "0",  # `git status` must not refresh the index it is checking
        "HOME": str(root.parent),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=environment, check=True, capture_output=True
    ).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_git_repository_is_left_exactly_as_it_was(store: CheckpointStore, root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    (root / "build.sh").write_bytes(b"uncommitted work\n")
    git(root, "stash", "-q")
    (root / "src" / "lib.rs").write_bytes(b"staged\n")
    git(root, "add", "src/lib.rs")

    def repository() -> tuple[bytes, ...]:
        index = (root / ".git" / "index").read_bytes()  # read before git can touch it
        return (
            index,
            git(root, "status", "--porcelain"),
            git(root, "stash", "list"),
            git(root, "for-each-ref"),
            tree(root).__repr__().encode(),
        )

    start = repository()
    change(store, 1, "src/lib.rs", b"agent edit\n")
    change(store, 1, "programs/new.rs", b"new\n")
    change(store, 2, "build.sh", None)
    store.undo_last()
    store.undo_last()
    assert repository() == start
    assert not any(store.directory.rglob(".git"))


# Property: any sequence of changes, all undone, leaves the tree as it was --------------------

PATHS = ("a.txt", "src/b.rs", "src/deep/c.bin", "new/dir/d.md")
operation = st.tuples(
    st.sampled_from(PATHS),
    st.one_of(st.none(), st.binary(max_size=64)),
    st.sampled_from([None, 0o600, 0o644, 0o755]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=st.dictionaries(
        st.sampled_from(PATHS[:3]),
        st.tuples(st.binary(max_size=64), st.sampled_from([0o644, 0o755])),
    ),
    turns=st.lists(st.lists(operation, min_size=1, max_size=5), min_size=1, max_size=4),
)
def test_undoing_every_turn_restores_the_tree(
    initial: dict[str, tuple[bytes, int]],
    turns: list[list[tuple[str, bytes | None, int | None]]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        for relative, (data, mode) in initial.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(data)
            (root / relative).chmod(mode)
        start = tree(root)
        store = CheckpointStore(Path(scratch) / "store", root)
        for number, operations in enumerate(turns, start=1):
            for relative, data, mode in operations:
                exists = (root / relative).exists()
                if data is None and not exists:
                    continue
                change(store, number, relative, data, mode if data is not None else None)
        for _ in store.turns():
            store.undo_last()
        assert store.turns() == []
        assert tree(root) == start


# A "before" supplied by the caller (a snapshot taken before a command) -------------------------


def test_record_before_from_a_snapshot_is_undone_like_an_edit(
    store: CheckpointStore, root: Path
) -> None:
    start = tree(root)
    original = (root / "src" / "lib.rs").read_bytes()
    replace_file(root / "src" / "lib.rs", b"formatted\n")  # the command already ran
    (root / "build.sh").unlink()
    (root / "gen" / "out").mkdir(parents=True)
    (root / "gen" / "out" / "x.rs").write_bytes(b"generated")
    store.record_before(3, "src/lib.rs", original, 0o640)
    store.record_befores(
        3,
        [
            KnownBefore("build.sh", b"#!/bin/sh\necho hi\n", 0o100644),  # git's mode is fine
            KnownBefore("gen/out/x.rs", None, None, ("gen/out", "gen")),
        ],
    )
    store.after_changes(3, ["src/lib.rs", "build.sh", "gen/out/x.rs"])
    result = store.undo_last()
    assert dict(result.restored) == {
        "src/lib.rs": "restored",
        "build.sh": "recreated",
        "gen/out/x.rs": "removed",
    }
    assert tree(root) == start


def test_record_before_keeps_the_first_before_of_a_turn(store: CheckpointStore, root: Path) -> None:
    start = tree(root)
    change(store, 1, "src/lib.rs", b"edited by edit_file")
    store.record_before(1, "src/lib.rs", b"edited by edit_file", 0o640)  # ignored: not first
    replace_file(root / "src" / "lib.rs", b"then formatted")
    store.after_change(1, "src/lib.rs")
    [record] = store.turns()
    assert len(record.changes) == 1
    store.undo_last()
    assert tree(root) == start


def test_record_before_refuses_bad_paths(store: CheckpointStore) -> None:
    for bad in ("../x", ".git/config", "/abs"):
        with pytest.raises(CheckpointError):
            store.record_before(1, bad, b"x", 0o644)
    with pytest.raises(CheckpointError):
        store.record_before(1, "ok.txt", None, None, created_dirs=("../up",))
    assert store.turns() == []
