"""Every recorded exchange whose usage reports prompt-cache reads or writes decodes them.

The figures expected come from the corpus's own `expected.usage` (derived from the recorded
response, independently of our decoders), read under each vendor's field names: Anthropic's
`cache_read_input_tokens` / `cache_creation_input_tokens`, OpenAI's `cached_tokens` (chat
`prompt_tokens_details`, Responses `input_tokens_details`), DeepSeek's
`prompt_cache_hit_tokens`, and the `cache_write_tokens` that OpenRouter and Bedrock add.
"""

from __future__ import annotations

from typing import Any

import pytest

from solcoder.llm.events import Completed, Event
from solcoder.llm.wire.registry import adapter_for
from solcoder.llm.wire.sse import SSEDecoder
from tests import corpus
from tests.corpus import Record

pytestmark = corpus.MARK


def expected_cache(usage: dict[str, Any]) -> tuple[int, int]:
    """(reads, writes) as the provider reported them."""
    prompt = usage.get("prompt_tokens_details") or {}
    inputs = usage.get("input_tokens_details") or {}
    read = (
        usage.get("cache_read_input_tokens")
        or prompt.get("cached_tokens")
        or inputs.get("cached_tokens")
        or usage.get("prompt_cache_hit_tokens")
        or 0
    )
    write = (
        usage.get("cache_creation_input_tokens")
        or prompt.get("cache_write_tokens")
        or inputs.get("cache_write_tokens")
        or 0
    )
    return int(read), int(write)


def cache_records() -> list[Any]:
    found = [
        pytest.param(record, id=record.file)
        for record in corpus.records()
        if record.status == 200 and any(expected_cache(record.expected.get("usage") or {}))
    ]
    return found or [corpus.placeholder()]


def decode(record: Record) -> Completed:
    adapter = adapter_for(record.api, provider=record.provider)  # type: ignore[arg-type]
    events: list[Event]
    if record.is_stream:
        sse, decoder, events = SSEDecoder(), adapter.decoder(), []
        for event in [*sse.feed(record.body), *sse.close()]:
            events.extend(decoder.feed(event))
        events.extend(decoder.finish())
    else:
        events = adapter.decode_body(record.body)
    completed = events[-1]
    assert isinstance(completed, Completed)
    return completed


@pytest.mark.parametrize("record", cache_records())
def test_cache_reads_and_writes_are_decoded(record: Record) -> None:
    read, write = expected_cache(record.expected["usage"])
    usage = decode(record).usage
    assert (usage.cache_read, usage.cache_write) == (read, write)


def test_the_corpus_has_cache_usage_on_every_wire() -> None:
    """The records above cover each wire (a corpus update that lost them would show here)."""
    corpus.require()
    wires = {param.values[0].api for param in cache_records()}
    assert wires == {"chat", "responses", "messages"}
