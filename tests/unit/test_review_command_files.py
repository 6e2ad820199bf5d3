"""Issue 23 item 22, as `/review` works since issue 24: a file that is not UTF-8 text or a
FIFO inside the workspace is listed under "Not reviewed" (never "this is a bug", a hang or a
MemoryError); a device or any path outside the workspace is refused with a sentence."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from solcoder.cli.interactive import make_host
from solcoder.config import load_settings
from solcoder.errors import UsageError
from solcoder.tools.toolkits import default_registry


def review(tmp_path: Path, argument: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(cwd=tmp_path, environ={}, home=tmp_path / "home")
    host = make_host(settings, default_registry())
    assert host.run_review is not None
    result = host.run_review(argument)
    shown = asyncio.run(asyncio.wait_for(result, 60)) if asyncio.iscoroutine(result) else result
    return str(shown)


def test_non_utf8_source_is_listed_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "lib.rs").write_bytes(b'fn main() { let s = "\xff\xfe"; }\n')
    shown = review(tmp_path, "lib.rs", monkeypatch)
    assert "Not reviewed:" in shown and "lib.rs" in shown


def test_a_fifo_is_listed_without_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    os.mkfifo(tmp_path / "pipe.rs")
    (tmp_path / "ok.rs").write_text("pub fn ok() {}\n")
    shown = review(tmp_path, "", monkeypatch)
    assert "Not reviewed:" in shown and "pipe.rs" in shown


def test_a_device_or_outside_path_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for path in ("/dev/zero", "../elsewhere.rs"):
        with pytest.raises(UsageError, match="outside the workspace"):
            review(tmp_path, path, monkeypatch)


def test_a_utf8_file_is_reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "lib.rs").write_text("use anchor_lang::prelude::*;\n")
    assert "Reviewed" in review(tmp_path, "lib.rs", monkeypatch)
