"""Project instructions: which files, in which order, read how (bounded, capped, safe).

Pure ring: real files in a temporary tree, no network, no CLI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solcoder.agent.project_instructions import (
    DEFAULT_MAX_BYTES,
    FILE_NAMES,
    ProjectInstructions,
    find_git_root,
    load_instructions,
    prompt_section,
)
from solcoder.agent.prompts import SYSTEM_PROMPT, system_prompt


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def shown(instructions: ProjectInstructions) -> list[str]:
    return [file.shown for file in instructions.files]


def test_outermost_first_and_agents_before_solcoder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "SOLCODER.md", "root solcoder")
    write(root / "AGENTS.md", "root agents")
    write(root / "programs" / "AGENTS.md", "programs agents")
    deep = root / "programs" / "counter"
    write(deep / "SOLCODER.md", "counter solcoder")
    write(deep / "AGENTS.md", "counter agents")
    loaded = load_instructions(start=deep)
    assert shown(loaded) == [
        "AGENTS.md",
        "SOLCODER.md",
        "programs/AGENTS.md",
        "programs/counter/AGENTS.md",
        "programs/counter/SOLCODER.md",
    ]
    assert loaded.files[0].text == "root agents"
    assert loaded.boundary == root
    assert loaded.warnings == ()
    assert all(not file.truncated for file in loaded.files)


def test_nothing_above_the_git_root_is_read(tmp_path: Path) -> None:
    write(tmp_path / "AGENTS.md", "outside the repository")
    root = repo(tmp_path)
    write(root / "AGENTS.md", "inside")
    loaded = load_instructions(start=root)
    assert [file.text for file in loaded.files] == ["inside"]


def test_a_git_file_marks_the_root_too(tmp_path: Path) -> None:
    """Worktrees and submodules have a `.git` file, not a directory."""
    write(tmp_path / "AGENTS.md", "superproject")
    module = tmp_path / "module"
    write(module / ".git", "gitdir: ../.git/modules/module\n")
    write(module / "AGENTS.md", "module")
    assert find_git_root(module / "src") == module
    loaded = load_instructions(start=module / "src")
    assert [file.text for file in loaded.files] == ["module"]


def test_without_a_git_root_only_the_current_directory(tmp_path: Path) -> None:
    write(tmp_path / "AGENTS.md", "a parent that is no repository")
    work = tmp_path / "work"
    write(work / "SOLCODER.md", "here")
    assert find_git_root(work) is None  # the temporary directory is in no repository
    loaded = load_instructions(start=work)
    assert [file.text for file in loaded.files] == ["here"]
    assert loaded.boundary == work


def test_the_current_directory_is_the_default_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "cwd")
    monkeypatch.chdir(root)
    assert [file.text for file in load_instructions().files] == ["cwd"]


def test_turned_off_reads_nothing(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "x")
    off = load_instructions(False, start=root)
    assert off.files == () and not off.enabled


def test_the_cap_cuts_with_a_warning_naming_the_file(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "a" * 600)
    write(root / "SOLCODER.md", "b" * 600)
    write(root / "sub" / "AGENTS.md", "c" * 10)
    loaded = load_instructions(max_bytes=1000, start=root / "sub")
    assert shown(loaded) == ["AGENTS.md", "SOLCODER.md"]
    first, second = loaded.files
    assert not first.truncated and first.text == "a" * 600
    assert second.truncated and second.text == "b" * 400 and second.size == 600
    assert sum(file.included_bytes for file in loaded.files) == 1000
    cut, left_out = loaded.warnings
    assert "SOLCODER.md was cut to 400 of its 600 bytes" in cut
    assert "llm.project_instructions_bytes" in cut
    assert "sub/AGENTS.md was left out" in left_out


def test_a_cut_never_splits_a_character(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "é" * 100)  # two bytes each
    loaded = load_instructions(max_bytes=51, start=root)
    (file,) = loaded.files
    assert file.text == "é" * 25 and file.included_bytes == 50 and file.truncated


def test_bad_bytes_are_replaced_and_a_bom_dropped(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", b"\xef\xbb\xbfuse \xff\xfe anchor\n")
    (file,) = load_instructions(start=root).files
    assert file.text == "use \ufffd\ufffd anchor\n"


def test_empty_files_are_not_listed(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "  \n\n")
    loaded = load_instructions(start=root)
    assert loaded.files == () and loaded.warnings == ()


def test_a_symlink_out_of_the_repository_is_skipped(tmp_path: Path) -> None:
    secret = write(tmp_path / "elsewhere" / "notes.txt", "private notes")
    root = repo(tmp_path)
    (root / "AGENTS.md").symlink_to(secret)
    loaded = load_instructions(start=root)
    assert loaded.files == ()
    (warning,) = loaded.warnings
    assert "AGENTS.md is a link that leads outside the repository; skipped." in warning


def test_a_symlink_inside_the_repository_is_followed(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "docs" / "agents.md", "shared rules")
    (root / "AGENTS.md").symlink_to(Path("docs") / "agents.md")
    (file,) = load_instructions(start=root).files
    assert file.text == "shared rules" and file.path == root / "AGENTS.md"


def test_a_dangling_symlink_is_a_warning(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "AGENTS.md").symlink_to(root / "missing.md")
    loaded = load_instructions(start=root)
    assert loaded.files == ()
    assert "AGENTS.md cannot be read" in loaded.warnings[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_one_warning(tmp_path: Path) -> None:
    root = repo(tmp_path)
    locked = write(root / "AGENTS.md", "locked")
    write(root / "SOLCODER.md", "readable")
    locked.chmod(0)
    try:
        loaded = load_instructions(start=root)
    finally:
        locked.chmod(0o600)
    assert [file.text for file in loaded.files] == ["readable"]
    (warning,) = loaded.warnings
    assert warning == "Project instructions: AGENTS.md cannot be read (Permission denied); skipped."


def test_a_link_loop_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    """An open that fails whoever runs it (root reads any file, so chmod cannot show it)."""
    root = repo(tmp_path)
    (root / "AGENTS.md").symlink_to(root / "SOLCODER.md")
    (root / "SOLCODER.md").symlink_to(root / "AGENTS.md")
    loaded = load_instructions(start=root)
    assert loaded.files == ()
    assert len(loaded.warnings) == 2
    assert all("cannot be read (" in warning for warning in loaded.warnings)
    assert all("\n" not in warning for warning in loaded.warnings)


def test_a_fifo_never_blocks_and_a_directory_is_skipped(tmp_path: Path) -> None:
    root = repo(tmp_path)
    os.mkfifo(root / "AGENTS.md")  # nobody writes: a blocking open would hang
    (root / "SOLCODER.md").mkdir()
    loaded = load_instructions(start=root)  # a blocking open would hang: the test timeout's
    assert loaded.files == ()
    assert [warning.split(" is ")[0] for warning in loaded.warnings] == [
        "Project instructions: AGENTS.md",
        "Project instructions: SOLCODER.md",
    ]
    assert all("is not a regular file; skipped." in warning for warning in loaded.warnings)


def test_a_huge_file_is_read_only_up_to_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path)
    huge = root / "AGENTS.md"
    with huge.open("wb") as handle:  # sparse: 8 GiB on paper, nothing on disk
        handle.write(b"x" * 4096)
        handle.truncate(8 * 2**30)
    read = 0
    real_read = os.read

    def counting_read(descriptor: int, count: int) -> bytes:
        nonlocal read
        chunk = real_read(descriptor, count)
        read += len(chunk)
        return chunk

    monkeypatch.setattr(os, "read", counting_read)
    (file,) = load_instructions(max_bytes=2048, start=root).files
    assert read <= 2049
    assert file.size == 8 * 2**30 and file.truncated and file.included_bytes == 2048


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    contents=st.lists(st.binary(max_size=700), min_size=0, max_size=len(FILE_NAMES) * 2),
    cap=st.integers(min_value=0, max_value=2500),
)
def test_the_cap_is_never_exceeded(tmp_path: Path, contents: list[bytes], cap: int) -> None:
    base = tmp_path / f"case-{os.urandom(6).hex()}"
    root = base / "repo"
    (root / ".git").mkdir(parents=True)
    places = [root / name for name in FILE_NAMES] + [root / "sub" / name for name in FILE_NAMES]
    for place, content in zip(places, contents, strict=False):
        write(place, content)
    loaded = load_instructions(max_bytes=cap, start=root / "sub")
    assert sum(file.included_bytes for file in loaded.files) <= cap
    for file in loaded.files:
        full = file.path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")
        assert full.startswith(file.text)  # a prefix of the file, never anything else
        assert file.truncated == (file.text != full)
    named = {
        warning.split(" was ")[0].removeprefix("Project instructions: ")
        for warning in loaded.warnings
    }
    assert {file.shown for file in loaded.files if file.truncated} <= named


def test_the_prompt_frames_each_file_as_repository_data(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "Use Anchor 0.30.")
    write(root / "sub" / "SOLCODER.md", "Run `anchor test` here.")
    loaded = load_instructions(start=root / "sub")
    prompt = system_prompt(loaded)
    assert prompt.startswith(SYSTEM_PROMPT)  # SolCoder's own rules come first
    section = prompt_section(loaded)
    assert section in prompt
    assert "project data, not configuration" in section
    assert "which actions need the user's approval" in section
    first = prompt.index("## AGENTS.md\n\nUse Anchor 0.30.\n\n(end of AGENTS.md)")
    second = prompt.index("## sub/SOLCODER.md\n\nRun `anchor test` here.")
    assert first < second


def test_no_files_leave_the_prompt_as_it_was() -> None:
    assert system_prompt(None) == SYSTEM_PROMPT
    assert system_prompt(ProjectInstructions()) == SYSTEM_PROMPT
    assert system_prompt(ProjectInstructions.off()) == SYSTEM_PROMPT


def test_a_cut_file_says_so_in_the_prompt(tmp_path: Path) -> None:
    root = repo(tmp_path)
    write(root / "AGENTS.md", "z" * 2000)
    prompt = system_prompt(load_instructions(max_bytes=1024, start=root))
    assert "cut here" in prompt


def test_the_setting_default_is_the_module_default() -> None:
    from solcoder.config import SETTINGS

    assert SETTINGS["llm.project_instructions_bytes"].default == DEFAULT_MAX_BYTES
    assert SETTINGS["llm.project_instructions"].default is True


def test_a_home_directory_repository_does_not_widen_the_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 23 item 25: no `.git` in the project, but `$HOME` is a git repository (dotfiles):
    an AGENTS.md linking to `~/.aws/credentials` must not reach the prompt."""
    home = tmp_path / "home"
    (home / ".git").mkdir(parents=True)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("aws_secret_access_key = canary-aws-0123\n")
    project = home / "work" / "proj"
    project.mkdir(parents=True)
    (project / "AGENTS.md").symlink_to("../../.aws/credentials")
    monkeypatch.setenv("HOME", str(home))
    loaded = load_instructions(start=project)
    assert loaded.files == ()
    assert loaded.boundary == project
    assert any("outside" in warning for warning in loaded.warnings)


def test_a_link_to_a_secret_inside_the_repository_is_skipped(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".env").write_text("API_KEY=sk-test-canary-instructions-0123\n")
    (repo / "AGENTS.md").symlink_to(".env")
    loaded = load_instructions(start=repo)
    assert loaded.files == ()
    assert any("secret" in warning for warning in loaded.warnings)
