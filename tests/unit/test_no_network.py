"""The unit ring's network guard itself (tests/unit/conftest.py)."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_beyond_loopback_fails_the_test() -> None:
    with socket.socket() as probe, pytest.raises(AssertionError, match="network"):
        probe.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed


def test_loopback_stays_open() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
