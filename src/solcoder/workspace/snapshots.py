"""Snapshots of the whole work tree, so undo can cover files a command changed.

`edit_file` knows which file it is about to change; `cargo fmt` or a code generator does not
say. So before a command runs, the tree is staged into a shadow git repository of SolCoder's own
(`<checkpoint store>/shadow.git`, 0700, see `shadow_git.py`) and written as a tree object; after
it, the tree is staged again and compared with that tree. Git's index is a stat cache: staging
an unchanged tree of 20,000 files costs a stat per file and no reading, which is what makes a
snapshot before every command affordable. The user's `.git` is never opened for writing.

What a snapshot sees is what git would track: `.gitignore` files at every level (in a directory
that is not a repository too), the user's `.git/info/exclude` (copied into the shadow's own),
and git's default per-user excludes file; `.git` itself never. So a change under an ignored
`target/` or `node_modules/` is not undone (build output is not the user's work, and copying it
would make every snapshot slow). Symbolic links and nested repositories are seen as git sees
them (a link, a commit id), not followed.

Racy git: the stat cache says "unchanged" when size, mtime, ctime, inode and mode match, and git
compares whole seconds. A file whose mtime is in the second of the snapshot is re-read by git
itself ("racily clean"). What git leaves open is a file whose ctime falls in that second but
whose mtime was set into the past (`touch -r`, rsync, a restored mtime): rewritten with the same
size in that same second and its mtime restored, it would look unchanged. So after a snapshot,
entries whose ctime is not at least one whole second old are dropped from the shadow index (the
tree keeps them): the next staging reads them again, whatever their stat says.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from solcoder.workspace.checkpoint_disk import private_dir, write_private
from solcoder.workspace.shadow_git import ShadowGit, ShadowGitError, git_executable

__all__ = ["Change", "ShadowGitError", "ShadowSnapshots", "permission_bits"]

ChangeStatus = Literal["added", "modified", "deleted", "type_changed"]

REGULAR = 0o100644
EXECUTABLE = 0o100755
SYMLINK = 0o120000
GITLINK = 0o160000

_STATUS: dict[str, ChangeStatus] = {
    "A": "added",
    "M": "modified",
    "D": "deleted",
    "T": "type_changed",
}
_DEBUG_ENTRY = re.compile(
    rb"([^\0]*)\0  ctime: (\d+):\d+\n  mtime: \d+:\d+\n  dev: \d+\tino: \d+\n"
    rb"  uid: \d+\tgid: \d+\n  size: \d+\tflags: [0-9a-f]+\n"
)


@dataclass(frozen=True, slots=True)
class Change:
    """One path that differs between a snapshot and the tree now. Modes are git's
    (0o100644, 0o100755, 0o120000 link, 0o160000 nested repository); None where absent."""

    path: str
    status: ChangeStatus
    old_mode: int | None
    new_mode: int | None
    old_object: str | None
    """The snapshot's blob id (None if the path was added)."""


def permission_bits(git_mode: int) -> int:
    """The permission bits git would give a checked-out file of this mode."""
    return 0o755 if git_mode == EXECUTABLE else 0o644


class ShadowSnapshots:
    """Snapshots of `root` kept in the shadow repository `directory`. Nothing is created until
    the first `snapshot`."""

    def __init__(self, directory: Path, root: Path) -> None:
        self.directory = directory
        self.root = Path(os.path.realpath(root))
        self._git: ShadowGit | None = None
        self._checked: tuple[int, int, int] | None = None
        """The shadow index as it was when its ctimes were last checked."""

    @staticmethod
    def available() -> bool:
        """True if git is on PATH (the snapshots need it; undo itself does not)."""
        return git_executable() is not None

    # The API ----------------------------------------------------------------------------------

    def snapshot(self) -> str:
        """Stage the whole work tree into the shadow index and write it as a tree: its id."""
        git = self._prepare()
        git.run(["add", "-A"])
        tree = git.run(["write-tree"]).decode("ascii").strip()
        self._drop_ctime_racy(git)
        return tree

    def changes_since(self, tree: str) -> list[Change]:
        """Every path that differs between `tree` and the work tree now (renames are a
        deletion plus an addition), in git's path order."""
        git = self._prepare()
        git.run(["add", "-A"])
        raw = git.run(
            ["diff-index", "--cached", "-z", "--raw", "--no-renames", "--no-abbrev", tree]
        )
        fields = raw.split(b"\0")
        changes: list[Change] = []
        for meta, name in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            old_mode, new_mode, old_object, _, letter = meta[1:].decode("ascii").split(" ")
            changes.append(
                Change(
                    os.fsdecode(name),
                    _STATUS.get(letter[:1], "modified"),
                    int(old_mode, 8) or None,
                    int(new_mode, 8) or None,
                    None if set(old_object) == {"0"} else old_object,
                )
            )
        return changes

    def blob(self, tree: str, path: str) -> tuple[bytes, int] | None:
        """The bytes and git mode of `path` in `tree`; None if absent there (or a directory)."""
        git = self._prepare()
        listing = git.run(["ls-tree", "-z", "--full-tree", tree, "--", path])
        for line in listing.split(b"\0"):
            if not line:
                continue
            meta, _, name = line.partition(b"\t")
            mode, kind, object_id = meta.decode("ascii").split(" ")
            if kind == "blob" and os.fsdecode(name) == path:
                return self.read_objects([object_id])[object_id], int(mode, 8)
        return None

    def object_sizes(self, object_ids: list[str]) -> dict[str, int]:
        """The size in bytes of each blob (without reading it)."""
        if not object_ids:
            return {}
        output = self._prepare().run(
            ["cat-file", "--batch-check"], stdin="".join(f"{o}\n" for o in object_ids).encode()
        )
        sizes: dict[str, int] = {}
        for line in output.decode("ascii").splitlines():
            object_id, _, size = line.split(" ")
            sizes[object_id] = int(size)
        return sizes

    def read_objects(self, object_ids: list[str]) -> dict[str, bytes]:
        """The bytes of each blob, in one git call."""
        if not object_ids:
            return {}
        output = self._prepare().run(
            ["cat-file", "--batch"], stdin="".join(f"{o}\n" for o in object_ids).encode()
        )
        found: dict[str, bytes] = {}
        position = 0
        while position < len(output):
            end = output.index(b"\n", position)
            object_id, kind, size = output[position:end].decode("ascii").split(" ")
            start = end + 1
            if kind != "blob":
                raise ShadowGitError(f"{object_id} in the checkpoint repository is a {kind}.")
            found[object_id] = output[start : start + int(size)]
            position = start + int(size) + 1
        return found

    def directories(self, tree: str) -> set[str]:
        """Every directory in `tree` (to tell which parents a command created)."""
        output = self._prepare().run(["ls-tree", "-r", "-d", "-z", "--name-only", tree])
        return {os.fsdecode(name) for name in output.split(b"\0") if name}

    # The shadow repository --------------------------------------------------------------------

    def _prepare(self) -> ShadowGit:
        if self._git is None:
            executable = git_executable()
            if executable is None:
                raise ShadowGitError("git is not installed, so commands are not checkpointed.")
            private_dir(self.directory.parent)
            private_dir(self.directory)
            git = ShadowGit(self.directory, self.root, executable)
            if not (self.directory / "HEAD").exists():
                git.create()
            private_dir(self.directory / "info")
            self._git = git
        self._write_excludes()
        return self._git

    def _write_excludes(self) -> None:
        """The shadow's info/exclude: the user's `.git/info/exclude` (read, never written) and
        the shadow itself when it sits inside the work tree."""
        lines = []
        user = self.root / ".git" / "info" / "exclude"
        with contextlib.suppress(OSError):
            lines.append(user.read_bytes().rstrip(b"\n"))
        real = Path(os.path.realpath(self.directory))
        if real.is_relative_to(self.root) and real != self.root:
            lines.append(b"/" + real.relative_to(self.root).as_posix().encode())
        wanted = b"\n".join(lines) + b"\n"
        path = self.directory / "info" / "exclude"
        try:
            current = path.read_bytes()
        except OSError:
            current = None
        if current != wanted:
            write_private(path, wanted)

    def _index_identity(self) -> tuple[int, int, int] | None:
        try:
            status = os.stat(self.directory / "index")
        except OSError:
            return None
        return status.st_ino, status.st_mtime_ns, status.st_size

    def _drop_ctime_racy(self, git: ShadowGit) -> None:
        """Drop index entries whose ctime is under a second old (module docstring). Skipped
        when the index is as last checked: every entry in it was then already old enough."""
        identity = self._index_identity()
        if identity is not None and identity == self._checked:
            return
        listing = git.run(["ls-files", "--debug", "-z"])
        threshold = int(time.time()) - 1
        recent: list[bytes] = []
        position = 0
        for match in _DEBUG_ENTRY.finditer(listing):
            if match.start() != position:
                break
            position = match.end()
            if int(match.group(2)) >= threshold:
                recent.append(match.group(1))
        if position != len(listing):  # a format this code does not know: trust no entry
            git.run(["read-tree", "--empty"])
        elif recent:
            git.run(
                ["update-index", "-z", "--force-remove", "--stdin"],
                stdin=b"".join(name + b"\0" for name in recent),
            )
        self._checked = self._index_identity()
