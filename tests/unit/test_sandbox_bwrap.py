"""The bubblewrap command line: what is bound where, and in which order (later wins)."""

from __future__ import annotations

from pathlib import Path

from solcoder.sandbox.bwrap import bwrap_argv
from solcoder.sandbox.policy import SandboxPolicy


def policy(
    tmp_path: Path, mode: str = "workspace-write", *, network: bool = False
) -> SandboxPolicy:
    workspace = tmp_path / "ws"
    (workspace / ".git").mkdir(parents=True, exist_ok=True)
    cache = tmp_path / "cargo" / "registry"
    cache.mkdir(parents=True, exist_ok=True)
    return SandboxPolicy(
        mode,  # type: ignore[arg-type]
        workspace,
        network,
        tmp_path / "home",
        tmp_path / "home" / ".solcoder",
        (cache,),
    )


def mounts(argv: list[str]) -> list[tuple[str, ...]]:
    """The mount operations as tuples, in order."""
    taking = {"--bind": 2, "--ro-bind": 2, "--tmpfs": 1, "--remount-ro": 1, "--dev": 1, "--proc": 1}
    result = []
    index = 1
    while index < len(argv) and argv[index] != "--":
        flag = argv[index]
        width = taking.get(flag, 0)
        if flag == "--chdir":
            width = 1
        result.append(tuple(argv[index : index + 1 + width]))
        index += 1 + width
    return result


def test_order_root_then_tmp_then_workspace_then_git_then_masks(tmp_path: Path) -> None:
    chosen = policy(tmp_path)
    workspace = str(chosen.workspace.resolve())
    secret_file = chosen.workspace.resolve() / ".env"
    secret_file.write_text("K=v")
    secret_dir = chosen.workspace.resolve() / ".ssh"  # visible: the workspace is bound over /tmp
    secret_dir.mkdir()
    argv = bwrap_argv(
        chosen,
        ["anchor", "build"],
        cwd=chosen.workspace,
        tmp=tmp_path / "private",
        denied=[secret_dir, secret_file],
    )
    steps = mounts(argv)
    assert steps[0] == ("--ro-bind", "/", "/")
    order = [
        ("--bind", str(tmp_path / "private"), "/tmp"),
        ("--bind", workspace, workspace),
        ("--bind", str(tmp_path / "cargo" / "registry"), str(tmp_path / "cargo" / "registry")),
        ("--ro-bind", workspace + "/.git", workspace + "/.git"),
        ("--tmpfs", str(secret_dir)),
        ("--remount-ro", str(secret_dir)),
        ("--ro-bind", "/dev/null", str(secret_file)),
    ]
    positions = [steps.index(step) for step in order]
    assert positions == sorted(positions)
    assert argv[argv.index("--") :] == ["--", "anchor", "build"]
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert ("--chdir", str(chosen.workspace)) in steps


def test_read_only_binds_the_workspace_read_only_and_no_caches(tmp_path: Path) -> None:
    chosen = policy(tmp_path, "read-only")
    workspace = str(chosen.workspace.resolve())
    argv = bwrap_argv(chosen, ["ls"], cwd=chosen.workspace, tmp=tmp_path / "p", denied=[])
    steps = mounts(argv)
    assert ("--ro-bind", workspace, workspace) in steps
    assert not any(step[0] == "--bind" and step[1] == workspace for step in steps)
    assert "registry" not in " ".join(argv)


def test_network_on_keeps_the_network_namespace(tmp_path: Path) -> None:
    argv = bwrap_argv(
        policy(tmp_path, network=True), ["curl"], cwd=tmp_path, tmp=tmp_path / "p", denied=[]
    )
    assert "--unshare-net" not in argv
    assert "--unshare-pid" in argv


def test_paths_hidden_by_the_private_tmp_are_not_masked(tmp_path: Path) -> None:
    chosen = policy(tmp_path)
    elsewhere = Path("/tmp/solcoder-test-not-bound/id.json")
    inside = chosen.workspace.resolve() / "id.json"
    argv = bwrap_argv(
        chosen, ["true"], cwd=tmp_path, tmp=tmp_path / "p", denied=[elsewhere, inside]
    )
    assert str(elsewhere) not in argv
    assert str(inside) in argv
