"""Checkpoints and undo, kept outside the user's repository.

Before the first change of each turn a file is about to receive, its bytes and mode are copied
into a private store under SOLCODER_HOME (`checkpoints/<session>/`), so `/undo` and
`solcoder undo` can put back exactly what the last turn changed, turn after turn. The user's
git repository is never used: a commit, stash or index entry would change it, and undo has to
work the same in a project with no repository at all. A shell command may change files nobody
can name in advance; for those, `command_checkpoint.py` takes the "before" from a snapshot of
the whole tree (`snapshots.py`, a shadow git repository of SolCoder's own) and hands it to
`record_befores`, so undo itself never needs git.

Layout of one store (0700, files 0600):

    store.json            the workspace root (so `solcoder undo --session ID` needs nothing else)
    lock                  flock'ed around every write and every undo
    blobs/<sha256>        content-addressed copies; written before a manifest names them
    turns/000003.json     one manifest per turn (the "before" of each path), replaced
                          atomically and durably before the tool touches the file
    turns/000003.after.json  what SolCoder left on disk, replaced by a rename without fsync:
                          it only lets undo tell the user's later edits from SolCoder's, so a
                          crash that loses it makes undo ask, never restore wrongly
    shadow.git/           the snapshots of the tree taken around commands (when git exists)

Undo refuses to clobber a file the user changed after SolCoder wrote it (UndoConflict, nothing
touched) unless the caller passes that path in `force`. It is safe to run again after a crash:
a file already back at its "before" state counts as restored, not as a conflict.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from solcoder.errors import CheckpointError, NothingToUndo, UndoConflict
from solcoder.workspace.checkpoint_disk import (
    Blobs,
    current_bytes,
    current_state,
    missing_parents,
    private_dir,
    read_private,
    refuse_link,
    snapshot,
    store_lock,
    target,
    write_private,
    write_private_unsynced,
)
from solcoder.workspace.checkpoint_records import (
    FileState,
    KnownBefore,
    PathChange,
    SessionChange,
    TurnChanges,
    UndoResult,
    check_relative,
    decode_afters,
    decode_meta,
    decode_turn,
    encode_afters,
    encode_meta,
    encode_turn,
)
from solcoder.workspace.files import remove_file, replace_file

__all__ = [
    "CheckpointError",
    "CheckpointStore",
    "FileState",
    "KnownBefore",
    "NothingToUndo",
    "PathChange",
    "SessionChange",
    "TurnChanges",
    "UndoConflict",
    "UndoResult",
    "latest_session_store",
]

META = "store.json"
MANIFEST = re.compile(r"(\d{6,})\.json")
NOTHING = "Nothing to undo in this session."


class CheckpointStore:
    """One session's checkpoints for one workspace root. Nothing is created on disk until the
    first `before_change`, so a session that changes nothing leaves no store behind."""

    def __init__(self, directory: Path, root: Path) -> None:
        self.directory = directory
        self.root = Path(os.path.realpath(root))
        self._blobs = Blobs(directory / "blobs")
        self._turns = directory / "turns"
        self._hint = _untrusted_hint(directory)
        recorded = _recorded_root(directory)
        if recorded is not None and recorded != self.root:
            raise CheckpointError(
                f"The checkpoint store {directory} belongs to the workspace {recorded}, "
                f"not {self.root}.",
                hint="Run SolCoder from that directory, or start a new session here.",
            )

    @classmethod
    def open(cls, directory: Path) -> CheckpointStore:
        """An existing store, its root read from its metadata (`solcoder undo --session`)."""
        refuse_link(directory)
        root = _recorded_root(directory)
        if root is None:
            raise NothingToUndo(NOTHING, hint="SolCoder changed no files in it.")
        return cls(directory, root)

    # Recording --------------------------------------------------------------------------------

    def before_change(self, turn: int, relative: str) -> None:
        """Snapshot `relative` (its bytes, or its absence) unless this turn already did: call
        it before every change; only the first one per turn and path costs anything."""
        self.before_changes(turn, (relative,))

    def before_changes(self, turn: int, paths: Iterable[str]) -> None:
        """`before_change` for several paths at once (a command about to touch many files):
        one manifest write for all of them."""
        _check_turn(turn)
        with self._writing():
            record = self._load(turn)
            if record is None or record.undone:
                record = TurnChanges(turn, datetime.now(UTC))
            added: list[PathChange] = []
            for relative in dict.fromkeys(paths):
                if record.change_for(relative) is None:
                    dirs = missing_parents(self.root, relative)
                    before = snapshot(self.root, relative, self._blobs)
                    added.append(PathChange(relative, before, None, dirs))
            if added:
                self._blobs.sync()  # the copies are durable before the manifest names them
                self._save(replace(record, changes=(*record.changes, *added)))

    def record_before(
        self,
        turn: int,
        relative: str,
        data: bytes | None,
        mode: int | None,
        created_dirs: Sequence[str] = (),
    ) -> None:
        """Record `relative`'s "before" from elsewhere (a snapshot taken before a command ran,
        when the file has already changed): `data` None means it did not exist. Like
        `before_change`, only the first record of a path in a turn counts."""
        self.record_befores(turn, (KnownBefore(relative, data, mode, tuple(created_dirs)),))

    def record_befores(self, turn: int, befores: Iterable[KnownBefore]) -> None:
        """`record_before` for several paths: one manifest write for all of them."""
        _check_turn(turn)
        with self._writing():
            record = self._load(turn)
            if record is None or record.undone:
                record = TurnChanges(turn, datetime.now(UTC))
            added: dict[str, PathChange] = {}
            for item in befores:
                check_relative(item.path)
                if record.change_for(item.path) is not None or item.path in added:
                    continue
                for name in item.created_dirs:
                    check_relative(name)
                if item.data is None or item.mode is None:
                    state = FileState(item.path, False, None, None)
                else:
                    digest = self._blobs.put_bytes(item.data)
                    state = FileState(item.path, True, digest, stat.S_IMODE(item.mode))
                added[item.path] = PathChange(item.path, state, None, item.created_dirs)
            if added:
                self._blobs.sync()
                self._save(replace(record, changes=(*record.changes, *added.values())))

    def after_change(self, turn: int, relative: str) -> None:
        """Record what is on disk now as what SolCoder wrote (call it even when the change
        failed): undo compares against it to notice the user's own later edits."""
        self.after_changes(turn, (relative,))

    def after_changes(self, turn: int, paths: Iterable[str]) -> None:
        """`after_change` for several paths at once."""
        _check_turn(turn)
        with self._writing():
            record = self._load(turn) or TurnChanges(turn, datetime.now(UTC), undone=True)
            known = {} if record.undone else {c.path: c.after for c in record.changes}
            afters: dict[str, FileState] = {}
            for relative in paths:
                if relative not in known:
                    raise CheckpointError(
                        f"No checkpoint of `{relative}` in turn {turn}: before_change must "
                        "come first."
                    )
                afters[relative] = current_state(self.root, relative)
            if all(state.same_as(known[path]) for path, state in afters.items()):
                return
            changes = tuple(
                replace(item, after=afters.get(item.path, item.after)) for item in record.changes
            )
            write_private_unsynced(
                self._afters(turn), encode_afters(replace(record, changes=changes))
            )

    # Reading ----------------------------------------------------------------------------------

    def turns(self) -> list[TurnChanges]:
        """Turns with changes not yet undone, oldest first."""
        return [record for record in self._all() if not record.undone and record.changes]

    def conflicts(self, turn: TurnChanges) -> list[str]:
        """Paths of `turn` the user changed after SolCoder wrote them (neither as SolCoder
        left them nor already back as they were)."""
        return [
            change.path
            for change in turn.changes
            if _conflicting(change, current_state(self.root, change.path))
        ]

    def session_changes(self) -> list[SessionChange]:
        """Per path changed by a turn not undone: its bytes before the session's first change
        and now, for /diff. Paths back to exactly how they were are left out."""
        firsts: dict[str, FileState] = {}
        for record in self.turns():
            for change in record.changes:
                firsts.setdefault(change.path, change.before)
        found = []
        for path, before in firsts.items():
            original = None
            if before.sha256 is not None:
                original = self._blobs.read(before.sha256, self._hint)
            current, mode = current_bytes(self.root, path)
            if (original, before.mode) != (current, mode):
                found.append(SessionChange(path, original, current, before.mode, mode))
        return found

    # Undo -------------------------------------------------------------------------------------

    def undo_last(self, *, force: Collection[str] = ()) -> UndoResult:
        """Restore every path of the newest turn not yet undone and mark it undone.

        UndoConflict (nothing touched) if a path outside `force` changed after SolCoder wrote
        it; NothingToUndo if every turn is undone; CheckpointError if the store or a path
        cannot be trusted."""
        if not self.directory.exists():
            raise NothingToUndo(NOTHING)
        with self._writing():
            pending = self.turns()
            if not pending:
                raise NothingToUndo(NOTHING)
            record = pending[-1]
            states = {c.path: current_state(self.root, c.path) for c in record.changes}
            refused = [
                c.path
                for c in record.changes
                if c.path not in force and _conflicting(c, states[c.path])
            ]
            if refused:
                raise UndoConflict(refused, turn=record.turn)
            todo = [c for c in record.changes if not states[c.path].same_as(c.before)]
            for change in todo:  # every copy checked before the first file is touched
                if change.before.sha256 is not None:
                    self._blobs.verify(change.before.sha256, self._hint)
            for change in todo:
                self._restore(change)
            self._remove_created_dirs(record)
            self._save(replace(record, undone=True))
        return UndoResult(record.turn, tuple((c.path, c.action) for c in record.changes))

    def _restore(self, change: PathChange) -> None:
        path = target(self.root, change.path)
        before = change.before
        try:
            if before.sha256 is None or before.mode is None:
                remove_file(path)
            else:
                replace_file(path, self._blobs.read(before.sha256, self._hint), mode=before.mode)
        except OSError as error:
            raise CheckpointError(
                f"Cannot restore `{change.path}`: {error.strerror or error}.",
                hint="Fix the problem and run undo again; files already restored stay so.",
            ) from None

    def _remove_created_dirs(self, record: TurnChanges) -> None:
        """Directories SolCoder created for new files, deepest first, if now empty."""
        created = {name for change in record.changes for name in change.created_dirs}
        for name in sorted(created, key=lambda item: item.count("/"), reverse=True):
            with contextlib.suppress(OSError, CheckpointError):
                path = target(self.root, name)
                if path.is_dir():
                    path.rmdir()  # fails, and is left, if anything is inside

    # The store --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """The store created (private, no links) and locked for the block."""
        private_dir(self.directory)
        with store_lock(self.directory):
            for directory in (self._blobs.directory, self._turns):
                private_dir(directory)
            if _recorded_root(self.directory) is None:
                write_private(self.directory / META, encode_meta(self.root))
            yield

    def _manifest(self, turn: int) -> Path:
        return self._turns / f"{turn:06d}.json"

    def _afters(self, turn: int) -> Path:
        return self._turns / f"{turn:06d}.after.json"

    def _load(self, turn: int) -> TurnChanges | None:
        path = self._manifest(turn)
        raw = read_private(path)
        if raw is None:
            return None
        record = decode_turn(raw, path, self._hint)
        if record.turn != turn:
            raise CheckpointError(
                f"The checkpoint record {path} is corrupt: it says turn {record.turn}.",
                hint=self._hint,
            )
        raw_afters = read_private(self._afters(turn))
        afters = {} if raw_afters is None else decode_afters(raw_afters, turn)
        if not afters:
            return record
        changes = tuple(
            replace(change, after=afters.get(change.path, change.after))
            for change in record.changes
        )
        return replace(record, changes=changes)

    def _save(self, record: TurnChanges) -> None:
        write_private(self._manifest(record.turn), encode_turn(record))

    def _all(self) -> list[TurnChanges]:
        if not refuse_link(self._turns):
            return []
        numbers = sorted(
            int(match.group(1))
            for entry in os.listdir(self._turns)
            if (match := MANIFEST.fullmatch(entry))
        )
        return [record for number in numbers if (record := self._load(number)) is not None]


def _untrusted_hint(directory: Path) -> str:
    return (
        "Undo cannot trust this store, so it changed nothing. Restore the files by hand "
        f"(or from version control); to start this session's checkpoints afresh, move "
        f"{directory} aside."
    )


def _recorded_root(directory: Path) -> Path | None:
    """The workspace root in a store's metadata; None before its first change."""
    raw = read_private(directory / META)
    return None if raw is None else decode_meta(raw, directory / META, _untrusted_hint(directory))


def _check_turn(turn: int) -> None:
    if not isinstance(turn, int) or isinstance(turn, bool) or turn < 0:
        raise CheckpointError(f"{turn!r} is not a turn number.")


def _conflicting(change: PathChange, now: FileState) -> bool:
    return not (now.same_as(change.after) or now.same_as(change.before))


def latest_session_store(checkpoints_dir: Path, root: Path) -> Path | None:
    """The store of this workspace changed most recently (`solcoder undo` without --session);
    None if no session changed a file here. Stores that cannot be read are skipped."""
    wanted = Path(os.path.realpath(root))
    best: tuple[float, Path] | None = None
    try:
        entries = list(os.scandir(checkpoints_dir))
    except OSError:
        return None
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        directory = Path(entry.path)
        try:
            if _recorded_root(directory) != wanted:
                continue
            turns = directory / "turns"
            modified = max(os.lstat(turns).st_mtime, os.lstat(directory / META).st_mtime)
        except (CheckpointError, OSError):
            continue
        if best is None or modified > best[0]:
            best = (modified, directory)
    return None if best is None else best[1]
