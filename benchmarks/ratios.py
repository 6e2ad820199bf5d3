"""The headline ratios of the client, measured in one run and printed as one table.

    .venv/bin/python benchmarks/ratios.py [--repeat 3] [--startup-runs 11] [--write FILE]

1. sync `LLMClient.stream()` CPU per chunk / async `LLMClient.astream()`      target <= 1.15
2. async `astream()` CPU per chunk / httpx2 `aiter_lines()` + `json.loads`     target <= 1.2
3. whole `solcoder -p hi --json` process streaming 100,000 chunks, CPU (user + system) /
   `benchmarks/line_reader.py` (httpx2 line reader printing the same JSON lines)  target <= 1.6
4. `solcoder -p hi --offline-mode`, wall time from start to exit (median)       target <= 120 ms

Rows 1 and 2 use `benchmarks/streaming.py --measure` (each run a fresh process, connection
warmed, 100,000 chat chunks of 4 characters); row 3 runs both programs as whole processes
against the same fake server (`tests/support/fake_llm_server.py`, its own process). Each ratio
is the median over `--repeat` rounds of back-to-back runs, so load drifting over minutes hits
both sides of a pair alike. Child processes get a private bytecode cache (warmed first), as an
installed package has; `PYTHONDONTWRITEBYTECODE` would otherwise make every start recompile.
Not a test: it prints a table and never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import streaming  # noqa: E402

MARK_BEGIN = "<!-- ratios:begin (benchmarks/ratios.py --write) -->"
MARK_END = "<!-- ratios:end -->"
CHUNKS = 100_000


def child_env(pycache: Path, home: Path) -> dict[str, str]:
    """The environment of every measured process: no SolCoder settings from the caller, a
    fresh SOLCODER_HOME, a bytecode cache of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SOLCODER_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["SOLCODER_HOME"] = str(home)
    source = str(ROOT / "src")
    paths = [source, *env.get("PYTHONPATH", "").split(os.pathsep)]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path for path in paths if path))
    return env


def solcoder_command() -> list[str]:
    script = Path(sys.executable).with_name("solcoder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "solcoder"]


def process_cpu(command: list[str], env: dict[str, str], stdout: Any) -> float:
    """User + system CPU seconds of one whole process (it must exit 0)."""
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[:3]} exited {process.returncode}: {errors[-2000:]!r}")
    return usage.ru_utime + usage.ru_stime


def cli_commands(url: str) -> dict[str, list[str]]:
    cli = [
        *solcoder_command(),
        "-p",
        "hi",
        "--json",
        "--llm-provider",
        "openai",
        "--llm-base-url",
        f"{url}/v1",
        "--llm-api",
        "chat",
        "--llm-model",
        "fake-model",
    ]
    reader = [sys.executable, str(ROOT / "benchmarks" / "line_reader.py"), url]
    return {"reader": reader, "cli": cli}


def check_output(command: list[str], env: dict[str, str]) -> None:
    """The warm-up run of each side also checks that it printed every delta."""
    with tempfile.TemporaryFile("w+") as out:
        process_cpu(command, env, out)
        out.seek(0)
        deltas = sum(1 for line in out if line.startswith('{"type":"text_delta"'))
    assert deltas == CHUNKS, (command[:2], deltas)


def measure_cli(repeat: int, env: dict[str, str]) -> dict[str, list[float]]:
    process, url, script = streaming.start_server("a")
    try:
        commands = cli_commands(url)
        env = {**env, "SOLCODER_LLM_API_KEY": "sk-test-bench"}
        for command in commands.values():
            check_output(command, env)
        results: dict[str, list[float]] = {"reader": [], "cli": []}
        for _ in range(repeat):
            for name, command in commands.items():
                results[name].append(process_cpu(command, env, subprocess.DEVNULL))
    finally:
        process.terminate()
        process.wait(10)
        script.unlink()
    return results


def measure_streams(repeat: int) -> dict[str, list[float]]:
    process, url, script = streaming.start_server("a")
    try:
        results: dict[str, list[float]] = {"baseline": [], "ours": [], "sync": []}
        for _ in range(repeat):
            for impl, values in results.items():
                values.append(streaming.run("a", impl, url)["value"])
    finally:
        process.terminate()
        process.wait(10)
        script.unlink()
    return results


def wall(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def measure_startup(runs: int, env: dict[str, str]) -> dict[str, float]:
    offline = [*solcoder_command(), "-p", "hi", "--offline-mode"]
    bare = [sys.executable, "-c", "pass"]
    wall(offline, env)  # first run: bytecode cache and SOLCODER_HOME created
    samples: dict[str, list[float]] = {"bare": [], "offline": []}
    for _ in range(runs):  # interleaved, as the pairs above
        samples["bare"].append(wall(bare, env))
        samples["offline"].append(wall(offline, env))
    return {name: statistics.median(values) for name, values in samples.items()}


def paired(ours: list[float], base: list[float]) -> float:
    return statistics.median(o / b for o, b in zip(ours, base, strict=True))


def table(
    streams: dict[str, list[float]], cli: dict[str, list[float]], startup: dict[str, float]
) -> str:
    median = statistics.median
    rows = [
        (
            "1. sync `stream()` / async `astream()`, CPU per chunk",
            f"astream {median(streams['ours']) * 1e6:.2f} µs",
            f"stream {median(streams['sync']) * 1e6:.2f} µs",
            f"{paired(streams['sync'], streams['ours']):.2f}",
            "<= 1.15",
        ),
        (
            "2. async `astream()` / httpx2 `aiter_lines` + `json.loads`, CPU per chunk",
            f"httpx2 {median(streams['baseline']) * 1e6:.2f} µs",
            f"astream {median(streams['ours']) * 1e6:.2f} µs",
            f"{paired(streams['ours'], streams['baseline']):.2f}",
            "<= 1.2",
        ),
        (
            "3. whole `solcoder -p --json`, 100,000 chunks / httpx2 line reader, process CPU",
            f"reader {median(cli['reader']):.2f} s",
            f"solcoder {median(cli['cli']):.2f} s",
            f"{paired(cli['cli'], cli['reader']):.2f}",
            "<= 1.6",
        ),
        (
            "4. `solcoder -p hi --offline-mode`, start to exit (wall, median)",
            f"`python -c pass` {startup['bare'] * 1e3:.0f} ms",
            f"{startup['offline'] * 1e3:.0f} ms",
            "",
            "<= 120 ms",
        ),
    ]
    lines = ["| measurement | baseline | ours | ratio | target |", "| --- " * 5 + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    load = os.getloadavg()[0]
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; {platform.machine()}; "
        f"Python {platform.python_version()}; load average {load:.2f} at the start"
    )


def write_section(path: Path, text: str) -> None:
    """Replace the marked section of `path` (or append it)."""
    block = f"{MARK_BEGIN}\n{text}{MARK_END}\n"
    current = path.read_text() if path.exists() else ""
    if MARK_BEGIN in current and MARK_END in current:
        head, _, rest = current.partition(MARK_BEGIN)
        _, _, tail = rest.partition(MARK_END + "\n")
        path.write_text(head + block + tail)
    else:
        path.write_text(current.rstrip("\n") + "\n\n" + block)


def main() -> int:
    parser = argparse.ArgumentParser(description="Headline ratios (not a test).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--startup-runs", type=int, default=11)
    parser.add_argument("--write", type=Path, help="also write the table into this file")
    args = parser.parse_args()
    header = machine()
    scratch = Path(tempfile.mkdtemp(prefix="solcoder-bench-"))
    try:
        env = child_env(scratch / "pycache", scratch / "home")
        print("measuring startup ...", file=sys.stderr, flush=True)
        startup = measure_startup(args.startup_runs, env)
        print("measuring streams (1, 2) ...", file=sys.stderr, flush=True)
        streams = measure_streams(args.repeat)
        print("measuring the whole CLI (3) ...", file=sys.stderr, flush=True)
        cli = measure_cli(args.repeat, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = f"{header}; median over {args.repeat} rounds\n\n{table(streams, cli, startup)}\n"
    print(text)
    print(json.dumps({"streams": streams, "cli": cli, "startup": startup}), file=sys.stderr)
    if args.write:
        write_section(args.write, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
