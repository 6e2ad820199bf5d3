"""A server that sends no usage (older llama.cpp servers, some vLLM setups): the client's own
`Completed` carries estimated counts, marked, so every output shows the same figures."""

from __future__ import annotations

import asyncio
import json

from solcoder.llm.catalog.providers import ProviderSpec
from solcoder.llm.events import Completed
from solcoder.llm.messages import Message, Request
from solcoder.llm.providers.client import LLMClient
from tests.support.fake_llm_server import FakeLLMServer, Reply


def chat_stream(*, usage: bool) -> str:
    def data(payload: object) -> str:
        return f"data: {json.dumps(payload)}\n\n"

    chunks = [
        {"id": "c1", "choices": [{"index": 0, "delta": {"content": piece}}]}
        for piece in ("Hello", " from", " a server")
    ]
    chunks.append({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage:
        chunks.append(
            {"id": "c1", "choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}}
        )
    return "".join(data(chunk) for chunk in chunks) + "data: [DONE]\n\n"


def complete(server: FakeLLMServer) -> Completed:
    spec = ProviderSpec(
        name="llamacpp", api="chat", base_url=server.base_url("chat"), requires_key=False
    )
    request = Request(model="", messages=(Message.user("say hello " * 20),))

    async def main() -> Completed:
        async with LLMClient(spec, model="default", api_key=None) as client:
            return await client.acomplete(request)

    return asyncio.run(main())


def test_missing_usage_is_estimated_and_marked(server: FakeLLMServer) -> None:
    server.enqueue(Reply(raw_body=chat_stream(usage=False)))
    completed = complete(server)
    assert completed.message.text == "Hello from a server"
    assert completed.usage.input > 20  # the prompt, estimated
    assert completed.usage.output > 0
    assert completed.extra["usage_estimated"] is True


def test_reported_usage_is_kept_as_is(server: FakeLLMServer) -> None:
    server.enqueue(Reply(raw_body=chat_stream(usage=True)))
    completed = complete(server)
    assert (completed.usage.input, completed.usage.output) == (7, 3)
    assert "usage_estimated" not in completed.extra
