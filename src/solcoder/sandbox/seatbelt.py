"""The macOS Seatbelt profile (`sandbox-exec -p PROFILE -- argv`) for the same policy.

`sandbox-exec` is deprecated in name only: it ships with every macOS and is what Apple's own
tools and other coding agents use. Its profile language (SBPL, a Scheme) applies the last rule
that matches, so the profile reads like the bubblewrap mounts, general first:

1. `(allow default)`, then `(deny file-write*)`: everything runs and reads, nothing writes;
2. writes allowed under the workspace (in `workspace-write`), the private temporary directory
   (TMPDIR), the build caches, and the terminal and null devices;
3. writes under the workspace's `.git` denied again (as on Linux: `git commit` fails inside);
4. reads (and writes) of every denied path denied: `subpath` for a directory, `literal` for a
   file;
5. `(deny network*)` unless the policy allows the network: outbound, inbound and local
   sockets alike.

Paths are real paths (`/tmp` is `/private/tmp` on macOS, and a rule on the link would never
match) and are written as SBPL string literals with `\\` and `"` escaped. Not covered here,
unlike Linux: other processes of the same user stay visible (`ps`), and Mach services (the
keychain answers through one) are not filtered, because denying them breaks too many tools;
SolCoder's own keys are passed to no child and its credential file is denied.

This module only writes text; it is tested by its text (no macOS in CI).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from solcoder.sandbox.policy import SandboxPolicy, denied_paths

__all__ = ["SANDBOX_EXEC", "available", "seatbelt_argv", "seatbelt_profile"]

SANDBOX_EXEC = "/usr/bin/sandbox-exec"
_DEVICES = ("/dev/null", "/dev/zero", "/dev/tty", "/dev/dtracehelper")


def available() -> str | None:
    """`/usr/bin/sandbox-exec` on macOS (every release has it), else None."""
    import sys

    if sys.platform == "darwin" and os.access(SANDBOX_EXEC, os.X_OK):
        return SANDBOX_EXEC
    return None


def quoted(path: str | Path) -> str:
    """`path` as an SBPL string literal."""
    text = str(path).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def seatbelt_profile(
    policy: SandboxPolicy,
    *,
    tmp: Path,
    denied: Sequence[Path] | None = None,
    directories: frozenset[Path] | None = None,
) -> str:
    """The profile text for `policy`. `tmp` is the private temporary directory; `denied`
    defaults to `denied_paths(policy)`, and which of them are directories is asked of the
    filesystem unless `directories` says (tests build profiles for paths that do not exist)."""
    workspace = Path(os.path.realpath(policy.workspace))
    writable = [Path(os.path.realpath(tmp))]
    if policy.writes_workspace:
        writable.append(workspace)
        writable.extend(Path(os.path.realpath(path)) for path in policy.extra_writable)
    lines = [
        "(version 1)",
        "(allow default)",
        "(deny file-write*)",
        "(allow file-write*",
        *(f"    (subpath {quoted(path)})" for path in writable),
        *(f"    (literal {quoted(device)})" for device in _DEVICES),
        '    (regex #"^/dev/ttys[0-9]+$") (regex #"^/dev/fd/[0-9]+$"))',
        f"(deny file-write* (subpath {quoted(workspace / '.git')}))",
    ]
    hidden = denied_paths(policy) if denied is None else denied
    if hidden:
        lines.append("(deny file-read* file-write*")
        for path in hidden:
            is_directory = path in directories if directories is not None else path.is_dir()
            lines.append(f"    ({'subpath' if is_directory else 'literal'} {quoted(path)})")
        lines[-1] += ")"
    if not policy.network:
        lines.append("(deny network*)")
    return "\n".join(lines) + "\n"


def seatbelt_argv(
    policy: SandboxPolicy,
    argv: Sequence[str],
    *,
    tmp: Path,
    denied: Sequence[Path] | None = None,
    executable: str = SANDBOX_EXEC,
) -> list[str]:
    """`argv` run by sandbox-exec under `policy`'s profile (the working directory is the
    caller's: sandbox-exec has no flag for it)."""
    profile = seatbelt_profile(policy, tmp=tmp, denied=denied)
    return [executable, "-p", profile, "--", *argv]
