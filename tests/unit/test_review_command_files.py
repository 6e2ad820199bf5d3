"""Issue 23 item 22: `/review PATH` on a file that is not UTF-8 text, a FIFO or a device
answers with a clear error instead of "this is a bug", a hang or a MemoryError."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from solcoder.cli.interactive import make_host
from solcoder.config import load_settings
from solcoder.errors import UsageError
from solcoder.tools.toolkits import default_registry


def review(tmp_path: Path, path: str) -> str:
    settings = load_settings(cwd=tmp_path, environ={}, home=tmp_path / "home")
    host = make_host(settings, default_registry())
    assert host.run_review is not None
    result = host.run_review(path)
    return asyncio.run(asyncio.wait_for(result, 30)) if asyncio.iscoroutine(result) else result


def test_non_utf8_source_is_refused_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "lib.rs"
    bad.write_bytes(b'fn main() { let s = "\xff\xfe"; }\n')
    with pytest.raises(UsageError, match="not UTF-8"):
        review(tmp_path, str(bad))


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.rs"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        review(tmp_path, str(fifo))


def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        review(tmp_path, "/dev/zero")


def test_a_utf8_file_is_reviewed(tmp_path: Path) -> None:
    good = tmp_path / "lib.rs"
    good.write_text("use anchor_lang::prelude::*;\n")
    assert isinstance(review(tmp_path, str(good)), str)
