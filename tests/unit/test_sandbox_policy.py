"""The paths a sandboxed command may never read, and the caches a build may write."""

from __future__ import annotations

from pathlib import Path

from solcoder.sandbox.policy import SandboxPolicy, build_caches, denied_paths, home_denied_paths


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def policy(tmp_path: Path, **changes: object) -> SandboxPolicy:
    values: dict[str, object] = {
        "mode": "workspace-write",
        "workspace": tmp_path / "ws",
        "network": False,
        "home": tmp_path / "home",
        "solcoder_home": tmp_path / "home" / ".solcoder",
    }
    values.update(changes)
    return SandboxPolicy(**values)  # type: ignore[arg-type]


def test_home_credentials_that_exist_are_denied(tmp_path: Path) -> None:
    home = tmp_path / "home"
    touch(home / ".config" / "solana" / "id.json")
    touch(home / ".ssh" / "id_ed25519")
    touch(home / ".docker" / "config.json")
    touch(home / ".netrc")
    touch(home / ".cargo" / "credentials.toml")
    touch(home / ".bashrc")
    (home / ".solcoder").mkdir()
    denied = set(home_denied_paths(home, home / ".solcoder"))
    expected = {
        home / ".config" / "solana",
        home / ".ssh",
        home / ".docker" / "config.json",
        home / ".netrc",
        home / ".cargo" / "credentials.toml",
        home / ".solcoder",
    }
    assert expected <= denied
    assert home / ".bashrc" not in denied
    assert all(path.is_relative_to(home) for path in denied if path.name != "bus")


def test_symbolic_links_are_resolved_to_what_they_name(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "solana"
    touch(dotfiles / "id.json")
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "solana").symlink_to(dotfiles)
    workspace = tmp_path / "ws"
    touch(workspace / "src" / "lib.rs")
    (workspace / "wallet-keypair.json").symlink_to(dotfiles / "id.json")
    denied = denied_paths(policy(tmp_path))
    assert dotfiles.resolve() in denied
    assert (dotfiles / "id.json").resolve() in denied
    assert home / ".config" / "solana" not in denied


def test_workspace_secrets_are_denied_and_templates_are_not(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    touch(workspace / ".env")
    touch(workspace / ".env.example")
    touch(workspace / "target" / "deploy" / "x-keypair.json")
    denied = denied_paths(policy(tmp_path))
    real = workspace.resolve()
    assert real / ".env" in denied
    assert real / "target" / "deploy" / "x-keypair.json" in denied
    assert real / ".env.example" not in denied
    assert denied == sorted(set(denied))


def test_build_caches_are_cargo_caches_and_package_manager_caches_that_exist(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    cargo = tmp_path / "cargo"
    (cargo / "registry").mkdir(parents=True)
    (cargo / "bin").mkdir()
    touch(cargo / ".package-cache", "")
    (home / ".npm").mkdir(parents=True)
    (home / ".cache" / "solana").mkdir(parents=True)
    caches = build_caches(home, {"CARGO_HOME": str(cargo)})
    assert set(caches) == {
        cargo / "registry",
        cargo / ".package-cache",
        home / ".npm",
        home / ".cache" / "solana",
    }
    assert build_caches(tmp_path / "nobody", {}) == ()


def test_the_policy_is_a_value() -> None:
    first = SandboxPolicy("read-only", Path("/w"), False, Path("/h"), Path("/h/.s"))
    second = SandboxPolicy("read-only", Path("/w"), False, Path("/h"), Path("/h/.s"))
    assert first == second
    assert hash(first) == hash(second)
    assert not first.writes_workspace
    assert "read-only" in repr(first)
