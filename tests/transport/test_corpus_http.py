"""Recorded provider streams replayed through the real HTTP path (socket, chunked transfer,
SSE decoder, adapter), compared with the corpus's independently derived expectations.

The unit suites already replay every record through the pure decoders; this one proves the
bytes survive the network layer too, split at odd offsets by the server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.llm.messages import Request
from tests import corpus
from tests.support.fake_llm_server import FakeLLMServer, Reply
from tests.transport.harness import MODES, REQUEST, call, make_client

PER_API = 3  # records with tool calls and without, per wire protocol


def _picks() -> list[Any]:
    chosen: list[Any] = []
    for api in ("chat", "responses", "messages"):
        streams = [
            record
            for record in corpus.records()
            if record.api == api
            and record.is_stream
            and record.status == 200
            and not {"error", "error_in_stream", "refusal", "multi_choice"} & record.features
        ]
        with_tools = [record for record in streams if record.expected.get("tool_calls")]
        without = [record for record in streams if not record.expected.get("tool_calls")]
        for record in with_tools[:PER_API] + without[:PER_API]:
            chosen.append(pytest.param(record, id=record.file.rsplit("/", 1)[-1][:60]))
    if not chosen:
        chosen.append(corpus.placeholder())
    return chosen


@corpus.MARK
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("record", _picks())
def test_recorded_stream_replays_over_http(
    server: FakeLLMServer, record: corpus.Record, mode: str
) -> None:
    body = str(record.response["body_text"])
    # Odd-sized pieces (7 bytes for small bodies) cut lines, CRLFs and UTF-8 characters; big
    # bodies get bigger pieces so h11's per-chunk cost does not dominate the suite.
    server.enqueue(Reply(raw_body=body, raw_chunk_bytes=max(7, len(body) // 300 | 1)))
    request: Request = REQUEST
    outcome = call(mode, lambda: make_client(server, record.api))
    assert outcome.error is None, outcome.error
    message = outcome.completed.message
    assert message.text == record.expected["text"]
    expected_calls = record.expected.get("tool_calls") or []
    assert [call.name for call in message.tool_calls] == [c["name"] for c in expected_calls]
    for got, want in zip(message.tool_calls, expected_calls, strict=True):
        assert json.loads(got.arguments or "{}") == json.loads(want["arguments"] or "{}")
    assert len(server.requests) == 1
    assert server.requests[0].json["model"] == request.model
