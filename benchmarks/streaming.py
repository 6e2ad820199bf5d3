"""Streaming cost of `LLMClient` against a plain httpx2 baseline, measured in the same run.

    .venv/bin/python benchmarks/streaming.py [--repeat 3] [--write docs/performance.md]

The fake LLM server runs in its own process; every measurement runs in a fresh subprocess (so
one run's garbage, caches and pool cannot help the next) and both sides import the same modules.
The baseline is what a hand-written client does: `httpx2` `aiter_lines()` plus `json.loads` of
each `data:` line. Ours is `LLMClient.astream` (SSE decoder, adapter, deadlines, events); the
measurement `sync` is `LLMClient.stream`, the sync bridge over the same code (CPU scenarios
only; `benchmarks/ratios.py` compares it with `astream`).

Scenarios (targets are ratios ours / baseline):
  a  CPU per streamed text chunk, 100,000 chunks of 4 characters    <= 1.5
  b  time to first token on a warm connection (median of 50)         <= 1.5
  c  one tool call whose 20 KB of arguments arrive in 5,000 chunks   <= 2.0
  d  200 concurrent streams of 1,000 chunks: wall time, peak RSS     <= 1.5
Each ratio is the median over `--repeat` pairs of back-to-back runs (baseline, then ours), so
load from other programs drifting over minutes hits both sides of a pair alike.
Not a test: it prints a table and never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
from tests.support.fake_llm_server import spawn  # noqa: E402
from tests.support.fake_wire import Reply, ToolCallReply  # noqa: E402

from solcoder.llm.catalog.providers import ProviderSpec  # noqa: E402
from solcoder.llm.events import TextDelta, ToolCallDelta  # noqa: E402
from solcoder.llm.messages import Message, Request  # noqa: E402
from solcoder.llm.providers.client import LLMClient  # noqa: E402
from solcoder.llm.transport.deadline import Timeouts  # noqa: E402

_SHELL = json.dumps({"path": "src/lib.rs", "content": ""})
ARGUMENTS = json.dumps({"path": "src/lib.rs", "content": "x" * (20_000 - len(_SHELL))})
SCENARIOS: dict[str, dict[str, Any]] = {
    "a": {"api": "chat", "reply": Reply(text="abcd" * 100_000, chunk_size=4), "chunks": 100_000},
    "a-responses": {
        "api": "responses",
        "reply": Reply(text="abcd" * 100_000, chunk_size=4),
        "chunks": 100_000,
    },
    "a-messages": {
        "api": "messages",
        "reply": Reply(text="abcd" * 100_000, chunk_size=4),
        "chunks": 100_000,
    },
    "b": {"api": "chat", "reply": Reply(text="Hello there, world.", chunk_size=4), "chunks": 5},
    "c": {
        "api": "chat",
        "reply": Reply(tool_calls=(ToolCallReply("write_file", ARGUMENTS),), chunk_size=4),
        "chunks": 5000,
    },
    "d": {"api": "chat", "reply": Reply(text="abcd" * 1000, chunk_size=4), "chunks": 1000},
}
TTFT_SAMPLES = 50
CONCURRENT = 200
PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
LIMITS = httpx2.Limits(max_connections=256, max_keepalive_connections=32)
TIMEOUTS = Timeouts(connect=10, first_event=120, idle=120, total=900)
REQUEST = Request(model="fake-model", messages=(Message.user("benchmark"),), max_tokens=64)


# --- one measurement (runs in a subprocess) ---------------------------------------------------


def _ours(url: str, api: str) -> LLMClient:
    base = url if api == "messages" else f"{url}/v1"
    spec = ProviderSpec(name="bench", api=api, base_url=base)  # type: ignore[arg-type]
    return LLMClient(spec, model="fake-model", api_key="sk-test-bench", timeouts=TIMEOUTS)


async def _baseline_stream(client: httpx2.AsyncClient, url: str, api: str) -> tuple[int, float]:
    """Chunks seen and seconds to the first one, the way a hand-written client reads SSE."""
    started = time.perf_counter()
    first = 0.0
    count = 0
    body = {"model": "fake-model", "stream": True, "messages": [{"role": "user", "content": "b"}]}
    async with client.stream("POST", url + PATHS[api], json=body) as response:
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            payload = json.loads(line[6:])
            if _has_content(api, payload):
                count += 1
                if count == 1:
                    first = time.perf_counter() - started
    return count, first


def _has_content(api: str, payload: dict[str, Any]) -> bool:
    if api == "chat":
        choices = payload.get("choices") or ()
        delta = choices[0].get("delta") or {} if choices else {}
        return bool(
            delta.get("content")
            or (
                delta.get("tool_calls")
                and delta["tool_calls"][0].get("function", {}).get("arguments")
            )
        )
    if api == "responses":
        return str(payload.get("type", "")).endswith(".delta")
    return bool(payload.get("type") == "content_block_delta")


async def _our_stream(client: LLMClient) -> tuple[int, float]:
    started = time.perf_counter()
    first = 0.0
    count = 0
    async for event in client.astream(REQUEST):
        if isinstance(event, TextDelta | ToolCallDelta):
            count += 1
            if count == 1:
                first = time.perf_counter() - started
    return count, first


def measure_sync(scenario: str, url: str) -> dict[str, Any]:
    """CPU per chunk of the sync `LLMClient.stream()` (the CPU scenarios a and c)."""
    expected = SCENARIOS[scenario]["chunks"]
    ours = _ours(url, SCENARIOS[scenario]["api"])

    def once() -> int:
        count = 0
        for event in ours.stream(REQUEST):
            if isinstance(event, TextDelta | ToolCallDelta):
                count += 1
        return count

    once()  # warm, as the async side
    cpu, wall = time.process_time(), time.perf_counter()
    total = 0
    while total < 100_000:
        count = once()
        assert count == expected, (count, expected)
        total += count
    result: dict[str, Any] = {"value": (time.process_time() - cpu) / total, "unit": "s/chunk"}
    result["cpu"] = time.process_time() - cpu
    result["wall"] = time.perf_counter() - wall
    result["rss_peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ours.close()
    return result


async def measure(scenario: str, impl: str, url: str) -> dict[str, Any]:
    api = SCENARIOS[scenario]["api"]
    expected = SCENARIOS[scenario]["chunks"]
    ours = _ours(url, api)
    plain = httpx2.AsyncClient(
        limits=LIMITS, timeout=httpx2.Timeout(connect=10, read=120, write=120, pool=None)
    )

    async def once() -> tuple[int, float]:
        return await (_our_stream(ours) if impl == "ours" else _baseline_stream(plain, url, api))

    await once()  # warm: connection open, server's reply rendered, code paths imported
    result: dict[str, Any] = {}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, wall = time.process_time(), time.perf_counter()
    if scenario == "b":
        samples = [(await once())[1] for _ in range(TTFT_SAMPLES)]
        result["value"] = statistics.median(samples)
        result["unit"] = "s"
    elif scenario == "d":
        counts = await asyncio.gather(*(once() for _ in range(CONCURRENT)))
        assert all(count == expected for count, _ in counts), counts[:3]
        result["value"] = time.perf_counter() - wall
        result["unit"] = "s"
    else:
        total = 0
        while total < 100_000:  # short streams are repeated: fixed costs amortize alike
            count, _ = await once()
            assert count == expected, (count, expected)
            total += count
        result["value"] = (time.process_time() - cpu) / total
        result["unit"] = "s/chunk"
    result["cpu"] = time.process_time() - cpu
    result["wall"] = time.perf_counter() - wall
    result["rss_peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["rss_before_kib"] = rss_before
    await ours.aclose()
    await plain.aclose()
    return result


# --- orchestration ------------------------------------------------------------------------------


def _start_server(reply: Reply) -> tuple[subprocess.Popen[str], str, Path]:
    script = Path(tempfile.mkstemp(suffix=".json")[1])
    script.write_text(json.dumps({"default": _reply_dict(reply), "lifetime": 900}))
    process, url = spawn(script)
    return process, url, script


def _reply_dict(reply: Reply) -> dict[str, Any]:
    data = asdict(reply)
    data["tool_calls"] = [asdict(call) for call in reply.tool_calls]
    data["headers"] = dict(reply.headers)
    return data


def start_server(scenario: str) -> tuple[subprocess.Popen[str], str, Path]:
    """The fake server for `scenario`, in its own process: (process, root URL, script file)."""
    return _start_server(SCENARIOS[scenario]["reply"])


def run(scenario: str, impl: str, url: str) -> dict[str, Any]:
    """One measurement (`baseline`, `ours` or `sync`) in a fresh subprocess."""
    return _run(scenario, impl, url)


def _run(scenario: str, impl: str, url: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", scenario, impl, url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _fmt(value: float, unit: str) -> str:
    if unit == "s/chunk":
        return f"{value * 1e6:.2f} µs/chunk"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"


def run_all(repeat: int, only: list[str]) -> list[tuple[str, str, str, float, str]]:
    rows = []
    titles = {
        "a": "a. CPU per text chunk (chat, 100k x 4 chars)",
        "a-responses": "a. CPU per text chunk (responses)",
        "a-messages": "a. CPU per text chunk (messages)",
        "b": "b. time to first token, warm connection",
        "c": "c. tool call, 20 KB arguments in 5,000 chunks (CPU/chunk)",
        "d": "d. 200 concurrent streams x 1,000 chunks: wall",
    }
    targets = {"a": 1.5, "a-responses": 1.5, "a-messages": 1.5, "b": 1.5, "c": 2.0, "d": 1.5}
    for scenario in only:
        process, url, script = _start_server(SCENARIOS[scenario]["reply"])
        try:
            results: dict[str, list[dict[str, Any]]] = {"baseline": [], "ours": []}
            for _ in range(repeat):
                for impl in ("baseline", "ours"):  # interleaved: drift hits both alike
                    results[impl].append(_run(scenario, impl, url))
        finally:
            process.terminate()
            process.wait(10)
            script.unlink()
        # Other work on the machine drifts: compare each run with the baseline run next to it.
        pairs = zip(results["baseline"], results["ours"], strict=True)
        ratio = statistics.median(o["value"] / b["value"] for b, o in pairs)
        base = statistics.median(r["value"] for r in results["baseline"])
        ours = statistics.median(r["value"] for r in results["ours"])
        unit = results["ours"][0]["unit"]
        rows.append(
            (titles[scenario], _fmt(base, unit), _fmt(ours, unit), ratio, f"<= {targets[scenario]}")
        )
        print(f"  {titles[scenario]}: ratio {ratio:.2f}", file=sys.stderr, flush=True)
        if scenario == "d":
            base_rss = statistics.median(r["rss_peak_kib"] for r in results["baseline"]) / 1024
            our_rss = statistics.median(r["rss_peak_kib"] for r in results["ours"]) / 1024
            rows.append(
                (
                    "d. 200 concurrent streams: peak RSS",
                    f"{base_rss:.1f} MiB",
                    f"{our_rss:.1f} MiB",
                    our_rss / base_rss,
                    "<= 1.5",
                )
            )
    return rows


def table(rows: list[tuple[str, str, str, float, str]]) -> str:
    lines = [
        "| measurement | baseline (httpx2 aiter_lines + json.loads) | LLMClient.astream "
        "| ratio | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {base} | {ours} | {ratio:.2f} | {target} |"
        for name, base, ours, ratio, target in rows
    ]
    return "\n".join(lines)


def machine() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs (nproc "
        f"{len(os.sched_getaffinity(0))}); {platform.machine()}; Python "
        f"{platform.python_version()}; httpx2 {httpx2.__version__}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="Streaming benchmark (not a test).")
    parser.add_argument("--measure", nargs=3, metavar=("SCENARIO", "IMPL", "URL"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--write", type=Path, help="also write the table into this file")
    args = parser.parse_args()
    if args.measure:
        scenario, impl, url = args.measure
        if impl == "sync":
            print(json.dumps(measure_sync(scenario, url)))
        else:
            print(json.dumps(asyncio.run(measure(scenario, impl, url))))
        return 0
    rows = run_all(args.repeat, args.only.split(","))
    text = f"{machine()}\n\n{table(rows)}\n"
    print(text)
    if args.write:
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
