"""Tokens per second of the local model: in-process (`LocalProvider`) vs through a llama.cpp
server on loopback (`python -m llama_cpp.server` + `LLMClient` with the `llamacpp` spec).

    .venv/bin/python benchmarks/local_tokens.py [--runs 5] [--tokens 128] [--model PATH]

The baseline, measured in the same run, is raw llama-cpp-python in-process (`Llama.
create_chat_completion(stream=True)`, no SolCoder code). Every path gets the same prompt with
greedy decoding, so each generates the same tokens; a token is one streamed piece. For each path
the median of `--runs` calls is printed: time to first token, decode speed (tokens after the
first per second) and end-to-end tokens per second. The server is started on an ephemeral port
and stopped at the end. Needs the `local` extra. Not a test: it prints a table and never fails.
The machine's load average is printed too: on a shared 2-core machine it moves every number.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from solcoder.llm.events import Event, TextDelta  # noqa: E402
from solcoder.llm.local import LocalProvider, resolve_model_path  # noqa: E402
from solcoder.llm.messages import Message, Request  # noqa: E402

SYSTEM = "You are a helpful assistant."
PROMPT = "Write a long story about a Solana validator that never sleeps."
ALIAS = "bench-model"
BASELINE = "llama-cpp-python in-process (baseline)"
LOCAL = "LocalProvider in-process"
SERVER = "llama_cpp.server + LLMClient (loopback)"


@dataclass(frozen=True, slots=True)
class Sample:
    first_token_s: float
    total_s: float
    tokens: int

    @property
    def decode_rate(self) -> float:
        decode = self.total_s - self.first_token_s
        return (self.tokens - 1) / decode if decode > 0 and self.tokens > 1 else 0.0

    @property
    def overall_rate(self) -> float:
        return self.tokens / self.total_s if self.total_s > 0 else 0.0


def timed(pieces: Iterator[str]) -> Sample:
    started = time.perf_counter()
    first: float | None = None
    tokens = 0
    for _ in pieces:
        tokens += 1
        first = first if first is not None else time.perf_counter() - started
    return Sample(first or 0.0, time.perf_counter() - started, tokens)


async def timed_async(events: AsyncIterator[Event]) -> Sample:
    started = time.perf_counter()
    first: float | None = None
    tokens = 0
    async for event in events:
        if isinstance(event, TextDelta):
            tokens += 1
            first = first if first is not None else time.perf_counter() - started
    return Sample(first or 0.0, time.perf_counter() - started, tokens)


def system(run: int) -> str:
    # A different first line per run, the same on every path: llama.cpp reuses the cached
    # prompt prefix between calls, and an identical prompt would hide the prompt processing.
    return f"Session {run}. {SYSTEM}"


def request(model: str, tokens: int, run: int) -> Request:
    return Request(
        model=model,
        messages=(Message.user(PROMPT),),
        system=system(run),
        max_tokens=tokens,
        temperature=0.0,
    )


def raw_pieces(llm: Any, tokens: int, run: int) -> Iterator[str]:
    messages = [{"role": "system", "content": system(run)}, {"role": "user", "content": PROMPT}]
    for chunk in llm.create_chat_completion(
        messages=messages, stream=True, max_tokens=tokens, temperature=0.0
    ):
        content = chunk["choices"][0]["delta"].get("content")
        if content:
            yield content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(model: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--verbose", "false",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(base_url: str, server: subprocess.Popen[bytes], limit_s: float = 90) -> None:
    import httpx2

    deadline = time.monotonic() + limit_s
    async with httpx2.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {server.returncode}")
            try:
                if (await client.get(f"{base_url}/models")).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"llama_cpp.server not ready after {limit_s:.0f} s")


async def measure(model: Path, runs: int, tokens: int) -> dict[str, list[Sample]]:
    """Run 0 warms every path up; then each run measures the three paths back to back, so load
    from other programs drifting over minutes hits all of them alike."""
    import llama_cpp

    from solcoder.llm.client import LLMClient
    from solcoder.llm.provider import BUILTIN_PROVIDERS

    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    server = start_server(model, port)
    llm = llama_cpp.Llama(model_path=str(model), n_ctx=4096, verbose=False)
    provider = LocalProvider(model, stop_loops=False)
    spec = BUILTIN_PROVIDERS["llamacpp"].with_overrides(base_url=base_url)
    client = LLMClient(spec, model=ALIAS, api_key=None)
    samples: dict[str, list[Sample]] = {BASELINE: [], LOCAL: [], SERVER: []}
    try:
        await wait_ready(base_url, server)
        for run in range(runs + 1):
            measured = {
                BASELINE: timed(raw_pieces(llm, tokens, run)),
                LOCAL: await timed_async(provider.astream(request(provider.model, tokens, run))),
                SERVER: await timed_async(client.astream(request(ALIAS, tokens, run))),
            }
            for name, sample in measured.items():
                if run:
                    samples[name].append(sample)
        return samples
    finally:
        await client.aclose()
        await provider.aclose()
        llm.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def summary(samples: list[Sample]) -> dict[str, float]:
    return {
        "ttft": statistics.median(sample.first_token_s for sample in samples),
        "decode": statistics.median(sample.decode_rate for sample in samples),
        "overall": statistics.median(sample.overall_rate for sample in samples),
        "tokens": statistics.median(sample.tokens for sample in samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128, help="max_tokens per call")
    parser.add_argument("--model", default=None, help="GGUF file (default: bundled SmolLM2)")
    options = parser.parse_args()
    model = resolve_model_path(options.model)
    load_before = os.getloadavg()[0]
    samples = asyncio.run(measure(model, options.runs, options.tokens))
    results = {name: summary(values) for name, values in samples.items()}
    print(
        f"local model tokens/s: {model.name}, median of {options.runs} runs, max_tokens "
        f"{options.tokens}, {os.cpu_count()} cores, load average {load_before:.2f} → "
        f"{os.getloadavg()[0]:.2f}"
    )
    print(f"{'path':<42} {'ttft':>8} {'decode tok/s':>13} {'overall tok/s':>14} {'× base':>7}")
    base = results[BASELINE]["overall"] or 1.0
    for name, row in results.items():
        print(
            f"{name:<42} {row['ttft'] * 1000:>6.0f}ms {row['decode']:>13.1f} "
            f"{row['overall']:>14.1f} {row['overall'] / base:>6.2f}×  ({row['tokens']:.0f} tok)"
        )


if __name__ == "__main__":
    main()
