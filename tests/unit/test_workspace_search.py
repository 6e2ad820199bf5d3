"""search_files' engine: which files are searched, what comes back, and that ripgrep and the
Python fallback give the same answer on the same tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.workspace.search import Match, SearchError, SearchResult, ripgrep_path, search
from tests.unit.workspace_trees import git_init, make_tree

ENGINES = ("ripgrep", "python")

needs_rg = pytest.mark.skipif(ripgrep_path() is None, reason="ripgrep is not installed")


def both(root: Path, pattern: str, **options: object) -> SearchResult:
    """Search with both engines, check they agree, return ripgrep's result."""
    fast = search(root, pattern, engine="ripgrep", **options)  # type: ignore[arg-type]
    slow = search(root, pattern, engine="python", **options)  # type: ignore[arg-type]
    assert fast.matches == slow.matches
    assert (fast.files_with_matches, fast.total, fast.truncated, fast.counted_all) == (
        slow.files_with_matches,
        slow.total,
        slow.truncated,
        slow.counted_all,
    )
    return fast


def paths(result: SearchResult) -> list[str]:
    return [match.path for match in result.matches]


def project(tmp_path: Path) -> Path:
    """A small Anchor-like project with most of the rules in play."""
    root = tmp_path / "proj"
    make_tree(
        root,
        {
            ".gitignore": "target/\nnode_modules/\n*.log\n!keep.log\n",
            "Anchor.toml": "[programs.localnet]\nneedle = 1\n",
            "programs/vault/src/lib.rs": "use anchor_lang::prelude::*;\n// needle here\n",
            "programs/vault/.gitignore": "generated.rs\n",
            "programs/vault/src/generated.rs": "needle generated\n",
            "target/deploy/vault.so.rs": "needle in target\n",
            "node_modules/x/index.js": "needle\n",
            "debug.log": "needle log\n",
            "keep.log": "needle kept\n",
            ".github/workflows/ci.yml": "run: needle\n",
            ".cargo/config.toml": "needle = true\n",
            "app/src/index.ts": "const needle = 'needle';\n",
            ".env": "SECRET=needle\n",
            ".env.local": "SECRET=needle\n",
            "id.json": "[1,2,3] needle\n",
            "blob.bin": b"\x00\x01needle\x00",
            "late.bin": b"needle\n" + b"x" * 9000 + b"\x00",
        },
    )
    git_init(root)
    (root / ".git" / "needle").write_text("needle in .git\n")
    return root


@needs_rg
def test_the_rules_of_the_project(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = both(root, "needle", exclude=(".env", ".env.*", "id.json"))
    assert paths(result) == [
        ".cargo/config.toml",
        ".github/workflows/ci.yml",
        "Anchor.toml",
        "app/src/index.ts",
        "keep.log",
        "programs/vault/src/lib.rs",
    ]
    assert result.matches[0] == Match(".cargo/config.toml", 1, "needle = true")
    assert result.files_with_matches == 6
    assert not result.truncated


@needs_rg
def test_excluded_secrets_never_appear_and_are_searched_without_exclude(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert {".env", ".env.local", "id.json"} <= set(paths(both(root, "needle")))
    hidden = both(root, "SECRET", exclude=(".env", ".env.*", "*.pem"))
    assert hidden.matches == ()
    assert "No matches" in hidden.render()


@needs_rg
def test_info_exclude_and_dot_ignore_files(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("app/\n")
    (root / ".ignore").write_text(".github/\n")
    (root / ".rgignore").write_text("!keep.log\nAnchor.toml\n")
    found = paths(both(root, "needle", exclude=(".env*", "id.json")))
    assert found == [".cargo/config.toml", "keep.log", "programs/vault/src/lib.rs"]


@needs_rg
def test_an_ignore_file_beats_a_gitignore_and_a_negation_re_includes(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "t",
        {
            ".gitignore": "*.txt\n",
            ".ignore": "!b.txt\n",
            "a.txt": "x\n",
            "b.txt": "x\n",
            "sub/.gitignore": "!a.txt\n",
            "sub/a.txt": "x\n",
            "sub/c.txt": "x\n",
            "skipped/.gitignore": "*\n",
            "skipped/d.txt": "x\n",
        },
    )
    assert paths(both(root, "^x$")) == ["b.txt", "sub/a.txt"]


@needs_rg
def test_a_subdirectory_keeps_the_root_rules_and_reports_root_paths(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = both(root, "needle", base=root / "programs")
    assert paths(result) == ["programs/vault/src/lib.rs"]


@needs_rg
def test_glob_filters_names_relative_to_base(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert paths(both(root, "needle", glob="*.rs")) == [
        "programs/vault/src/generated.rs",  # like rg --glob: a named file beats .gitignore
        "programs/vault/src/lib.rs",
    ]
    assert paths(both(root, "needle", glob="programs/**/lib.rs")) == ["programs/vault/src/lib.rs"]
    assert paths(both(root, "needle", glob="src/*.rs", base=root / "programs" / "vault")) == [
        "programs/vault/src/generated.rs",
        "programs/vault/src/lib.rs",
    ]
    assert both(root, "needle", glob="*.rs", exclude=("*.rs",)).matches == ()


@needs_rg
def test_skip_drops_a_file_after_the_fact_in_both_engines(tmp_path: Path) -> None:
    root = project(tmp_path)
    seen: list[str] = []

    def skip(path: str) -> bool:
        seen.append(path)
        return path == "Anchor.toml"

    result = both(root, "needle", skip=skip, exclude=(".env*", "id.json"))
    assert "Anchor.toml" not in paths(result)
    assert result.files_with_matches == 5
    assert "README.md" not in seen  # only files with matches are asked about


@needs_rg
def test_truncation_counts_and_says_what_to_do(tmp_path: Path) -> None:
    files = {f"src/f{index:02}.rs": "hit\n" * 3 for index in range(20)}
    root = make_tree(tmp_path / "t", files)
    result = both(root, "hit", max_matches=5)
    assert len(result.matches) == 5
    assert (result.total, result.truncated, result.counted_all) == (50, True, False)
    assert result.render().splitlines()[-1] == (
        "… at least 45 more matches not shown (in 17 files); narrow the pattern or pass path/glob"
    )
    exact = both(root, "hit", max_matches=10)
    assert (exact.total, exact.counted_all) == (60, True)
    assert "… 50 more matches not shown (in 20 files)" in exact.render()


@needs_rg
def test_one_huge_file_stops_reading_early(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", {"a.txt": "hit\n" * 100_000, "b.txt": "hit\n"})
    result = both(root, "hit", max_matches=3)
    assert result.total == 30
    assert paths(result) == ["a.txt"] * 3


@needs_rg
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("pattern", ["foo(", "[a-", "a{2,1}"])
def test_an_invalid_pattern_is_a_sentence(tmp_path: Path, engine: str, pattern: str) -> None:
    root = make_tree(tmp_path / "t", {"a.txt": "foo\n"})
    with pytest.raises(SearchError, match="Invalid search pattern"):
        search(root, pattern, engine=engine)


@needs_rg
def test_lines_crlf_unicode_and_long_lines(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "t",
        {
            "crlf.txt": "one\r\nneedle two\r\nthree needle\r\n",
            "uni.rs": "// ¡hola, mañana! naïve 🦀 needle\nlet café = 1;\n",
            "long.js": "x" * 500 + " needle\n",
            "last.txt": "needle without newline",
            "latin1.txt": b"caf\xe9 needle\n",
        },
    )
    result = both(root, "needle", max_line_chars=20)
    assert [match.text for match in result.matches] == [
        "needle two",
        "three needle",
        "needle without newli…",
        "caf\ufffd needle",
        "x" * 20 + "…",
        "// ¡hola, mañana! na…",
    ]
    assert paths(both(root, "caf[ée]")) == ["uni.rs"]
    # The \r stays part of the line while matching, as in rg: crlf.txt has no match here.
    assert paths(both(root, "needle$")) == ["latin1.txt", "long.js", "uni.rs"]
    assert both(root, r"(?i)NEEDLE\s+\w+").total == 2


@needs_rg
def test_colons_spaces_and_unicode_in_paths(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path / "t",
        {"a:b/c d.rs": "needle\n", "ünï/x.ts": "needle: 1:2\n", "a-b.rs": "needle\n"},
    )
    result = both(root, "needle")
    assert paths(result) == ["a-b.rs", "a:b/c d.rs", "ünï/x.ts"]
    assert result.matches[2].render() == "ünï/x.ts:1:needle: 1:2"


@needs_rg
def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = make_tree(tmp_path / "outside", {"secret.txt": "needle\n"})
    root = make_tree(tmp_path / "t", {"a.txt": "needle\n"})
    os.symlink(outside, root / "linked")
    os.symlink(outside / "secret.txt", root / "secret.txt")
    assert paths(both(root, "needle")) == ["a.txt"]


@needs_rg
def test_binary_files_are_skipped_even_with_a_late_nul(tmp_path: Path) -> None:
    root = project(tmp_path)
    found = paths(both(root, "needle"))
    assert "blob.bin" not in found
    assert "late.bin" not in found


@needs_rg
def test_a_users_ripgrep_config_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_tree(tmp_path / "t", {"a.txt": "Needle\n", ".gitignore": "b.txt\n", "b.txt": "x"})
    config = tmp_path / "rgrc"
    config.write_text("--ignore-case\n--no-ignore\n")
    monkeypatch.setenv("RIPGREP_CONFIG_PATH", str(config))
    assert both(root, "needle").matches == ()
    assert both(root, "^x").matches == ()


def test_python_engine_without_ripgrep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from solcoder.workspace import search as module

    monkeypatch.setattr(module, "ripgrep_path", lambda: None)
    root = make_tree(tmp_path / "t", {"a.txt": "needle\n"})
    result = module.search(root, "needle")
    assert (result.engine, paths(result)) == ("python", ["a.txt"])
    with pytest.raises(SearchError, match="not installed"):
        module.search(root, "needle", engine="ripgrep")


# Parity over random trees: a regex subset on which Rust's regex and Python's re agree.

NAMES = st.sampled_from(["a", "b", "x.rs", "y.ts", "k.log", ".h", "d:1", "é"])
WORDS = st.sampled_from(["fn", "foo", "bar", "Bar", "x1", "é", "  ", "\t", "needle", "::"])
LINES = st.lists(WORDS, max_size=4).map(" ".join)
CONTENT = st.one_of(
    st.lists(LINES, max_size=5).map("\n".join),
    st.lists(LINES, max_size=3).map(lambda lines: "\r\n".join(lines) + "\r\n"),
    st.binary(max_size=10).map(lambda data: data + b"\0"),
)
IGNORES = st.lists(
    st.sampled_from(["*.rs", "!x.rs", "a/", "/b", "*.log", "!k.log", "d:1/**", ".h", "é"]),
    max_size=3,
).map("\n".join)
PATTERNS = st.sampled_from(
    ["foo", "^fn", "bar$", "[Bb]ar", r"\bx1\b", "f.o", "é", "(foo|bar) ", r"\w+:", "o+", "^$"]
)
GLOBS = st.sampled_from([None, "*.rs", "a/**", "!*.ts", "*"])


@st.composite
def trees(draw: st.DrawFn) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for _ in range(draw(st.integers(1, 8))):
        depth = draw(st.lists(NAMES, min_size=1, max_size=3))
        files["/".join(depth)] = draw(CONTENT)
    for directory in draw(st.lists(st.sampled_from(["", "a/", "b/", "d:1/"]), max_size=2)):
        files[directory + ".gitignore"] = draw(IGNORES)
    # A name cannot be both a file and a directory: keep the deeper one.
    return {
        path: content
        for path, content in files.items()
        if not any(other.startswith(path + "/") for other in files)
    }


@needs_rg
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=trees(), pattern=PATTERNS, glob=GLOBS, limit=st.integers(1, 6))
def test_parity_on_random_trees(
    tmp_path_factory: pytest.TempPathFactory,
    files: dict[str, str | bytes],
    pattern: str,
    glob: str | None,
    limit: int,
) -> None:
    root = make_tree(tmp_path_factory.mktemp("tree"), files)
    both(root, pattern, glob=glob, max_matches=limit, exclude=("*.log",))
