"""A fake of Anthropic's prompt caching and its bill, as a `FakeLLMServer` responder.

It follows the documented rules (docs.anthropic.com, "Prompt caching"): the prompt is the
sequence tools → system → messages; each `cache_control` block ends a prefix that is written to
the cache; a request reads the longest cached prefix found at one of its breakpoints or up to
20 blocks before one; prefixes under the model's minimum (1,024 tokens for Sonnet) are never
cached; more than 4 breakpoints is an HTTP 400. Usage is reported the Anthropic way
(`input_tokens` excludes cache reads and writes), and the server keeps its own bill at
Claude Sonnet 4.5's rates, so a test can compare it with what SolCoder computes.

Tokens are counted by this fake's own rule (4 characters of canonical JSON per token): only
consistency matters, since the bill and the usage it reports come from the same counts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_llm_server import RecordedRequest
from tests.support.fake_wire import Reply, render_events

MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20
MINIMUM_TOKENS = 1024

# Claude Sonnet 4.5, US dollars per million tokens.
INPUT_RATE = 3.0
OUTPUT_RATE = 15.0
READ_RATE = 0.30
WRITE_RATE = {"5m": 3.75, "1h": 6.0}


@dataclass
class Charge:
    """One request's usage and price, as the server billed it."""

    input: int
    cache_read: int
    cache_write: int
    output: int
    usd: float
    ttl: str = "5m"


@dataclass
class AnthropicCacheBilling:
    """Callable as a `FakeLLMServer(responder=...)`: answers the scripted reply with usage
    computed from the request's cache breakpoints, and records the charge."""

    output_tokens: int = 40
    charges: list[Charge] = field(default_factory=list)
    breakpoint_counts: list[int] = field(default_factory=list)
    _cache: set[str] = field(default_factory=set)

    @property
    def total_usd(self) -> float:
        return sum(charge.usd for charge in self.charges)

    def __call__(self, api: str, request: RecordedRequest, reply: Reply | None) -> Reply:
        assert api == "messages", "this fake bills the Messages API only"
        body = request.json
        blocks, marks = _prompt_blocks(body)
        self.breakpoint_counts.append(len(marks))
        if len(marks) > MAX_BREAKPOINTS:
            return Reply(
                status=400,
                error_type="invalid_request_error",
                error_message="A maximum of 4 blocks with cache_control may be provided. "
                f"Found {len(marks)}.",
            )
        sizes = [_tokens(block) for block in blocks]
        ends = [sum(sizes[: index + 1]) for index in range(len(sizes))]
        keys = [
            _prefix_key(body.get("model", ""), blocks[: index + 1]) for index in range(len(blocks))
        ]
        read = 0
        for mark, _ttl in marks:
            for index in range(mark, max(-1, mark - LOOKBACK_BLOCKS), -1):
                if keys[index] in self._cache:
                    read = max(read, ends[index])
                    break
        written_to = 0
        ttl = "5m"
        for mark, mark_ttl in marks:
            if ends[mark] >= MINIMUM_TOKENS:
                self._cache.add(keys[mark])
                if ends[mark] > written_to:
                    written_to, ttl = ends[mark], mark_ttl
        write = max(0, written_to - read)
        total = ends[-1] if ends else 0
        charge = Charge(
            input=total - read - write,
            cache_read=read,
            cache_write=write,
            output=self.output_tokens,
            usd=(
                (total - read - write) * INPUT_RATE
                + read * READ_RATE
                + write * WRITE_RATE[ttl]
                + self.output_tokens * OUTPUT_RATE
            )
            / 1e6,
            ttl=ttl,
        )
        self.charges.append(charge)
        return _with_usage(reply or Reply(text="ok"), charge)


def _prompt_blocks(body: dict[str, Any]) -> tuple[list[Any], list[tuple[int, str]]]:
    """The prompt as cacheable blocks in Anthropic's order, and the breakpoints (index, ttl)."""
    blocks: list[Any] = []
    marks: list[tuple[int, str]] = []

    def add(block: Any) -> None:
        if isinstance(block, dict) and "cache_control" in block:
            marks.append((len(blocks), str(block["cache_control"].get("ttl", "5m"))))
            block = {key: value for key, value in block.items() if key != "cache_control"}
        blocks.append(block)

    for tool in body.get("tools") or ():
        add(tool)
    system = body.get("system")
    if isinstance(system, str):
        add({"type": "text", "text": system})
    elif isinstance(system, list):
        for block in system:
            add(block)
    for message in body.get("messages") or ():
        content = message["content"]
        if isinstance(content, str):
            add({"role": message["role"], "text": content})
            continue
        for block in content:
            add(block)
    return blocks, marks


def _tokens(block: Any) -> int:
    return max(1, len(json.dumps(block, sort_keys=True, separators=(",", ":"))) // 4)


def _prefix_key(model: str, blocks: list[Any]) -> str:
    text = json.dumps([model, blocks], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _with_usage(reply: Reply, charge: Charge) -> Reply:
    """`reply` rendered as a Messages stream whose usage states `charge`."""
    events, _tail = render_events("messages", reply)
    start = json.dumps(
        {
            "input_tokens": charge.input,
            "cache_creation_input_tokens": charge.cache_write,
            "cache_read_input_tokens": charge.cache_read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": charge.cache_write if charge.ttl == "5m" else 0,
                "ephemeral_1h_input_tokens": charge.cache_write if charge.ttl == "1h" else 0,
            },
            "output_tokens": 1,
        },
        separators=(",", ":"),
    )
    body = b"".join(events).decode()
    body = body.replace('"usage":{"input_tokens":11,"output_tokens":1}', f'"usage":{start}', 1)
    body = body.replace(
        '"usage":{"output_tokens":7}', f'"usage":{{"output_tokens":{charge.output}}}'
    )
    return Reply(raw_body=body)
