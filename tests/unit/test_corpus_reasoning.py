"""Every recorded reply that reasons, decoded and sent back as the next request would carry it.

The decoders already compare reasoning text and usage with the corpus (`test_corpus_*`); this
checks the round trip: the signatures, redacted data and encrypted content a record returned
reach the next request byte for byte when the provider wants them back, and nothing of the
reasoning does when it does not. DeepSeek's recorded tool loop says what its second request
must carry, so that one is compared with the recording itself.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from solcoder.llm.events import Completed, Event
from solcoder.llm.messages import Message, Request, Thinking, ToolResult
from solcoder.llm.wire.reasoning import tag_message
from solcoder.llm.wire.registry import adapter_for
from solcoder.llm.wire.sse import SSEDecoder
from tests import corpus
from tests.corpus import Record

pytestmark = corpus.MARK


def _decode(record: Record) -> Completed:
    adapter = adapter_for(record.api, provider=record.provider)
    if not record.is_stream:
        events = adapter.decode_body(record.body)
    else:
        sse = SSEDecoder()
        decoder = adapter.decoder()
        events = []
        for event in [*sse.feed(record.body), *sse.close()]:
            events.extend(decoder.feed(event))
        events.extend(decoder.finish())
    done: Event = events[-1]
    assert isinstance(done, Completed)
    return done


def _reasoning_records() -> list[Any]:
    found = []
    for record in corpus.records():
        if record.status != 200 or record.api not in ("chat", "responses", "messages"):
            continue
        try:
            done = _decode(record)
        except Exception:  # error replies and non-decodable records have their own tests
            continue
        if any(isinstance(part, Thinking) for part in done.message.parts):
            found.append(pytest.param(record, id=record.file))
    return found or [corpus.placeholder()]


def _next_request(record: Record, message: Message) -> Request:
    results = tuple(ToolResult(call.id, "ok", name=call.name) for call in message.tool_calls)
    history = [Message.user("q"), message]
    if results:
        history.append(Message("tool", results))
    else:
        history.append(Message.user("go on"))
    return Request(model="m", messages=tuple(history))


@pytest.mark.parametrize("record", _reasoning_records())
@pytest.mark.parametrize("roundtrip", [True, False])
def test_recorded_reasoning_goes_back_verbatim_only_when_wanted(
    record: Record, roundtrip: bool
) -> None:
    message = tag_message(_decode(record).message, record.provider)
    thinking = [part for part in message.parts if isinstance(part, Thinking)]
    assert all(part.text or part.redacted or part.meta for part in thinking)
    adapter = adapter_for(record.api, provider=record.provider, reasoning_roundtrip=roundtrip)
    body = json.loads(adapter.encode(_next_request(record, message)).body)
    sent = json.dumps(body, ensure_ascii=False)
    opaque = [
        str(part.meta[key])
        for part in thinking
        for key in ("signature", "data", "encrypted_content")
        if part.meta.get(key)
    ]
    if roundtrip:
        for value in opaque:  # unchanged, byte for byte
            assert json.dumps(value, ensure_ascii=False) in sent
        if record.api == "messages":
            blocks = body["messages"][1]["content"]
            signed = [b for b in blocks if b["type"] in ("thinking", "redacted_thinking")]
            assert len(signed) == sum(
                1 for part in thinking if part.meta.get("signature") or part.meta.get("data")
            )
        if record.api == "chat" and message.tool_calls:
            text = "".join(part.text for part in thinking)
            assert body["messages"][1].get("reasoning_content", "") == text
    else:
        assert not any(value in sent for value in opaque)
        assert "reasoning_content" not in sent
        texts = [part.text for part in thinking if len(part.text) > 20]
        assert not any(json.dumps(text, ensure_ascii=False)[1:-1] in sent for text in texts)


DEEPSEEK_LOOP = (
    "openai-compatible-deepseek/"
    "pydantic-ai__test_deepseek--test_deepseek_deferred_capability_with_thinking__{}.json"
)


def test_deepseeks_second_request_carries_what_the_recording_sent() -> None:
    by_file = {record.file: record for record in corpus.records()}
    first, second = by_file.get(DEEPSEEK_LOOP.format(0)), by_file.get(DEEPSEEK_LOOP.format(1))
    if first is None or second is None:
        pytest.skip("the DeepSeek tool-loop recording is not in this corpus")
    message = tag_message(_decode(first).message, "deepseek")
    adapter = adapter_for("chat", provider="deepseek", reasoning_roundtrip=True)
    body = json.loads(adapter.encode(_next_request(first, message)).body)
    recorded = next(m for m in second.request["json"]["messages"] if m["role"] == "assistant")
    ours = body["messages"][1]
    assert ours["reasoning_content"] == recorded["reasoning_content"]
    assert [c["id"] for c in ours["tool_calls"]] == [c["id"] for c in recorded["tool_calls"]]
