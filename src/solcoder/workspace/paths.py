"""The workspace root and the rules every path a tool names must pass.

A model names files by strings it invents, so one place turns such a string into a real path
and refuses what must not be touched: anything outside the root (by `..`, by an absolute path or
through a symbolic link), the user's `.git`, SolCoder's own home, and secrets that are only read
with the user's say-so. The refusals are sentences a model can act on: they say what is wrong
and what path form to use instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from solcoder.workspace.root import find_root as find_root  # noqa: PLC0414 (re-exported)


class PathRefused(Exception):
    """A path a tool may not use; str(error) is the sentence for the model."""


@dataclass(frozen=True, slots=True)
class WorkspacePath:
    absolute: Path
    """Fully resolved (every symlink followed), always inside the root."""
    relative: str
    """POSIX form relative to the root; "." for the root itself."""


KEYPAIR = "a Solana keypair file"
SOLANA_CONFIG = "the Solana CLI's keys and settings (~/.config/solana)"
ENVIRONMENT = "an environment file (.env)"
SSH = "SSH keys"
CLOUD = "cloud credentials"
HOME = "SolCoder's own home"

# One table of rules, lowercase; both `secret_reason` and SECRET_NAME_GLOBS are built from it.
_FILE_NAMES: tuple[tuple[str, str], ...] = (
    ("id.json", KEYPAIR),
    ("*keypair.json", KEYPAIR),  # Anchor's target/deploy/<program>-keypair.json
    (".env", ENVIRONMENT),
    (".env.*", ENVIRONMENT),
    ("id_rsa*", SSH),
    ("id_dsa*", SSH),
    ("id_ecdsa*", SSH),
    ("id_ed25519*", SSH),
    ("*.pem", SSH),
    ("*.key", SSH),
    ("*.p12", SSH),
    ("*.pfx", SSH),
    (".netrc", CLOUD),
    (".npmrc", CLOUD),
    (".pypirc", CLOUD),
    (".git-credentials", CLOUD),
)
"""Rules on a file's own name."""

_NOT_SECRET_NAMES: tuple[str, ...] = (".env.example", ".env.sample", ".env.template", ".env.dist")
"""Templates committed on purpose so others know which variables to set: no values."""

_DIRECTORIES: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".ssh",), SSH),
    ((".azure",), CLOUD),
    ((".config", "gcloud"), CLOUD),
    ((".config", "solana"), SOLANA_CONFIG),
)
"""Consecutive components naming a directory: it and everything under it are secret."""

_FILES_IN: tuple[tuple[tuple[str, ...], str], ...] = (
    ((".aws", "credentials"), CLOUD),
    ((".aws", "config"), CLOUD),
    ((".kube", "config"), CLOUD),
    ((".docker", "config.json"), CLOUD),
)
"""Consecutive components ending the path: a file known by its directory and its name."""


def _globs() -> tuple[str, ...]:
    lines = [pattern for pattern, _ in _FILE_NAMES]
    for parts, _ in _DIRECTORIES:
        lines.append(("**/" if len(parts) > 1 else "") + "/".join(parts) + "/")
    lines.extend("**/" + "/".join(parts) for parts, _ in _FILES_IN)
    lines.extend("!" + name for name in _NOT_SECRET_NAMES)
    return tuple(lines)


SECRET_NAME_GLOBS: tuple[str, ...] = _globs()
"""The name rules as gitignore lines (order matters: the trailing `!` lines re-include the
`.env` templates), for search to exclude secrets it cannot ask about. All lowercase: match them
case-insensitively (ripgrep `--ignore-file-case-insensitive`, or a lowercased path with pathspec).
Keypairs found only by their content and SolCoder's home are not covered by names."""


def search_excludes() -> tuple[str, ...]:
    """The secret names search never opens: every name rule except those a template re-includes
    (`.env.*`, for `.env.example`). Search filters each file with matches through
    `secret_reason` as well, which also covers those, names in other cases and keypairs found
    by content. (A function: matching the globs at import would cost every launch.)"""
    templates = [glob[1:] for glob in SECRET_NAME_GLOBS if glob.startswith("!")]
    return tuple(
        glob
        for glob in SECRET_NAME_GLOBS
        if not glob.startswith("!") and not any(fnmatchcase(name, glob) for name in templates)
    )


KEYPAIR_PROBE_BYTES = 4096
"""A keypair file is ~250 bytes of JSON; larger `.json` files are not read to find out."""

_EXAMPLE = "`src/lib.rs`"


class Workspace:
    """The user's project: one root directory and the rules for the paths inside it."""

    __slots__ = ("_home_real", "_prefix", "_solana_real", "root")

    def __init__(self, root: Path, *, solcoder_home: Path, user_home: Path | None = None) -> None:
        self.root = Path(os.path.realpath(root))
        self._prefix = (
            str(self.root) if str(self.root).endswith(os.sep) else str(self.root) + os.sep
        )
        self._home_real = os.path.realpath(solcoder_home)
        home = Path.home() if user_home is None else user_home
        self._solana_real = os.path.realpath(home / ".config" / "solana")

    # resolving -------------------------------------------------------------------------------

    def resolve(self, path: str) -> WorkspacePath:
        """The real path `path` names, or PathRefused. Relative paths are relative to the root;
        a path that does not exist is fine (the caller says "not found") as long as where it
        would be is inside the root."""
        if not path.strip():
            raise PathRefused(
                f"The path is empty; name a file relative to the workspace root ({self.root}), "
                f"like {_EXAMPLE}."
            )
        if "\x00" in path:
            shown = path.replace("\x00", "\\0")
            raise PathRefused(
                f"`{shown}` contains a NUL character, which no file name can hold; name a file "
                f"relative to the workspace root ({self.root}), like {_EXAMPLE}."
            )
        candidate = os.path.join(self.root, path)
        real = os.path.realpath(candidate)
        if not self._inside(real):
            raise PathRefused(self._outside_sentence(path, candidate))
        parts = PurePosixPath(path).parts
        first = parts[0] if parts else ""
        if first.startswith("~") and not os.path.lexists(self.root / first):
            # Not expanded on purpose: `~` means the user's home, which is outside the project.
            raise PathRefused(
                f"`{path}` starts with `~`, which is not expanded: paths are relative to the "
                f"workspace root ({self.root}), like {_EXAMPLE}; the home directory is outside it."
            )
        return WorkspacePath(Path(real), self._relative(real))

    def resolve_for_write(self, path: str) -> WorkspacePath:
        """As `resolve`, also refusing the repository's `.git` and SolCoder's home."""
        target = self.resolve(path)
        if any(part.lower() == ".git" for part in target.relative.split("/")):
            raise PathRefused(
                f"`{target.relative}` is inside `.git`, the repository's own data; the file "
                "tools never change it. Use git commands for history and settings instead."
            )
        if self._at_or_under(str(target.absolute), self._home_real):
            raise PathRefused(
                f"`{target.relative}` is inside SolCoder's own home ({self._home_real}); the file "
                "tools never change it. Use `solcoder config` for settings instead."
            )
        return target

    def display(self, absolute: Path) -> str:
        """`absolute` as messages show it: relative to the root in POSIX form when inside."""
        text = str(absolute)
        return self._relative(text) if self._inside(text) else text

    # secrets ---------------------------------------------------------------------------------

    def secret_reason(self, target: WorkspacePath) -> str | None:
        """Why `target` holds secrets (a short noun phrase for the approval question), or None."""
        absolute = str(target.absolute)
        if self._at_or_under(absolute, self._home_real):
            return HOME
        if self._at_or_under(absolute, self._solana_real):
            return SOLANA_CONFIG
        parts = [] if target.relative == "." else target.relative.lower().split("/")
        reason = _name_reason(parts)
        if reason is None and parts and parts[-1].endswith(".json") and _holds_keypair(absolute):
            return KEYPAIR
        return reason

    # internals -------------------------------------------------------------------------------

    def _inside(self, real: str) -> bool:
        return real == str(self.root) or real.startswith(self._prefix)

    @staticmethod
    def _at_or_under(real: str, directory: str) -> bool:
        return real == directory or real.startswith(directory.rstrip(os.sep) + os.sep)

    def _relative(self, real: str) -> str:
        return Path(os.path.relpath(real, self.root)).as_posix()

    def _outside_sentence(self, path: str, candidate: str) -> str:
        advice = f"tools can only use paths inside it, relative to it like {_EXAMPLE}."
        link = self._escaping_link(candidate)
        if link is not None:
            shown, target = link
            return (
                f"`{path}` leads outside the workspace ({self.root}): `{shown}` is a symbolic "
                f"link to {target}; {advice}"
            )
        tilde = " (`~` is not expanded)" if path.startswith("~") else ""
        return f"`{path}` is outside the workspace ({self.root}){tilde}; {advice}"

    def _escaping_link(self, candidate: str) -> tuple[str, str] | None:
        """The first symlink on the way to `candidate` that leads out of the root (the link
        named from the root, and its real target); None when `..` or an absolute path left
        instead. Prefixes before the first one inside the root are skipped, so an absolute
        path through an alias of the root still names the link."""
        parts = Path(candidate).parts
        seen_inside = False
        for count in range(1, len(parts) + 1):
            prefix = os.path.join(*parts[:count])
            real = os.path.realpath(prefix)
            if self._inside(real):
                seen_inside = True
                continue
            if not seen_inside:
                continue
            name = parts[count - 1]
            link = os.path.join(os.path.realpath(os.path.join(*parts[: count - 1])), name)
            if name not in ("..", ".") and os.path.islink(link):
                return self._relative(link), real
            return None
        return None


def secret_name_reason(relative: str) -> str | None:
    """Why the POSIX path `relative` (to any root) names a secret by its names alone, or None:
    the name rules of `Workspace.secret_reason` without reading the file (the sandbox masks
    what this names; a keypair recognised only by its content is not covered)."""
    if relative in ("", "."):
        return None
    return _name_reason(relative.lower().split("/"))


def _name_reason(parts: list[str]) -> str | None:
    """The reason the lowercased components `parts` name a secret by their names alone."""
    if not parts:
        return None
    for sequence, reason in _DIRECTORIES:
        width = len(sequence)
        if any(tuple(parts[i : i + width]) == sequence for i in range(len(parts) - width + 1)):
            return reason
    for sequence, reason in _FILES_IN:
        if tuple(parts[-len(sequence) :]) == sequence:
            return reason
    name = parts[-1]
    if name in _NOT_SECRET_NAMES:
        return None
    for pattern, reason in _FILE_NAMES:
        if fnmatchcase(name, pattern):
            return reason
    return None


def _holds_keypair(absolute: str) -> bool:
    """Whether a small regular file is a JSON array of exactly 64 bytes (a Solana keypair).
    Reads at most KEYPAIR_PROBE_BYTES; anything unreadable is not a keypair."""
    with contextlib.suppress(OSError):
        status = os.stat(absolute)
        if not stat.S_ISREG(status.st_mode) or status.st_size > KEYPAIR_PROBE_BYTES:
            return False
        with open(absolute, "rb") as handle:
            data = handle.read(KEYPAIR_PROBE_BYTES + 1)
        if len(data) > KEYPAIR_PROBE_BYTES or not data.lstrip().startswith(b"["):
            return False
        try:
            value = json.loads(data)
        except ValueError:
            return False
        return (
            isinstance(value, list)
            and len(value) == 64
            and all(type(item) is int and 0 <= item <= 255 for item in value)
        )
    return False
