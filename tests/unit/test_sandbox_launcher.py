"""plan_launch's choices: off, no sandbox available (the fallback), and the one-line status."""

from __future__ import annotations

from pathlib import Path

import pytest

from solcoder.sandbox import bwrap, launcher, seatbelt
from solcoder.sandbox.launcher import describe, plan_launch
from solcoder.sandbox.policy import SandboxPolicy

CANARY = "sk-test-" + "c4n4ry" * 6


def policy(tmp_path: Path, mode: str = "workspace-write") -> SandboxPolicy:
    return SandboxPolicy(
        mode,  # type: ignore[arg-type]
        tmp_path,
        False,
        tmp_path / "home",
        tmp_path / "home" / ".solcoder",
    )


@pytest.fixture
def no_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr(bwrap, "available", lambda: None)
    monkeypatch.setattr(
        bwrap, "unavailable_reason", lambda: f"bubblewrap is not installed; {bwrap.INSTALL_HINT}"
    )


def test_without_bubblewrap_the_plan_is_unsandboxed_with_how_to_install(
    tmp_path: Path, no_bubblewrap: None
) -> None:
    plan = plan_launch(
        ["cargo", "test"],
        policy(tmp_path),
        cwd=tmp_path,
        environ={"PATH": "/bin", "OPENAI_API_KEY": CANARY},
    )
    assert plan.sandbox == "none"
    assert plan.argv == ("cargo", "test")
    assert plan.tmp is None
    assert plan.note is not None
    assert "apt install bubblewrap" in plan.note
    assert plan.env == {"PATH": "/bin"}
    assert describe(policy(tmp_path), plan.sandbox).startswith("no sandbox available")


def test_on_macos_without_sandbox_exec_the_note_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    monkeypatch.setattr(seatbelt, "available", lambda: None)
    plan = plan_launch(["ls"], policy(tmp_path), cwd=tmp_path, environ={})
    assert plan.sandbox == "none"
    assert plan.note is not None
    assert "sandbox-exec" in plan.note


def test_on_macos_the_plan_runs_sandbox_exec_with_a_private_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    monkeypatch.setattr(seatbelt, "available", lambda: "/usr/bin/sandbox-exec")
    plan = plan_launch(["ls"], policy(tmp_path), cwd=tmp_path, environ={"PATH": "/bin"})
    try:
        assert plan.sandbox == "seatbelt"
        assert plan.argv[0] == "/usr/bin/sandbox-exec"
        assert plan.argv[-2:] == ("--", "ls")
        assert plan.tmp is not None
        assert plan.env["TMPDIR"] == str(plan.tmp)
    finally:
        plan.cleanup()
    assert plan.tmp is not None
    assert not plan.tmp.exists()


def test_off_runs_the_command_as_given_with_the_environment_scrubbed(tmp_path: Path) -> None:
    plan = plan_launch(
        ["anchor", "build"],
        policy(tmp_path, "off"),
        cwd=tmp_path,
        environ={"PATH": "/bin", "ANTHROPIC_API_KEY": CANARY},
    )
    assert plan.argv == ("anchor", "build")
    assert plan.sandbox == "none"
    assert plan.note is None
    assert plan.env == {"PATH": "/bin"}
    assert describe(policy(tmp_path, "off"), "none") == "sandbox off · commands run unconfined"


def test_an_empty_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="argv is empty"):
        plan_launch([], policy(tmp_path), cwd=tmp_path, environ={})


def test_describe_names_sandbox_mode_and_network(tmp_path: Path) -> None:
    assert describe(policy(tmp_path), "bubblewrap") == "bubblewrap · workspace-write · network off"
    chosen = SandboxPolicy("read-only", tmp_path, True, tmp_path, tmp_path)
    assert describe(chosen, "seatbelt") == "seatbelt · read-only · network on"


def test_the_plan_does_not_show_the_environment_in_its_repr(tmp_path: Path) -> None:
    plan = launcher.LaunchPlan(("true",), {"A": "b"}, "none", None)
    assert "'A'" not in repr(plan)
