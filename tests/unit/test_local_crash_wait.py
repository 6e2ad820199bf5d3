"""A broken stream waits briefly to see the model process exit; an error the live server sent
(an HTTP error status) does not wait at all."""

from __future__ import annotations

import time
from pathlib import Path

from solcoder.errors import BadRequestError, StreamInterruptedError
from solcoder.llm.providers.local.provider import CRASH_SETTLE_S, LocalProvider
from solcoder.llm.providers.local.server import ServerOptions


def provider(tmp_path: Path) -> LocalProvider:
    return LocalProvider(ServerOptions(model_path=tmp_path / "m.gguf", alias="m"))


async def test_an_error_status_from_the_server_is_not_a_crash_and_costs_no_wait(
    tmp_path: Path,
) -> None:
    local = provider(tmp_path)
    looked: list[int] = []
    local._server.exit_description = lambda: looked.append(1)  # type: ignore[method-assign]
    error = BadRequestError("too long", provider="local", status=400)
    assert await local._crash(error) is None
    assert looked == []  # it never waited for, or even looked for, an exit


async def test_a_broken_stream_waits_for_an_exit_before_calling_it_a_network_fault(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    error = StreamInterruptedError("cut", provider="local", status=200)
    assert await provider(tmp_path)._crash(error) is None  # no process ever ended
    assert time.monotonic() - started >= CRASH_SETTLE_S * 0.9
