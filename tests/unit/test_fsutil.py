"""atomic_write, ensure_private_dir and read_text_checked: modes, atomicity, clean errors."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.errors import ConfigError, StorageError
from solcoder.fsutil import atomic_write, ensure_private_dir, read_text_checked

IS_ROOT = os.geteuid() == 0


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    return [entry.name for entry in directory.iterdir() if entry.name.endswith(".tmp")]


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


# atomic_write ------------------------------------------------------------------------------


def test_atomic_write_creates_private_file(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    atomic_write(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    assert mode_of(target) == 0o600
    assert leftovers(tmp_path) == []


def test_atomic_write_bytes_and_custom_mode(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    atomic_write(target, b"\x00\x01", mode=0o644)
    assert target.read_bytes() == b"\x00\x01"
    assert mode_of(target) == 0o644


@pytest.mark.usefixtures("open_umask")
def test_atomic_write_private_even_under_umask_000(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    atomic_write(target, "x")
    assert mode_of(target) == 0o600


def test_atomic_write_mode_is_exact_under_strict_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        atomic_write(tmp_path / "shared.toml", "x", mode=0o644)
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "shared.toml") == 0o644


def test_atomic_write_replaces_and_tightens_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text("old")
    target.chmod(0o666)
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert mode_of(target) == 0o600


def test_failed_replace_leaves_old_content_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "config.toml"
    target.write_bytes(b"old content")

    def broken_replace(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "new content")
    assert target.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []


def test_failed_write_in_the_middle_leaves_old_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "config.toml"
    target.write_bytes(b"old content")
    real_write = os.write
    calls = []

    def write_then_fail(descriptor: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real_write(descriptor, bytes(data)[:3])  # a short write: the loop continues

    monkeypatch.setattr(os, "write", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "new content")
    assert len(calls) == 2
    assert target.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []


def test_interrupt_during_replace_cleans_up_and_new_file_never_appears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "fresh.toml"

    def interrupted(source: object, destination: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new")
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_atomic_write_follows_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_directory_fsync_failure_is_tolerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = []

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:  # the second fsync is the directory's
            raise OSError(22, "Invalid argument")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(tmp_path / "file", "data")
    assert len(calls) == 2
    assert (tmp_path / "file").read_text() == "data"


def test_atomic_write_into_missing_directory_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "missing" / "file", "data")


# ensure_private_dir ------------------------------------------------------------------------


def test_ensure_private_dir_creates_nested_0700(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b" / ".solcoder"
    assert ensure_private_dir(home) == home
    assert home.is_dir()
    assert mode_of(home) == 0o700


@pytest.mark.usefixtures("open_umask")
def test_ensure_private_dir_under_umask_000(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ensure_private_dir(home)
    assert mode_of(home) == 0o700


def test_ensure_private_dir_tightens_existing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    ensure_private_dir(home)
    assert mode_of(home) == 0o700


def test_ensure_private_dir_rejects_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="not a directory") as caught:
        ensure_private_dir(blocker)
    assert str(blocker) in caught.value.message
    assert caught.value.hint


def test_ensure_private_dir_cannot_create(tmp_path: Path) -> None:
    # Works as root too: nothing can be created beneath a regular file.
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="Cannot create directory") as caught:
        ensure_private_dir(blocker / "sub")
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.skipif(IS_ROOT, reason="root ignores directory permissions")
def test_ensure_private_dir_in_read_only_parent(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="Cannot create directory"):
            ensure_private_dir(parent / "home")
    finally:
        parent.chmod(0o700)


def test_ensure_private_dir_cannot_tighten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "shared"
    home.mkdir()
    home.chmod(0o777)

    def refuse(self: Path, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "chmod", refuse)
    with pytest.raises(ConfigError, match=r"Cannot make .* private"):
        ensure_private_dir(home)


def test_ensure_private_dir_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(ConfigError, match="not writable"):
        ensure_private_dir(home)


# read_text_checked -------------------------------------------------------------------------


def test_read_missing_is_none(tmp_path: Path) -> None:
    assert read_text_checked(tmp_path / "nope") is None


def test_read_strips_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    assert read_text_checked(path) == "a = 1\n"


def test_read_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        read_text_checked(tmp_path)


def test_read_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a = 1\nb = '\xff'\n")
    with pytest.raises(ConfigError, match=r"f:2: not valid UTF-8"):
        read_text_checked(path)


def test_read_too_large(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    with pytest.raises(ConfigError, match="larger than 10 bytes"):
        read_text_checked(path, max_bytes=10)
    assert read_text_checked(path, max_bytes=11) == "x" * 11


def test_read_permission_denied_uses_requested_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    path.write_text("x")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(StorageError, match=r"Cannot read .*Permission denied"):
        read_text_checked(path, error=StorageError)


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path: Path) -> None:
    import time

    from solcoder.fsutil import STALE_TEMPORARY_S, atomic_write

    target = tmp_path / "credentials.enc"
    stale = tmp_path / ".credentials.enc.0123456789ab.tmp"
    fresh = tmp_path / ".credentials.enc.ba9876543210.tmp"
    stale.write_bytes(b"old secret")
    fresh.write_bytes(b"a writer still at work")
    old = time.time() - STALE_TEMPORARY_S - 5
    os.utime(stale, (old, old))
    atomic_write(target, b"new")
    assert not stale.exists()
    assert fresh.exists()
    assert target.read_bytes() == b"new"
