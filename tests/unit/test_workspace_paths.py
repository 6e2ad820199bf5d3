"""Workspace path rules on real directories: escapes by `..`, absolute paths and symlinks are
refused (naming the root, or the link), `.git` and SolCoder's home are never written, secrets
are recognised by name and by content, and no generated path string ever resolves outside."""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pathspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.workspace.paths import (
    SECRET_NAME_GLOBS,
    PathRefused,
    Workspace,
    WorkspacePath,
    find_root,
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/proj (the root, with src/lib.rs and .git/) beside tmp/outside/secret.txt."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("fn main() {}\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("no")
    return root


def workspace(root: Path, tmp_path: Path | None = None) -> Workspace:
    home = (tmp_path or root.parent) / "user-home"
    return Workspace(root, solcoder_home=root.parent / "solcoder-home", user_home=home)


def refusal(ws: Workspace, path: str) -> str:
    with pytest.raises(PathRefused) as caught:
        ws.resolve(path)
    return str(caught.value)


# resolve: inside ------------------------------------------------------------------------------


def test_relative_path_resolves_inside(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.resolve("src/lib.rs") == WorkspacePath(tree / "src" / "lib.rs", "src/lib.rs")


def test_root_itself_is_dot(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.resolve(".") == WorkspacePath(tree, ".")
    assert ws.resolve(str(tree)) == WorkspacePath(tree, ".")
    assert ws.resolve("src/..").relative == "."


def test_dot_segments_staying_inside_are_normalised(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.resolve("./src/../src/./lib.rs").relative == "src/lib.rs"
    assert ws.resolve("src//lib.rs").relative == "src/lib.rs"


def test_absolute_path_inside_is_accepted(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.resolve(str(tree / "src" / "lib.rs")).relative == "src/lib.rs"


def test_missing_path_is_allowed(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.resolve("new/dir/file.rs") == WorkspacePath(
        tree / "new" / "dir" / "file.rs", "new/dir/file.rs"
    )


def test_root_given_through_a_symlink_is_resolved(tree: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(tree)
    ws = Workspace(alias, solcoder_home=tmp_path / "h")
    assert ws.root == tree
    assert ws.resolve(str(alias / "src" / "lib.rs")).relative == "src/lib.rs"


def test_symlink_inside_is_followed(tree: Path) -> None:
    (tree / "link.rs").symlink_to("src/lib.rs")
    (tree / "srclink").symlink_to(tree / "src")
    ws = workspace(tree)
    assert ws.resolve("link.rs") == WorkspacePath(tree / "src" / "lib.rs", "src/lib.rs")
    assert ws.resolve("srclink/lib.rs").relative == "src/lib.rs"


def test_dangling_symlink_inside_resolves_to_its_target(tree: Path) -> None:
    (tree / "dangling").symlink_to("src/missing.rs")
    assert workspace(tree).resolve("dangling").relative == "src/missing.rs"


# resolve: refused -----------------------------------------------------------------------------


def test_dotdot_escape_is_refused_naming_the_root(tree: Path) -> None:
    message = refusal(workspace(tree), "../outside/secret.txt")
    assert message == (
        f"`../outside/secret.txt` is outside the workspace ({tree}); tools can only use paths "
        "inside it, relative to it like `src/lib.rs`."
    )


@pytest.mark.parametrize("path", ["..", "src/../..", "missing/../../x", "src/../../proj/../x"])
def test_dotdot_escapes_in_any_form(tree: Path, path: str) -> None:
    assert "is outside the workspace" in refusal(workspace(tree), path)


def test_dotdot_that_leaves_and_comes_back_is_inside(tree: Path) -> None:
    assert workspace(tree).resolve("../proj/src/lib.rs").relative == "src/lib.rs"


def test_absolute_path_outside_is_refused(tree: Path) -> None:
    message = refusal(workspace(tree), "/etc/passwd")
    assert message.startswith(f"`/etc/passwd` is outside the workspace ({tree});")


def test_sibling_with_the_root_as_prefix_is_outside(tree: Path) -> None:
    (tree.parent / "proj2").mkdir()
    assert "outside" in refusal(workspace(tree), str(tree.parent / "proj2" / "x"))


def test_symlinked_file_leading_out_is_refused_naming_the_link(tree: Path) -> None:
    outside = tree.parent / "outside" / "secret.txt"
    (tree / "src" / "leak.txt").symlink_to(outside)
    message = refusal(workspace(tree), "src/leak.txt")
    assert message == (
        f"`src/leak.txt` leads outside the workspace ({tree}): `src/leak.txt` is a symbolic "
        f"link to {outside}; tools can only use paths inside it, relative to it like `src/lib.rs`."
    )


def test_symlinked_directory_leading_out_is_refused_naming_the_link(tree: Path) -> None:
    (tree / "vendor").symlink_to(tree.parent / "outside")
    message = refusal(workspace(tree), "vendor/secret.txt")
    assert "`vendor` is a symbolic link to " + str(tree.parent / "outside") in message
    assert "`vendor/missing` leads outside" in refusal(workspace(tree), "vendor/missing")


def test_symlink_chain_leading_out_names_the_first_link(tree: Path) -> None:
    (tree / "b").symlink_to(tree.parent / "outside")
    (tree / "a").symlink_to("b")
    message = refusal(workspace(tree), "a/secret.txt")
    assert "`a` is a symbolic link to " + str(tree.parent / "outside") in message


def test_dangling_symlink_leading_out_is_refused(tree: Path) -> None:
    (tree / "gone").symlink_to(tree.parent / "nowhere" / "file")
    message = refusal(workspace(tree), "gone")
    assert "`gone` is a symbolic link to " + str(tree.parent / "nowhere" / "file") in message


def test_symlink_then_dotdot_follows_the_link_first(tree: Path) -> None:
    # The kernel resolves `link/..` from the link's target, not lexically.
    deep = tree.parent / "outside" / "deep"
    deep.mkdir()
    (tree / "up").symlink_to(deep)
    assert "leads outside" in refusal(workspace(tree), "up/../secret.txt")


def test_symlink_to_the_root_then_dotdot_is_outside(tree: Path) -> None:
    (tree / "self").symlink_to(tree)
    assert workspace(tree).resolve("self/src/lib.rs").relative == "src/lib.rs"
    assert "outside" in refusal(workspace(tree), "self/../outside")


def test_absolute_alias_through_outside_link_names_the_link(tree: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(tree)
    (tree / "vendor").symlink_to(tree.parent / "outside")
    message = refusal(workspace(tree), str(alias / "vendor" / "secret.txt"))
    assert "`vendor` is a symbolic link" in message


@pytest.mark.parametrize("path", ["", "   "])
def test_empty_path_is_refused(tree: Path, path: str) -> None:
    assert refusal(workspace(tree), path) == (
        f"The path is empty; name a file relative to the workspace root ({tree}), like "
        "`src/lib.rs`."
    )


def test_nul_is_refused(tree: Path) -> None:
    message = refusal(workspace(tree), "src/lib.rs\x00.txt")
    assert "NUL character" in message
    assert str(tree) in message


def test_tilde_is_not_expanded(tree: Path) -> None:
    message = refusal(workspace(tree), "~/.ssh/id_rsa")
    assert message == (
        "`~/.ssh/id_rsa` starts with `~`, which is not expanded: paths are relative to the "
        f"workspace root ({tree}), like `src/lib.rs`; the home directory is outside it."
    )
    assert "starts with `~`" in refusal(workspace(tree), "~")
    assert "starts with `~`" in refusal(workspace(tree), "~user/x")


def test_tilde_directory_that_exists_is_an_ordinary_name(tree: Path) -> None:
    (tree / "~").mkdir()
    assert workspace(tree).resolve("~/x").absolute == tree / "~" / "x"
    assert workspace(tree).resolve("a~b").relative == "a~b"


def test_tilde_escape_says_it_is_not_expanded(tree: Path) -> None:
    (tree / "~").mkdir()
    assert "(`~` is not expanded)" in refusal(workspace(tree), "~/../../x")


# resolve_for_write ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [".git", ".git/config", ".GIT/hooks/pre-commit", "sub/.Git/x"])
def test_writes_into_git_are_refused(tree: Path, path: str) -> None:
    with pytest.raises(PathRefused) as caught:
        workspace(tree).resolve_for_write(path)
    assert "is inside `.git`, the repository's own data" in str(caught.value)
    assert workspace(tree).resolve(path).absolute.is_relative_to(tree)  # reading is fine


def test_write_through_a_link_into_git_is_refused(tree: Path) -> None:
    (tree / "hooks").symlink_to(".git")
    with pytest.raises(PathRefused, match=r"`\.git/config` is inside `\.git`"):
        workspace(tree).resolve_for_write("hooks/config")


def test_gitignore_and_similar_names_are_writable(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.resolve_for_write(".gitignore").relative == ".gitignore"
    assert ws.resolve_for_write(".github/workflows/ci.yml").relative == ".github/workflows/ci.yml"
    assert ws.resolve_for_write("src/lib.rs").relative == "src/lib.rs"


def test_solcoder_home_inside_the_workspace_is_not_written(tree: Path) -> None:
    home = tree / ".solcoder"
    home.mkdir()
    ws = Workspace(tree, solcoder_home=home, user_home=tree.parent / "h")
    with pytest.raises(PathRefused, match="SolCoder's own home"):
        ws.resolve_for_write(".solcoder/config.toml")
    with pytest.raises(PathRefused, match="SolCoder's own home"):
        ws.resolve_for_write(".solcoder")
    assert ws.resolve_for_write(".solcoder-notes").relative == ".solcoder-notes"


def test_display(tree: Path) -> None:
    ws = workspace(tree)
    assert ws.display(tree / "src" / "lib.rs") == "src/lib.rs"
    assert ws.display(tree) == "."
    assert ws.display(Path("/etc/passwd")) == "/etc/passwd"


# find_root ----------------------------------------------------------------------------------


def test_find_root_with_git_directory(tree: Path) -> None:
    (tree / "src" / "deep").mkdir()
    assert find_root(tree / "src" / "deep") == tree


def test_find_root_with_git_file(tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    (worktree / "a").mkdir(parents=True)
    (worktree / ".git").write_text("gitdir: /elsewhere\n")
    assert find_root(worktree / "a") == worktree


def test_find_root_without_git_is_cwd_resolved(tmp_path: Path) -> None:
    (tmp_path / "plain" / "x").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "plain" / "x")
    assert find_root(tmp_path / "link") == tmp_path / "plain" / "x"


def test_find_root_nearest_wins(tree: Path) -> None:
    inner = tree / "sub"
    (inner / ".git").mkdir(parents=True)
    assert find_root(inner) == inner


# secrets ------------------------------------------------------------------------------------


def reason(ws: Workspace, path: str) -> str | None:
    return ws.secret_reason(ws.resolve(path))


SECRET_CASES = [
    ("id.json", "a Solana keypair file"),
    ("keys/ID.JSON", "a Solana keypair file"),
    ("target/deploy/my_program-keypair.json", "a Solana keypair file"),
    (".env", "an environment file (.env)"),
    (".ENV", "an environment file (.env)"),
    ("app/.env.local", "an environment file (.env)"),
    (".env.production", "an environment file (.env)"),
    (".ssh", "SSH keys"),
    (".ssh/known_hosts", "SSH keys"),
    ("backup/.SSH/config", "SSH keys"),
    ("id_rsa", "SSH keys"),
    ("keys/id_ed25519.pub", "SSH keys"),
    ("id_ecdsa", "SSH keys"),
    ("certs/server.PEM", "SSH keys"),
    ("tls.key", "SSH keys"),
    ("bundle.p12", "SSH keys"),
    (".aws/credentials", "cloud credentials"),
    ("home/.aws/config", "cloud credentials"),
    (".config/gcloud", "cloud credentials"),
    (".config/gcloud/application_default_credentials.json", "cloud credentials"),
    (".azure/tokens", "cloud credentials"),
    (".kube/config", "cloud credentials"),
    (".docker/config.json", "cloud credentials"),
    (".netrc", "cloud credentials"),
    (".npmrc", "cloud credentials"),
    (".pypirc", "cloud credentials"),
    (".git-credentials", "cloud credentials"),
    (".config/solana/cli/config.yml", "the Solana CLI's keys and settings (~/.config/solana)"),
]

NOT_SECRET = [
    ".env.example",
    ".ENV.Example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "src/lib.rs",
    "Anchor.toml",
    "package.json",
    ".aws/README.md",
    ".kube/notes",
    "environment.rs",
    "ssh.rs",
    ".config/other/x",
    "key.rs",
    ".",
]


@pytest.mark.parametrize(("path", "expected"), SECRET_CASES)
def test_secret_names(tree: Path, path: str, expected: str) -> None:
    assert reason(workspace(tree), path) == expected


@pytest.mark.parametrize("path", NOT_SECRET)
def test_not_secret_names(tree: Path, path: str) -> None:
    assert reason(workspace(tree), path) is None


KEYPAIR = list(range(200, 232)) + list(range(32))


def test_keypair_recognised_by_content(tree: Path) -> None:
    (tree / "wallet.json").write_text(json.dumps(KEYPAIR))
    (tree / "spaced.JSON").write_text("\n [ " + ",\n  ".join(map(str, KEYPAIR)) + " ]\n")
    ws = workspace(tree)
    assert reason(ws, "wallet.json") == "a Solana keypair file"
    assert reason(ws, "spaced.JSON") == "a Solana keypair file"


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(KEYPAIR[:63]),  # 63 numbers
        json.dumps([*KEYPAIR, 1]),  # 65
        json.dumps([*KEYPAIR[:63], 256]),  # out of byte range
        json.dumps([*KEYPAIR[:63], -1]),
        json.dumps([*KEYPAIR[:63], True]),  # JSON true is not a byte
        json.dumps([*KEYPAIR[:63], 1.5]),
        json.dumps({"key": KEYPAIR}),
        "[1, 2, 3",
    ],
)
def test_keypair_lookalikes_are_not_secret(tree: Path, content: str) -> None:
    (tree / "data.json").write_text(content)
    assert reason(workspace(tree), "data.json") is None


def test_keypair_content_checked_only_in_small_json_files(tree: Path) -> None:
    (tree / "wallet.txt").write_text(json.dumps(KEYPAIR))
    (tree / "big.json").write_text(json.dumps(KEYPAIR) + " " * 5000)
    ws = workspace(tree)
    assert reason(ws, "wallet.txt") is None
    assert reason(ws, "big.json") is None
    assert reason(ws, "missing.json") is None


def test_keypair_through_a_symlink_is_found(tree: Path) -> None:
    (tree / "wallet.json").write_text(json.dumps(KEYPAIR))
    (tree / "innocent").symlink_to("wallet.json")
    assert reason(workspace(tree), "innocent") == "a Solana keypair file"


def test_solana_config_of_the_user_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".config" / "solana").mkdir(parents=True)
    ws = Workspace(home, solcoder_home=tmp_path / "sc", user_home=home)
    assert reason(ws, ".config/solana/cli/config.yml") == (
        "the Solana CLI's keys and settings (~/.config/solana)"
    )
    # The workspace is the home here; the rule is about the real directory, by any name.
    (home / "shortcut").symlink_to(home / ".config" / "solana")
    assert reason(ws, "shortcut/anything") == (
        "the Solana CLI's keys and settings (~/.config/solana)"
    )


def test_solcoder_home_is_secret(tree: Path) -> None:
    home = tree / "state"
    home.mkdir()
    ws = Workspace(tree, solcoder_home=home, user_home=tree.parent / "h")
    assert reason(ws, "state/credentials.toml") == "SolCoder's own home"
    assert reason(ws, "statements.md") is None


@pytest.mark.parametrize("path", [path for path, _ in SECRET_CASES[:-1]] + NOT_SECRET[:-1])
def test_globs_agree_with_secret_reason(tree: Path, path: str) -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(SECRET_NAME_GLOBS)
    expected = reason(workspace(tree), path) is not None
    shown = path + "/" if path in (".ssh", ".config/gcloud") else path  # directories
    assert spec.match_file(shown.lower()) is expected


def test_globs_cover_the_solana_config_directory() -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(SECRET_NAME_GLOBS)
    assert spec.match_file("home/.config/solana/id.json")
    assert spec.match_file(".config/solana/cli/config.yml")
    assert not spec.match_file("src/solana/lib.rs")


# property: never outside --------------------------------------------------------------------

SEGMENTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "src",
        "SRC",
        "lib.rs",
        "in_link",
        "out_link",
        "out_dir_link",
        "chain",
        "dangling_out",
        "dangling_in",
        "loop_a",
        "~",
        "~user",
        "proj",
        "outside",
        "é",
        "a\u0301",
        "日本",
        " ",
        "x" * 10,
        "...",
        "\\",
    ]
)


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("x")
    outside = base / "outside"
    outside.mkdir()
    (outside / "lib.rs").write_text("secret")
    (root / "in_link").symlink_to("src")
    (root / "src" / "out_link").symlink_to(outside / "lib.rs")
    (root / "out_dir_link").symlink_to(outside)
    (root / "chain").symlink_to("out_dir_link")
    (root / "dangling_out").symlink_to(base / "nowhere")
    (root / "dangling_in").symlink_to("src/nothing")
    (root / "loop_a").symlink_to("loop_b")
    (root / "loop_b").symlink_to("loop_a")
    (root / "src" / "up").symlink_to("../..")
    return root


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segments=st.lists(
        st.one_of(SEGMENTS, st.text(string.printable + "é/\\~", max_size=6)), max_size=8
    ),
    absolute=st.booleans(),
)
def test_resolve_never_returns_a_path_outside(
    hostile_tree: Path, segments: list[str], absolute: bool
) -> None:
    path = "/".join(segments)
    if absolute:
        path = str(hostile_tree) + "/" + path
    ws = Workspace(hostile_tree, solcoder_home=hostile_tree.parent / "h")
    try:
        resolved = ws.resolve(path)
    except PathRefused:
        return
    real = os.path.realpath(resolved.absolute)
    assert real == str(hostile_tree) or real.startswith(str(hostile_tree) + os.sep)
    assert resolved.absolute == Path(real)
    expected = "." if real == str(hostile_tree) else Path(real).relative_to(hostile_tree).as_posix()
    assert resolved.relative == expected
