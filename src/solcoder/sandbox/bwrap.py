"""The bubblewrap command line that runs one command inside the policy (Linux).

bubblewrap builds a new mount namespace from the flags, in order, each later mount covering
what an earlier one put at or under the same place. So the order below is the policy:

1. `--ro-bind / /`: everything readable, nothing writable;
2. `--dev /dev`, `--proc /proc`: a minimal device tree, and a /proc of the new PID namespace
   only (the parent's /proc/PID/environ, which holds the API keys, is not there);
3. the private temporary directory at `/tmp` (the real /tmp, with other programs' sockets and
   files, is gone; TMPDIR says /tmp);
4. the workspace, writable in `workspace-write` and read-only otherwise (bound again after
   /tmp, so a workspace under /tmp is still there), and the writable build caches;
5. the workspace's `.git` read-only again: a command must not rewrite the user's history or
   hooks (so `git commit`, `git fetch` and anything else writing `.git` fail inside the
   sandbox; run them without it);
6. every denied path masked: a file by `/dev/null` bound read-only over it (reading it fails),
   a directory by an empty read-only tmpfs. Paths are real paths (links resolved), so a link
   to a keypair cannot lead around its mask.

Then: no network namespace unless asked (`--unshare-net`: only a loopback of its own), new
PID and IPC namespaces, `--die-with-parent` (the command is killed when SolCoder dies), and
`--new-session` (no controlling terminal, so TIOCSTI cannot type into the user's shell).

`available()` runs `bwrap … true` once per process: an installed bubblewrap can still fail
(user namespaces disabled by the distribution, AppArmor), and a sandbox that cannot start
must be known before a command depends on it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from solcoder.sandbox.policy import SandboxPolicy, denied_paths

__all__ = ["INSTALL_HINT", "PRIVATE_TMP", "available", "bwrap_argv", "unavailable_reason"]

PRIVATE_TMP = "/tmp"
INSTALL_HINT = "install bubblewrap (`sudo apt install bubblewrap`, `sudo dnf install bubblewrap`)"
PROBE_TIMEOUT_S = 10.0

_NAMESPACES = ("--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session")


@functools.cache
def _probe() -> tuple[str | None, str | None]:
    """(the working bwrap's path, None) or (None, why not)."""
    executable = shutil.which("bwrap")
    if executable is None:
        return None, f"bubblewrap is not installed; {INSTALL_HINT}"
    command = [
        executable,
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--unshare-net",
        *_NAMESPACES,
        "true",
    ]
    try:
        finished = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"bubblewrap ({executable}) cannot run: {error}"
    if finished.returncode != 0:
        said = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[0] if said else f"exit status {finished.returncode}"
        return None, (
            f"bubblewrap ({executable}) cannot create its namespaces: {detail} (unprivileged "
            "user namespaces may be disabled, e.g. by AppArmor's "
            "kernel.apparmor_restrict_unprivileged_userns)"
        )
    return executable, None


def available() -> str | None:
    """The path of a bubblewrap that works here (checked once per process), or None."""
    return _probe()[0]


def unavailable_reason() -> str | None:
    """Why `available()` is None: a sentence with the next step; None when it works."""
    return _probe()[1]


def bwrap_argv(
    policy: SandboxPolicy,
    argv: Sequence[str],
    *,
    cwd: Path,
    tmp: Path,
    executable: str = "bwrap",
    denied: Sequence[Path] | None = None,
) -> list[str]:
    """`argv` run by bubblewrap under `policy` (the order of mounts: module docstring). `tmp`
    is the private temporary directory on the host, shown at /tmp; `denied` defaults to
    `denied_paths(policy)` (the launcher passes it when it has it already)."""
    workspace = Path(os.path.realpath(policy.workspace))
    command = [executable, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    command += ["--bind", str(tmp), PRIVATE_TMP]
    visible = [workspace]
    command += [
        "--bind" if policy.writes_workspace else "--ro-bind",
        str(workspace),
        str(workspace),
    ]
    if policy.writes_workspace:
        for path in policy.extra_writable:
            real = os.path.realpath(path)
            if os.path.exists(real):
                command += ["--bind", real, real]
                visible.append(Path(real))
    git = workspace / ".git"
    if os.path.lexists(git):
        real_git = os.path.realpath(git)
        if os.path.exists(real_git):
            command += ["--ro-bind", real_git, real_git]
    for path in denied_paths(policy) if denied is None else denied:
        if _under_private_tmp(path, visible):
            continue  # not visible in the sandbox at all
        if path.is_dir():
            command += ["--tmpfs", str(path), "--remount-ro", str(path)]
        else:
            command += ["--ro-bind", "/dev/null", str(path)]
    if not policy.network:
        command.append("--unshare-net")
    command += [*_NAMESPACES, "--chdir", str(cwd), "--", *argv]
    return command


def _under_private_tmp(path: Path, visible: Sequence[Path]) -> bool:
    """Whether `path` is under the host's /tmp and not under a directory bound again on top of
    the private one (such paths do not exist in the sandbox; masking them would only create
    empty mount points in the private directory)."""
    if not path.is_relative_to(PRIVATE_TMP):
        return False
    return not any(path.is_relative_to(shown) for shown in visible)
