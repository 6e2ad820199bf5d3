"""list_files' engine: the same files as search_files, shallowest first, ripgrep and the Python
walk in agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.workspace.listing import Listing, list_files
from solcoder.workspace.search import ripgrep_path
from tests.unit.test_workspace_search import GLOBS, project, trees
from tests.unit.workspace_trees import make_tree

needs_rg = pytest.mark.skipif(ripgrep_path() is None, reason="ripgrep is not installed")


def both(root: Path, **options: object) -> Listing:
    fast = list_files(root, engine="ripgrep", **options)  # type: ignore[arg-type]
    slow = list_files(root, engine="python", **options)  # type: ignore[arg-type]
    assert fast == slow
    return fast


@needs_rg
def test_top_level_files_first_and_ignored_files_left_out(tmp_path: Path) -> None:
    root = project(tmp_path)
    listing = both(root)
    assert listing.paths == (
        ".env",
        ".env.local",
        ".gitignore",
        "Anchor.toml",
        "blob.bin",
        "id.json",
        "keep.log",
        "late.bin",
        ".cargo/config.toml",
        ".github/workflows/ci.yml",
        "app/src/index.ts",
        "programs/vault/.gitignore",
        "programs/vault/src/lib.rs",
    )
    assert (listing.total, listing.truncated) == (13, False)
    assert listing.render().splitlines()[3] == "Anchor.toml"


@needs_rg
def test_pattern_globs(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert both(root, pattern="*.toml").paths == ("Anchor.toml", ".cargo/config.toml")
    assert both(root, pattern="**/*.rs").paths == (
        "programs/vault/src/generated.rs",  # named by the glob: like rg --glob
        "programs/vault/src/lib.rs",
    )
    assert both(root, pattern="programs/*/src/*.rs").total == 2
    assert both(root, pattern="*/*.toml").paths == (".cargo/config.toml",)
    assert both(root, pattern="programs/*.rs").paths == ()  # `*` stays within one directory
    assert both(root, pattern="lib.rs", base=root / "programs").paths == (
        "programs/vault/src/lib.rs",
    )


@needs_rg
def test_exclude_dirs_and_base(tmp_path: Path) -> None:
    root = project(tmp_path)
    listing = both(root, exclude_dirs=("app", ".github", "vault/"))
    assert "app/src/index.ts" not in listing.paths
    assert not any(path.startswith((".github/", "programs/")) for path in listing.paths)
    assert both(root, base=root / "programs" / "vault").paths == (
        "programs/vault/.gitignore",
        "programs/vault/src/lib.rs",
    )


@needs_rg
def test_truncation_and_empty_notes(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", {f"src/m{index:03}.rs": "" for index in range(1234 + 3)})
    listing = both(root, max_entries=3)
    assert listing.paths == ("src/m000.rs", "src/m001.rs", "src/m002.rs")
    assert listing.render().splitlines()[-1] == (
        "… and 1,234 more; pass a pattern such as `**/*.rs` or a path to narrow"
    )
    empty = both(root, pattern="*.toml")
    assert (empty.total, empty.truncated) == (0, False)
    assert empty.render().startswith("No files found.")


@needs_rg
def test_a_tree_outside_git_obeys_its_gitignore(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", {".gitignore": "target/\n", "target/x": "", "a": ""})
    assert both(root).paths == (".gitignore", "a")


@needs_rg
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=trees(), glob=GLOBS, limit=st.integers(1, 6))
def test_parity_on_random_trees(
    tmp_path_factory: pytest.TempPathFactory,
    files: dict[str, str | bytes],
    glob: str | None,
    limit: int,
) -> None:
    root = make_tree(tmp_path_factory.mktemp("tree"), files)
    both(root, pattern=glob, max_entries=limit, exclude_dirs=("b",))
