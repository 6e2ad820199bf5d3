"""Streaming cost of `LLMClient` against the floor: a raw-socket reader, measured in the same run.

    .venv/bin/python benchmarks/stream_floor.py [--repeat 3] [--only chat,messages,...]
                                               [--write docs/performance.md]

The floor is the least a Python client can do: a plain `socket` (or asyncio stream), the head
and chunk sizes found with `bytes.find`, `data:` lines split out and `json.loads`-ed, nothing
else (no deadlines, no errors, no events). aiohttp's line reader (`async for line in
resp.content`, if aiohttp is installed: it is in the `dev` extra) and httpx2's (`aiter_lines` /
`iter_lines`) are measured beside it for context. Every reader counts the same content chunks
(`streaming._has_content`); ours is `LLMClient.astream` (async) and `LLMClient.stream` (sync).

Scenarios (the ratio is ours / the floor of the same kind, sync or async; target in brackets):
  chat, messages  CPU per text chunk, 100,000 chunks of 4 characters, per wire     [<= 2.0]
  tool            CPU per chunk of one tool call's 20 KB of arguments (5,000 chunks)
  ttft            time to the first text chunk on a warm connection (median of 50)
  concurrent      200 concurrent streams of 1,000 chunks: CPU and peak RSS (async only)
  cli             whole `solcoder -p --json` streaming 100,000 chunks, process CPU, against
                  `benchmarks/line_reader.py` (httpx2 lines, every delta printed)    [<= 1.2]
Each measurement runs in a fresh subprocess against the fake LLM server in its own process;
each ratio is the median over `--repeat` rounds of back-to-back runs. Not a test: it prints a
table and never fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import streaming  # noqa: E402
from floor_reader import BODY, FloorAsync, FloorSync, nothing  # noqa: E402

try:
    import aiohttp
except ImportError:  # an optional dev tool: its column is left out
    aiohttp = None

MARK_BEGIN = "<!-- stream-floor:begin (benchmarks/stream_floor.py --write) -->"
MARK_END = "<!-- stream-floor:end -->"
CHUNKS = 100_000
SCENARIO_OF = {"chat": "a", "messages": "a-messages", "tool": "c", "ttft": "b", "concurrent": "d"}
ASYNC_IMPLS = ["floor-async", "aiohttp", "httpx2-async", "ours-async"]
SYNC_IMPLS = ["floor-sync", "httpx2-sync", "ours-sync"]
TITLES = {
    "chat": "CPU per chunk, OpenAI chat wire",
    "messages": "CPU per chunk, Anthropic wire",
    "tool": "CPU per chunk, 20 KB tool arguments (chat)",
    "ttft": "time to first token, warm connection",
    "concurrent": "200 concurrent streams x 1,000 chunks: CPU",
}
TARGETS = {"chat": "<= 2.0", "messages": "<= 2.0"}


# --- one measurement (runs in a subprocess) ---------------------------------------------------


def _streamer(impl: str, url: str, api: str) -> Callable[[Callable[[], None]], Any]:
    """A function streaming one reply with `impl`, calling its argument at the first chunk
    and returning the count of content chunks (a coroutine for the async impls)."""
    if impl == "floor-sync":
        return FloorSync(url, api).stream
    if impl == "floor-async":
        return FloorAsync(url, api).stream
    if impl in ("ours-sync", "ours-async"):
        client = streaming._ours(url, api)

        def sync(on_first: Callable[[], None]) -> int:
            count = 0
            for event in client.stream(streaming.REQUEST):
                if isinstance(event, streaming.TextDelta | streaming.ToolCallDelta):
                    count += 1
                    if count == 1:
                        on_first()
            return count

        async def asynchronous(on_first: Callable[[], None]) -> int:
            count = 0
            async for event in client.astream(streaming.REQUEST):
                if isinstance(event, streaming.TextDelta | streaming.ToolCallDelta):
                    count += 1
                    if count == 1:
                        on_first()
            return count

        return sync if impl == "ours-sync" else asynchronous
    if impl == "httpx2-sync":
        http = streaming.httpx2.Client(timeout=120)

        def lines(on_first: Callable[[], None]) -> int:
            count = 0
            target = url + streaming.PATHS[api]
            with http.stream("POST", target, json=BODY) as response:
                for line in response.iter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    if streaming._has_content(api, json.loads(line[6:])):
                        count += 1
                        if count == 1:
                            on_first()
            return count

        return lines
    if impl == "httpx2-async":
        http_async = streaming.httpx2.AsyncClient(timeout=120, limits=streaming.LIMITS)

        async def alines(on_first: Callable[[], None]) -> int:
            count = 0
            target = url + streaming.PATHS[api]
            async with http_async.stream("POST", target, json=BODY) as response:
                async for line in response.aiter_lines():
                    if not line.startswith("data: ") or line == "data: [DONE]":
                        continue
                    if streaming._has_content(api, json.loads(line[6:])):
                        count += 1
                        if count == 1:
                            on_first()
            return count

        return alines
    assert impl == "aiohttp"
    assert aiohttp is not None
    session: list[Any] = []

    async def aio(on_first: Callable[[], None]) -> int:
        if not session:
            connector = aiohttp.TCPConnector(limit=256)
            session.append(aiohttp.ClientSession(connector=connector))
        count = 0
        async with session[0].post(url + streaming.PATHS[api], json=BODY) as response:
            async for line in response.content:
                if line[:6] != b"data: " or line.rstrip() == b"data: [DONE]":
                    continue
                if streaming._has_content(api, json.loads(line[6:])):
                    count += 1
                    if count == 1:
                        on_first()
        return count

    return aio


async def _run_async(stream: Any, scenario: str, expected: int) -> dict[str, Any]:
    return await _measure(stream, scenario, expected, is_async=True)


async def _measure(
    once: Callable[[Callable[[], None]], Any], scenario: str, expected: int, *, is_async: bool
) -> dict[str, Any]:
    async def call(on_first: Callable[[], None] = nothing) -> int:
        result = once(on_first)
        return await result if is_async else result  # type: ignore[no-any-return]

    await call()  # warm: connection open, reply rendered, code imported
    cpu, wall = time.process_time(), time.perf_counter()
    result: dict[str, Any] = {}
    if scenario == "ttft":
        samples = []
        for _ in range(streaming.TTFT_SAMPLES):
            seen: list[float] = [time.perf_counter()]
            await call(lambda seen=seen: seen.append(time.perf_counter() - seen[0]))
            samples.append(seen[1])
        result["value"], result["unit"] = statistics.median(samples), "s"
    elif scenario == "concurrent":
        counts = await asyncio.gather(*(call() for _ in range(streaming.CONCURRENT)))
        assert all(count == expected for count in counts), counts[:3]
        result["value"], result["unit"] = time.process_time() - cpu, "s cpu"
    else:
        total = 0
        while total < CHUNKS:
            count = await call()
            assert count == expected, (count, expected)
            total += count
        result["value"], result["unit"] = (time.process_time() - cpu) / total, "s/chunk"
    result["wall"] = time.perf_counter() - wall
    result["rss_peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return result


def measure(scenario: str, impl: str, url: str) -> dict[str, Any]:
    key = SCENARIO_OF[scenario]
    api, expected = streaming.SCENARIOS[key]["api"], streaming.SCENARIOS[key]["chunks"]
    if impl.endswith("sync") and not impl.endswith("async"):
        # The sync readers run outside any event loop (the sync client refuses to run inside
        # one); `_measure` is driven by hand: its awaits never suspend for them.
        coroutine = _measure(_streamer(impl, url, api), scenario, expected, is_async=False)
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        raise AssertionError("a sync measurement suspended")

    async def main() -> dict[str, Any]:
        return await _run_async(_streamer(impl, url, api), scenario, expected)

    return asyncio.run(main())


# --- orchestration ------------------------------------------------------------------------------


def _run(scenario: str, impl: str, url: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", scenario, impl, url],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def impls_for(scenario: str) -> list[str]:
    impls = ASYNC_IMPLS if scenario == "concurrent" else ASYNC_IMPLS + SYNC_IMPLS
    return [impl for impl in impls if impl != "aiohttp" or aiohttp is not None]


def run_scenario(scenario: str, repeat: int) -> dict[str, list[dict[str, Any]]]:
    process, url, script = streaming.start_server(SCENARIO_OF[scenario])
    results: dict[str, list[dict[str, Any]]] = {impl: [] for impl in impls_for(scenario)}
    try:
        for _ in range(repeat):
            for impl, runs in results.items():  # interleaved: drift hits every reader alike
                runs.append(_run(scenario, impl, url))
    finally:
        process.terminate()
        process.wait(10)
        script.unlink()
    return results


def _fmt(value: float, unit: str) -> str:
    if unit == "s/chunk":
        return f"{value * 1e6:.2f} µs"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value * 1e3:.2f} ms" if value < 1 else f"{value:.2f} s"


def rows_for(scenario: str, results: dict[str, list[dict[str, Any]]]) -> list[list[str]]:
    rows = []
    for mode in ("async", "sync"):
        floor, ours = results.get(f"floor-{mode}"), results.get(f"ours-{mode}")
        if floor is None or ours is None:
            continue
        others = ["aiohttp", f"httpx2-{mode}"] if mode == "async" else [f"httpx2-{mode}"]
        keys = [("value", floor[0]["unit"])]
        if scenario == "concurrent":
            keys.append(("rss_peak_kib", "MiB"))
        for key, unit in keys:
            scale = 1 / 1024 if unit == "MiB" else 1

            def median(impl: str, key: str = key, scale: float = scale, unit: str = unit) -> str:
                runs = results.get(impl)
                if not runs:
                    return "—"
                return _fmt(statistics.median(run[key] for run in runs) * scale, unit)

            ratio = statistics.median(
                o[key] / f[key] for f, o in zip(floor, ours, strict=True) if f[key]
            )
            name = f"{TITLES[scenario]} ({mode})"
            if scenario == "concurrent":
                name = name.replace(": CPU", ": peak RSS" if key == "rss_peak_kib" else ": CPU")
            row = [name, median(f"floor-{mode}")]
            row += [median(impl) if impl in results else "—" for impl in others]
            if mode == "sync":
                row.insert(2, "—")  # aiohttp has no sync API
            row += [median(f"ours-{mode}"), f"{ratio:.2f}", TARGETS.get(scenario, "")]
            rows.append(row)
    return rows


def cli_row(repeat: int) -> list[str]:
    import tempfile

    import ratios

    scratch = Path(tempfile.mkdtemp(prefix="solcoder-bench-"))
    env = ratios.child_env(scratch / "pycache", scratch / "home")
    result = ratios.measure_cli(repeat, env)
    ratio = ratios.paired(result["cli"], result["reader"])
    reader = statistics.median(result["reader"])
    cli = statistics.median(result["cli"])
    name = "cli: `solcoder -p --json`, 100k chunks, process CPU"
    return [name, "—", "—", f"{reader:.2f} s", f"{cli:.2f} s", f"{ratio:.2f} (vs httpx2)", "<= 1.2"]


def table(rows: list[list[str]]) -> str:
    head = (
        "| measurement | raw socket (floor) | aiohttp lines | httpx2 lines | LLMClient "
        "| ours / floor | target |"
    )
    lines = [head, "| --- " * 7 + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Streaming against the floor (not a test).")
    parser.add_argument("--measure", nargs=3, metavar=("SCENARIO", "IMPL", "URL"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="chat,messages,tool,ttft,concurrent,cli")
    parser.add_argument("--write", type=Path, help="also write the table into this file")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    rows: list[list[str]] = []
    for scenario in args.only.split(","):
        print(f"measuring {scenario} ...", file=sys.stderr, flush=True)
        if scenario == "cli":
            rows.append(cli_row(args.repeat))
            continue
        results = run_scenario(scenario, args.repeat)
        rows += rows_for(scenario, results)
        print(table(rows_for(scenario, results)), file=sys.stderr, flush=True)
    note = "" if aiohttp is not None else " (aiohttp not installed: its column is empty)"
    text = f"{streaming.machine()}; median over {args.repeat} rounds{note}\n\n{table(rows)}\n"
    print(text)
    if args.write:
        import ratios

        ratios.MARK_BEGIN, ratios.MARK_END = MARK_BEGIN, MARK_END
        ratios.write_section(args.write, text)
    return 0


if __name__ == "__main__":
    sys.exit(os.EX_OK if main() == 0 else 1)
