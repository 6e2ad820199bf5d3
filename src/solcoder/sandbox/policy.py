"""What a command the model wrote may touch: the policy, and the paths it may never read.

A Solana developer's machine holds a keypair that signs real SOL (`~/.config/solana/id.json`),
cloud and registry credentials, and SolCoder's own keys. A command the model wrote runs with
the user's rights, so the sandbox (bubblewrap on Linux, Seatbelt on macOS) is told three things
by one policy, whichever backend builds the launch:

* where it may write: the workspace (in `workspace-write`), a private temporary directory, and
  the build caches a Solana build needs (`build_caches`);
* what it may not read even though the rest of the filesystem is readable (`denied_paths`):
  the credential files of the home directory, SolCoder's home, and the secrets inside the
  workspace by the same name rules the file tools use (`workspace/paths.py`);
* whether it may use the network (off unless asked: a command that cannot phone home cannot
  send what it read).

Build caches, decided: `cargo build` needs `CARGO_HOME/registry` and `CARGO_HOME/git` writable
to unpack and cache crates (and its lock files beside them), `cargo build-sbf` downloads its
platform tools into `~/.cache/solana`, and `npm`/`yarn`/`pnpm` keep their caches in `~/.npm`,
`~/.cache/yarn` and `~/.local/share/pnpm`. Those are writable (when they exist). The rest of
`CARGO_HOME` stays read-only on purpose: `bin/` holds `cargo` and `rustc` shims and
`config.toml` can name a `rustc-wrapper`, so a writable one would let a command plant code
that runs outside the sandbox later. `RUSTUP_HOME` (toolchains) is read-only for the same
reason; installing a toolchain is a command to run without the sandbox. Cargo's target
directory is inside the workspace by default, so builds work without more.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from solcoder.records import shared_methods

__all__ = [
    "HOME_SECRETS",
    "SANDBOX_MODES",
    "SandboxMode",
    "SandboxPolicy",
    "build_caches",
    "denied_paths",
    "home_denied_paths",
]

SandboxMode = Literal["read-only", "workspace-write", "off"]
SANDBOX_MODES: tuple[SandboxMode, ...] = ("read-only", "workspace-write", "off")


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SandboxPolicy:
    mode: SandboxMode
    workspace: Path
    network: bool
    home: Path
    """The user's home directory (where the credential files below are looked for)."""
    solcoder_home: Path
    extra_writable: tuple[Path, ...] = field(default=())
    """Writable too in `workspace-write` (never in `read-only`): usually `build_caches()`."""

    @property
    def writes_workspace(self) -> bool:
        return self.mode == "workspace-write"


HOME_SECRETS: tuple[str, ...] = (
    ".config/solana",
    ".ssh",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker/config.json",
    ".netrc",
    ".npmrc",
    ".yarnrc.yml",
    ".pypirc",
    ".git-credentials",
    ".config/gh",
    ".config/hub",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".gnupg",
    ".password-store",
    ".local/share/keyrings",
)
"""Relative to the home: Solana keys, SSH, cloud, registry and git-hosting tokens, and the
stores a keyring keeps (SolCoder's own credentials may live in the OS keyring)."""


def home_denied_paths(home: Path, solcoder_home: Path) -> list[Path]:
    """The credential files and directories of `home` that exist, and SolCoder's home, with
    symbolic links resolved (a dotfiles repository links them; the target is what to hide).
    A keyring daemon's session bus socket is listed too: a filesystem socket is reachable
    from a sandbox without network, and the Secret Service answers on it."""
    candidates = [home / relative for relative in HOME_SECRETS]
    candidates.append(solcoder_home)
    runtime = os.environ.get("XDG_RUNTIME_DIR") or (
        f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else ""
    )
    if runtime:
        candidates.append(Path(runtime) / "bus")
    return _existing_real(candidates)


def denied_paths(policy: SandboxPolicy) -> list[Path]:
    """Everything a sandboxed command may not read: the home's credentials, SolCoder's home,
    and the workspace's secret files by name (`.env`, `.env.*` but not templates, keypairs
    such as `target/deploy/*-keypair.json`, keys and credential files), found by a cached scan
    (`secret_scan.workspace_secrets`) that is brought up to date before each command. Real
    paths, each once, sorted. Not covered: a keypair known only by its content (a `.json`
    file with another name), secrets under `node_modules`, and a keypair the command itself
    creates while it runs (the scan is taken before it starts)."""
    from solcoder.sandbox.secret_scan import workspace_secrets

    found = home_denied_paths(policy.home, policy.solcoder_home)
    found.extend(_existing_real(workspace_secrets(policy.workspace)))
    return sorted(set(found))


CACHE_DIRECTORIES: tuple[str, ...] = (".npm", ".cache/yarn", ".local/share/pnpm", ".cache/solana")
CARGO_CACHES: tuple[str, ...] = (
    "registry",
    "git",
    ".package-cache",
    ".package-cache-mutate",
    ".global-cache",
)


def build_caches(home: Path, environ: Mapping[str, str]) -> tuple[Path, ...]:
    """The build caches that exist and a sandboxed build may write (see the module docstring):
    cargo's registry, git checkouts and their locks under CARGO_HOME, the Solana platform
    tools, and the JavaScript package managers' caches."""
    cargo_home = Path(environ.get("CARGO_HOME") or home / ".cargo")
    candidates = [cargo_home / name for name in CARGO_CACHES]
    candidates.extend(home / relative for relative in CACHE_DIRECTORIES)
    npm_cache = environ.get("npm_config_cache") or environ.get("NPM_CONFIG_CACHE")
    if npm_cache:
        candidates.append(Path(npm_cache))
    return tuple(_existing_real(candidates))


def _existing_real(paths: list[Path] | tuple[Path, ...]) -> list[Path]:
    """`paths` that exist, as real paths (links followed), in order, each once."""
    seen: set[Path] = set()
    result: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            continue
        real = Path(os.path.realpath(path))
        if real not in seen and os.path.exists(real):
            seen.add(real)
            result.append(real)
    return result
