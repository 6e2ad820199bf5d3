"""run_command capturing a command that prints 50 MB, against the same producer piped into
`cat > /dev/null`, in the same run.

    python benchmarks/command_output.py

The producer is `yes LINE | head -c 50000000` (80-byte lines). The baseline is the pipeline
with `cat` as the reader (`sh -c "PRODUCER | cat > /dev/null"`); the cases run the producer
under `run_command`, whose reader is SolCoder (the bounded head/tail capture; with `on_output`
also the incremental UTF-8 decoding of every block). The cases take turns in every round;
medians of wall time, the ratio to the baseline and SolCoder's own CPU time are printed; the
target is <= 1.5x. Peak memory is measured first, in a run of its own, under tracemalloc
(Python allocations) and as the growth of the process's peak RSS: it should stay near
`max_output_bytes` (64 KiB) plus a few pipe reads, whatever the command prints. Not a
pass/fail test.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from solcoder.shell.run import run_command

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
SIZE = 50_000_000
PRODUCER = f"yes {'a' * 79} | head -c {SIZE}"
ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def interleaved(cases: dict[str, Callable[[], object]]) -> dict[str, tuple[float, float]]:
    """Median wall time and median CPU time of this process per case, the cases taking turns
    in every round so a noisy neighbour slows them all alike."""
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(RUNS):
        for name, action in cases.items():
            cpu, started = time.process_time(), time.perf_counter()
            action()
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(time.process_time() - cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in cases}


def captured(cwd: Path, *, live: bool) -> int:
    seen = 0

    def count(text: str) -> None:
        nonlocal seen
        seen += len(text)

    result = asyncio.run(
        run_command(
            ["sh", "-c", PRODUCER],
            env=ENV,
            cwd=cwd,
            timeout_s=300,
            on_output=count if live else None,
        )
    )
    assert result.total_bytes == SIZE, result.total_bytes
    assert not live or seen == SIZE
    return result.total_bytes


def baseline(cwd: Path) -> None:
    subprocess.run(["sh", "-c", f"{PRODUCER} | cat > /dev/null"], env=ENV, cwd=cwd, check=True)


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        cwd = Path(directory)
        print(
            f"command output, {SIZE / 1e6:.0f} MB through one pipe, median of {RUNS} runs "
            f"({os.cpu_count()} cores, Python {sys.version.split()[0]})"
        )
        asyncio.run(run_command(["true"], env=ENV, cwd=cwd, timeout_s=60))  # imports, warm
        rss_before = peak_rss_kib()
        tracemalloc.start()
        captured(cwd, live=True)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = peak_rss_kib() - rss_before
        print(
            f"memory for {SIZE / 1e6:.0f} MB of output: Python peak {traced_peak / 1024:,.0f} KiB "
            f"(tracemalloc), peak RSS growth {rss_growth:,} KiB"
        )
        timings = interleaved(
            {
                "producer | cat > /dev/null (baseline)": lambda: baseline(cwd),
                "  run_command (capture only)": lambda: captured(cwd, live=False),
                "  run_command + on_output (live text)": lambda: captured(cwd, live=True),
            }
        )
        plain = timings["producer | cat > /dev/null (baseline)"][0]
        print(f"{'case':<42} {'median':>9} {'× base':>7} {'MB/s':>7} {'our CPU':>9}")
        for name, (wall, cpu) in timings.items():
            rate = SIZE / wall / 1e6
            print(
                f"{name:<42} {wall * 1000:>7.0f}ms {wall / plain:>6.2f}× {rate:>7.0f} "
                f"{cpu * 1000:>7.0f}ms"
            )


if __name__ == "__main__":
    main()
