"""Startup time of the CLI: `solcoder --version`, `--help` and one offline turn against
`python -c pass`.

Each command runs several times as a fresh process, the commands taking turns (so load from
other programs drifting over the run hits all alike); the medians of wall time and of the
process's CPU time (user + system, which other load disturbs less) and their ratios to the
bare interpreter (the baseline, measured in the same run) are printed. Not a pass/fail test:
targets are --help < 0.25 s, --version < 0.15 s and `-p hi --offline-mode` <= 0.10 s wall on
a 2-core machine (issue 26; 0.12 s in issue 23). Run it with a bytecode cache (an installed
package has one): under PYTHONDONTWRITEBYTECODE every start recompiles SolCoder.
`benchmarks/ratios.py` measures the offline turn too, in its table.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
SOLCODER = str(Path(sys.executable).with_name("solcoder"))


def run_once(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> None:
    cases = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "solcoder --version": [SOLCODER, "--version"],
        "solcoder --help": [SOLCODER, "--help"],
        "solcoder -p hi --offline-mode": [SOLCODER, "-p", "hi", "--offline-mode"],
        "python -c 'import solcoder.llm.providers.client'": [
            sys.executable,
            "-c",
            "import solcoder.llm.providers.client",
        ],
    }
    for command in cases.values():  # warm the bytecode cache and SOLCODER_HOME
        run_once(command)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(RUNS):
        for name, command in cases.items():
            samples[name].append(run_once(command))
    results = {name: statistics.median(wall for wall, _ in runs) for name, runs in samples.items()}
    cpu = {name: statistics.median(used for _, used in runs) for name, runs in samples.items()}
    baseline = results["python -c pass (baseline)"]
    cpu_baseline = cpu["python -c pass (baseline)"]
    print(
        f"startup, median of {RUNS} runs ({os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.2f})"
    )
    print(f"{'command':<42} {'wall':>9} {'× baseline':>11} {'cpu':>9} {'× baseline':>11}")
    for name, value in results.items():
        print(
            f"{name:<42} {value * 1000:>7.1f}ms {value / baseline:>10.2f}× "
            f"{cpu[name] * 1000:>7.1f}ms {cpu[name] / cpu_baseline:>10.2f}×"
        )
    targets = {
        "solcoder --version": 0.15,
        "solcoder --help": 0.25,
        "solcoder -p hi --offline-mode": 0.10,
    }
    for name, target in targets.items():
        verdict = "within" if results[name] <= target else "OVER"
        print(f"{name}: {verdict} the {target * 1000:.0f} ms target")


if __name__ == "__main__":
    main()
