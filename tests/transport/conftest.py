"""Fixtures of the transport suite: a fresh fake LLM server per test, checked for leaks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_llm_server import FakeLLMServer
from tests.transport.harness import wait_until


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    """A running fake server; after the test, every connection the client opened is closed."""
    with FakeLLMServer(lifetime=60.0) as fake:
        yield fake
        assert wait_until(lambda: fake.open_connections == 0), (
            f"{fake.open_connections} connection(s) still open after the client closed"
        )
