"""Startup time of the CLI: `solcoder --version`, `--help` and one offline turn against
`python -c pass`.

Each command runs several times as a fresh process; the medians and their ratios to the bare
interpreter (the baseline, measured in the same run) are printed. Not a pass/fail test: targets
are --help < 0.25 s, --version < 0.15 s and `-p hi --offline-mode` <= 0.12 s wall on a 2-core
machine. Run it with a bytecode cache (an installed package has one): under
PYTHONDONTWRITEBYTECODE every start recompiles SolCoder. `benchmarks/ratios.py` measures the
offline turn too, in its table.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
SOLCODER = str(Path(sys.executable).with_name("solcoder"))


def median_wall(command: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(
            command,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


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
    results = {name: median_wall(command) for name, command in cases.items()}
    baseline = results["python -c pass (baseline)"]
    print(
        f"startup, median of {RUNS} runs ({os.cpu_count()} cores, Python {sys.version.split()[0]})"
    )
    print(f"{'command':<42} {'median':>9} {'× baseline':>11}")
    for name, value in results.items():
        print(f"{name:<42} {value * 1000:>7.1f}ms {value / baseline:>10.2f}×")
    targets = {
        "solcoder --version": 0.15,
        "solcoder --help": 0.25,
        "solcoder -p hi --offline-mode": 0.12,
    }
    for name, target in targets.items():
        verdict = "within" if results[name] <= target else "OVER"
        print(f"{name}: {verdict} the {target * 1000:.0f} ms target")


if __name__ == "__main__":
    main()
