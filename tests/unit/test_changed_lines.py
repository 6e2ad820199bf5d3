"""`solcoder review --diff`: which lines changed, asked of git read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solcoder.workspace.changed_lines import (
    ChangedLinesError,
    changed_lines,
    is_revision,
    parse_unified_zero,
)
from tests.support.git_repo import git, git_state, make_repo

DIFF = """\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -3 +3 @@ fn a() {
-    x
+    y
@@ -10,0 +11,2 @@ fn b() {
+    one
+    two
@@ -20,3 +22,0 @@ fn c() {
-    gone
diff --git a/old.rs b/old.rs
deleted file mode 100644
--- a/old.rs
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git "a/sp ace\\303\\251.rs" "b/sp ace\\303\\251.rs"
--- "a/sp ace\\303\\251.rs"
+++ "b/sp ace\\303\\251.rs"
@@ -1 +1 @@
-a
+b
"""


def test_parse_hunks_deletions_and_quoted_names() -> None:
    assert parse_unified_zero(DIFF) == {
        "src/lib.rs": frozenset({3, 11, 12, 22, 23}),
        "sp aceé.rs": frozenset({1}),
    }


@given(st.text())
def test_parse_never_raises(text: str) -> None:
    parse_unified_zero(text)


def test_working_tree_staged_and_untracked_changes_against_head(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.rs": b"1\n2\n3\n4\n", "b.rs": b"x\n"})
    before = git_state(repo)
    (repo / "a.rs").write_bytes(b"1\nTWO\n3\n4\n")
    (repo / "b.rs").write_bytes(b"x\ny\n")
    git(repo, "add", "b.rs")  # staged counts too
    (repo / "new.rs").write_bytes(b"n1\nn2\n")
    changed = changed_lines(repo)
    assert changed == {
        "a.rs": frozenset({2}),
        "b.rs": frozenset({2}),
        "new.rs": frozenset({1, 2, 3}),
    }
    assert git_state(repo) == before | {"index": git_state(repo)["index"]}
    git(repo, "commit", "-qam", "second")
    assert changed_lines(repo, "HEAD~1")["a.rs"] == frozenset({2})
    assert "a.rs" not in changed_lines(repo)


def test_reading_changes_writes_nothing_into_git(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.rs": b"1\n"})
    (repo / "a.rs").write_bytes(b"2\n")
    before = git_state(repo)
    changed_lines(repo)
    assert git_state(repo) == before


def test_a_subdirectory_workspace_gets_paths_relative_to_itself(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"programs/p/lib.rs": b"a\n", "other.rs": b"b\n"})
    (repo / "programs" / "p" / "lib.rs").write_bytes(b"A\n")
    (repo / "other.rs").write_bytes(b"B\n")
    assert changed_lines(repo / "programs") == {"p/lib.rs": frozenset({1})}


def test_a_repository_without_commits_is_all_new(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.rs").write_bytes(b"1\n2\n")
    git(repo, "add", "a.rs")
    assert changed_lines(repo) == {"a.rs": frozenset({1, 2})}


def test_outside_git_and_unknown_revisions_are_sentences(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ChangedLinesError, match="not inside a git work tree"):
        changed_lines(plain)
    repo = make_repo(tmp_path / "r", {"a.rs": b"1\n"})
    with pytest.raises(ChangedLinesError, match="`nope` is not a commit"):
        changed_lines(repo, "nope")
    assert is_revision(repo, "main") and not is_revision(repo, "nope")
    for option in ("--output=/tmp/x", "-p", " "):
        with pytest.raises(ChangedLinesError, match="is not a revision"):
            changed_lines(repo, option)


def test_a_repository_fsmonitor_hook_is_not_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.rs": b"1\n"})
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    (repo / "a.rs").write_bytes(b"2\n")
    changed_lines(repo)
    assert not marker.exists()
