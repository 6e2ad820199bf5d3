"""Tokens per second of the `local` model through SolCoder against the official `openai` SDK,
both driving the same llama.cpp server (`xllamacpp`, started by `LocalServer`) on loopback.

    .venv/bin/python benchmarks/local_tokens.py [--runs 5] [--tokens 128] [--model PATH]

The baseline, measured in the same run, is `openai.AsyncOpenAI().chat.completions.create(
stream=True, stream_options={"include_usage": True})` against the server's base URL and bearer
key: no SolCoder code between the socket and the caller. The paths measured against it:

  LLMClient   `LLMClient.astream` with the spec `LocalProvider.spec` builds (name "local",
              api "chat"): SSE decoder, chat adapter, deadlines, typed events;
  provider    `LocalProvider.astream`, the path the CLI takes (the client above plus its
              reply cap and crash handling); its server is the one every path uses.

Every call gets the same prompt, greedy decoding (temperature 0) and `--tokens` max_tokens,
with a first line of its own ("Call 7.") so llama.cpp's prompt cache cannot serve it from an
earlier call (only the chat template's first tokens are shared). Tokens are the server's count
(`usage.completion_tokens`); time to first token is until the first non-empty text delta;
decode speed is the tokens after the first over the time after it; overall is tokens over the
whole call. Run 0 warms every path up; then each run calls the paths back to back (baseline
first), so load drifting over minutes hits all of them alike. Each ratio is the median over the
runs of (path / baseline of the same run). Not a test: it prints a table and never fails.
The machine's load average is printed too: on a shared 2-core machine it moves every number,
and the client's own CPU time competes with llama.cpp's threads for the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from solcoder.llm.catalog.providers import LLAMA_CPP_FORCED_TOOL, ProviderSpec  # noqa: E402
from solcoder.llm.events import Completed, Event, TextDelta  # noqa: E402
from solcoder.llm.messages import Message, Request  # noqa: E402
from solcoder.llm.providers.client import LLMClient  # noqa: E402
from solcoder.llm.providers.local.model import SMOLLM2, installed_path  # noqa: E402
from solcoder.llm.providers.local.provider import LocalProvider  # noqa: E402
from solcoder.llm.providers.local.server import ServerInfo, ServerOptions  # noqa: E402

SYSTEM = "You are a helpful assistant."
PROMPT = "Write a long story about a Solana validator that never sleeps."
CONTEXT_WINDOW = 8192
BASELINE = "openai SDK (baseline)"
CLIENT = "SolCoder LLMClient"
PROVIDER = "SolCoder LocalProvider"


@dataclass(frozen=True, slots=True)
class Sample:
    first_token_s: float
    total_s: float
    tokens: int
    """As the server counted them (usage), not streamed pieces."""
    pieces: int
    cached: int
    """Prompt tokens the server took from its cache (only the template's first few)."""
    cpu_s: float = 0.0
    """CPU time of this (client) process during the call: the model runs in another one."""
    server_decode: float | None = None
    """llama.cpp's own decode tokens/s (`timings`, only the openai SDK exposes it)."""

    @property
    def decode_rate(self) -> float:
        decode = self.total_s - self.first_token_s
        return (self.tokens - 1) / decode if decode > 0 and self.tokens > 1 else 0.0

    @property
    def overall_rate(self) -> float:
        return self.tokens / self.total_s if self.total_s > 0 else 0.0


def system(call: int) -> str:
    # Its own first line per call: llama.cpp reuses the cached prompt prefix between calls,
    # and an identical prompt would skip the prompt processing (and flatter the TTFT).
    return f"Call {call}. {SYSTEM}"


async def openai_sample(client: Any, model: str, tokens: int, call: int) -> Sample:
    messages = [{"role": "system", "content": system(call)}, {"role": "user", "content": PROMPT}]
    cpu = time.process_time()
    started = time.perf_counter()
    first: float | None = None
    pieces = 0
    usage: Any = None
    timings: dict[str, Any] = {}
    stream = await client.chat.completions.create(
        model=model,
        messages=messages,
        max_tokens=tokens,
        temperature=0.0,
        stream=True,
        stream_options={"include_usage": True},
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces += 1
            if first is None:
                first = time.perf_counter() - started
        if chunk.usage is not None:
            usage = chunk.usage
            timings = (chunk.model_extra or {}).get("timings") or {}
    total = time.perf_counter() - started
    details = getattr(usage, "prompt_tokens_details", None)
    return Sample(
        first_token_s=first or 0.0,
        total_s=total,
        tokens=usage.completion_tokens if usage else pieces,
        pieces=pieces,
        cached=getattr(details, "cached_tokens", None) or 0,
        cpu_s=time.process_time() - cpu,
        server_decode=timings.get("predicted_per_second"),
    )


async def solcoder_sample(events: AsyncIterator[Event]) -> Sample:
    cpu = time.process_time()
    started = time.perf_counter()
    first: float | None = None
    pieces = 0
    done: Completed | None = None
    async for event in events:
        if isinstance(event, TextDelta) and event.text:
            pieces += 1
            if first is None:
                first = time.perf_counter() - started
        elif isinstance(event, Completed):
            done = event
    total = time.perf_counter() - started
    return Sample(
        first_token_s=first or 0.0,
        total_s=total,
        tokens=done.usage.output if done and done.usage.output else pieces,
        pieces=pieces,
        cached=done.usage.cache_read if done else 0,
        cpu_s=time.process_time() - cpu,
    )


def request(model: str, tokens: int, call: int) -> Request:
    return Request(
        model=model,
        messages=(Message.user(PROMPT),),
        system=system(call),
        max_tokens=tokens,
        temperature=0.0,
    )


def local_spec(info: ServerInfo) -> ProviderSpec:
    """What `LocalProvider.spec` builds for a running server (chat wire)."""
    return ProviderSpec(
        name="local",
        api="chat",
        base_url=info.base_url,
        requires_key=False,
        default_model=info.model,
        models=(info.model,),
        forced_tool=LLAMA_CPP_FORCED_TOOL,
    )


def status(line: str, *, done: bool = False) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


async def measure(model: Path, runs: int, tokens: int) -> dict[str, list[Sample]]:
    import openai

    options = ServerOptions(
        model_path=model, alias=SMOLLM2.name, context_window=CONTEXT_WINDOW, max_output=1024
    )
    provider = LocalProvider(options, max_tokens=max(tokens, 256), status=status)
    sdk: Any = None
    ours: LLMClient | None = None
    samples: dict[str, list[Sample]] = {BASELINE: [], CLIENT: [], PROVIDER: []}
    try:
        started = time.perf_counter()
        await provider.discover()  # starts the one server every path uses
        info = provider.server.info
        assert info is not None
        status(f"server ready in {time.perf_counter() - started:.1f} s at {info.base_url}")
        sdk = openai.AsyncOpenAI(base_url=info.base_url, api_key=info.api_key, max_retries=0)
        ours = LLMClient(local_spec(info), model=info.model, api_key=info.api_key, max_retries=0)
        client = ours
        paths: dict[str, Callable[[int], Any]] = {
            BASELINE: lambda call: openai_sample(sdk, info.model, tokens, call),
            CLIENT: lambda call: solcoder_sample(client.astream(request(info.model, tokens, call))),
            PROVIDER: lambda call: solcoder_sample(
                provider.astream(request(info.model, tokens, call))
            ),
        }
        call = 0
        for run in range(runs + 1):
            for name, sample in paths.items():
                call += 1
                measured: Sample = await sample(call)
                if run:
                    samples[name].append(measured)
            status(f"run {run}/{runs}{' (warm-up)' if not run else ''} done")
        return samples
    finally:
        if sdk is not None:
            await sdk.close()
        if ours is not None:
            await ours.aclose()
        await provider.aclose()  # stops the server


def summary(samples: list[Sample], base: list[Sample]) -> dict[str, float]:
    pairs = list(zip(base, samples, strict=True))
    return {
        "ttft": statistics.median(s.first_token_s for s in samples),
        "decode": statistics.median(s.decode_rate for s in samples),
        "overall": statistics.median(s.overall_rate for s in samples),
        "tokens": statistics.median(s.tokens for s in samples),
        "cached": max(s.cached for s in samples),
        "cpu": statistics.median(s.cpu_s for s in samples),
        "ttft_x": statistics.median(ratio(s.first_token_s, b.first_token_s) for b, s in pairs),
        "decode_x": statistics.median(ratio(s.decode_rate, b.decode_rate) for b, s in pairs),
        "overall_x": statistics.median(ratio(s.overall_rate, b.overall_rate) for b, s in pairs),
    }


def ratio(ours: float, base: float) -> float:
    return ours / base if base > 0 else 0.0


def resolve_model(path: str | None) -> Path:
    if path:
        model = Path(path).expanduser()
        if not model.is_file():
            sys.exit(f"local_tokens: no model file at {model}")
        return model
    home = Path(os.environ.get("SOLCODER_HOME") or Path.home() / ".solcoder").expanduser()
    installed = installed_path(home)
    if installed is None:
        sys.exit(
            f"local_tokens: the bundled model ({SMOLLM2.name}) is not installed in {home}/models."
            "\nRun `solcoder local install` first (or pass --model /path/to/model.gguf)."
        )
    return installed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128, help="max_tokens per call")
    parser.add_argument("--model", default=None, help="GGUF file (default: bundled SmolLM2)")
    options = parser.parse_args()
    model = resolve_model(options.model)
    # Loopback only: no proxy from the environment may see these requests.
    os.environ["NO_PROXY"] = ",".join(filter(None, (os.environ.get("NO_PROXY"), "127.0.0.1")))
    load_before = os.getloadavg()[0]
    wall = time.perf_counter()
    samples = asyncio.run(measure(model, options.runs, options.tokens))
    results = {name: summary(values, samples[BASELINE]) for name, values in samples.items()}
    server = [s.server_decode for s in samples[BASELINE] if s.server_decode]
    print(
        f"local model: {model.name}, median of {options.runs} runs, max_tokens "
        f"{options.tokens}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load_before:.2f} → {os.getloadavg()[0]:.2f}, "
        f"{time.perf_counter() - wall:.0f} s in all"
    )
    columns: tuple[tuple[str, Callable[[dict[str, float]], str]], ...] = (
        ("TTFT ms", lambda row: f"{row['ttft'] * 1000:.0f}"),
        ("decode tok/s", lambda row: f"{row['decode']:.1f}"),
        ("overall tok/s", lambda row: f"{row['overall']:.1f}"),
        ("tokens", lambda row: f"{row['tokens']:.0f}"),
        ("client CPU ms", lambda row: f"{row['cpu'] * 1000:.0f}"),
        ("TTFT ×", lambda row: f"{row['ttft_x']:.2f}"),
        ("decode ×", lambda row: f"{row['decode_x']:.2f}"),
        ("overall ×", lambda row: f"{row['overall_x']:.2f}"),
    )
    print("| path | " + " | ".join(title for title, _ in columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(cell(row) for _, cell in columns) + " |")
    cached = max(row["cached"] for row in results.values())
    line = f"prompt tokens served from llama.cpp's cache: at most {cached:.0f} per call"
    if server:
        line += f"; llama.cpp's own decode speed (baseline calls): {statistics.median(server):.1f}"
        line += " tok/s"
    print(line)
    print("target: SolCoder decode and overall tok/s ≥ 0.9 × baseline")


if __name__ == "__main__":
    main()
