"""A fake OpenAI-compatible server with a small context window it enforces, for compaction tests.

It describes its model on `/v1/models` (`context_length`, as vLLM, OpenRouter and LM Studio do),
counts every chat request with a deterministic estimate (SolCoder's own text estimator run on
the whole JSON body, keys and punctuation included, plus 10 %: more than SolCoder counts) and
refuses one that does not fit, with llama.cpp's real context-overflow error body. A compaction
request (recognised by SolCoder's summary system prompt) is answered by a deterministic
summariser that keeps every line holding `FACT:`; other requests get a reply long enough to
fill the window within a few turns, or a `plan` call when the prompt asks for a tool.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from solcoder.llm.tokens import count_text
from tests.support.fake_llm_server import FakeLLMServer, RecordedRequest
from tests.support.fake_wire import Reply, ToolCallReply

WINDOW = 8192
MODEL = "fake-8k"
FILLER = " ".join(f"detail{index}" for index in range(150))


def overflow_body(prompt_tokens: int, window: int) -> str:
    """llama.cpp's body for a prompt past `n_ctx` (tools/server/server.cpp, 2025)."""
    error = {
        "code": 400,
        "message": "the request exceeds the available context size, try increasing it",
        "type": "exceed_context_size_error",
        "n_prompt_tokens": prompt_tokens,
        "n_ctx": window,
    }
    return json.dumps({"error": error})


def request_tokens(body: dict[str, Any]) -> int:
    """What this server charges a request: the body's text estimate, 10 % more (so it never
    counts less than SolCoder's estimate, which it checks in the tests), plus its output room."""
    text = count_text(json.dumps(body, ensure_ascii=False))
    return math.ceil(text * 1.1) + int(body.get("max_tokens") or 0)


def unpaired_calls(messages: list[dict[str, Any]]) -> list[str]:
    """Tool-call ids that break the pairing rule on the wire (empty when the request is valid):
    a result with no call before it, or a call without its result before the next turn."""
    problems: list[str] = []
    open_calls: set[str] = set()
    for message in messages:
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id", "")
            if call_id not in open_calls:
                problems.append(f"orphan result {call_id}")
            open_calls.discard(call_id)
            continue
        if open_calls:
            problems.append(f"unanswered {sorted(open_calls)}")
            open_calls = set()
        for call in message.get("tool_calls") or []:
            open_calls.add(call["id"])
    if open_calls:
        problems.append(f"unanswered {sorted(open_calls)}")
    return problems


def _summary(text: str) -> str:
    facts = [line.strip() for line in text.splitlines() if "FACT:" in line]
    kept = list(dict.fromkeys(line.removeprefix("User: ") for line in facts))
    return "Facts so far:\n" + ("\n".join(kept) if kept else "(none)")


@dataclass
class WindowServer:
    """The server and what it saw: every chat body, the refused ones, the summaries sent."""

    window: int = WINDOW
    bodies: list[dict[str, Any]] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)
    calls: int = 0

    def start(self) -> FakeLLMServer:
        models = {"object": "list", "data": [{"id": MODEL, "context_length": self.window}]}
        return FakeLLMServer(
            responder=self.respond, static={"/v1/models": models}, lifetime=300
        ).start()

    def respond(self, api: str, recorded: RecordedRequest, reply: Reply | None) -> Reply:
        body = recorded.json
        self.bodies.append(body)
        tokens = request_tokens(body)
        if tokens > self.window:
            self.refused.append(tokens)
            raw = overflow_body(tokens, self.window)
            return Reply(status=400, raw_body=raw, content_type="application/json")
        messages = body["messages"]
        system = messages[0]["content"] if messages[0]["role"] == "system" else ""
        last = messages[-1]
        if "write the memory of a long conversation" in str(system):
            summary = _summary(str(last["content"]))
            self.summaries.append(summary)
            return Reply(text=summary, model=MODEL)
        if last["role"] == "tool":
            return Reply(text="The plan is noted. " + FILLER, model=MODEL)
        if "use the plan tool" in str(last["content"]):
            self.calls += 1
            arguments = json.dumps({"goal": f"step {self.calls}"})
            call = ToolCallReply(id=f"call_{self.calls}", name="plan", arguments=arguments)
            return Reply(text="Planning.", tool_calls=(call,), model=MODEL)
        return Reply(text="Understood. " + FILLER, model=MODEL)
