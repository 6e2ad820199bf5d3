"""Cost per streamed delta of the screen and `--json` sinks, with and without a known key.

    .venv/bin/python benchmarks/render.py [--deltas 100000]

The renderer is on the hot path: every text delta is made terminal-safe and goes through a
streaming redactor (`solcoder.redact_stream`) before it is written. The baseline is what the
cheapest safe sink does: remove control characters and write. Each case runs in a fresh
subprocess (a key registered with the process-wide redactor cannot leak into the next case);
the best of three runs is shown. Not a test: it prints a table and never fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CASE = """
import io, sys, time
from rich.console import Console
from solcoder.llm.events import TextDelta
from solcoder.redact import add_secret
from solcoder.terminal import clean
from solcoder.ui.render import JsonLinesWriter, StreamRenderer

sink, key, count = sys.argv[1], sys.argv[2] == "key", int(sys.argv[3])
if key:
    add_secret("sk-test-benchmark-0123456789abcdefXYZ")
text = "Anchor accounts are validated by constraints; seeds derive PDAs. " * (count // 16 + 1)
pieces = [TextDelta(text[i : i + 4]) for i in range(0, 4 * count, 4)]

class Baseline:
    def __init__(self, stream):
        self.stream = stream
    def handle(self, event):
        self.stream.write(clean(event.text))
        self.stream.flush()
    def close(self):
        pass

def make():
    if sink == "baseline":
        return Baseline(io.StringIO())
    if sink == "screen":
        return StreamRenderer(Console(file=io.StringIO(), width=100))
    return JsonLinesWriter(io.StringIO())

best = float("inf")
for _ in range(3):
    target = make()
    started = time.perf_counter()
    for piece in pieces:
        target.handle(piece)
    target.close()
    best = min(best, time.perf_counter() - started)
print(f"{best / len(pieces) * 1e6:.2f}")
"""


def measure(sink: str, key: str, deltas: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _CASE, sink, key, str(deltas)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )
    return float(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deltas", type=int, default=100_000)
    arguments = parser.parse_args()
    print("| sink | no known key | one known key |")
    print("| --- | --- | --- |")
    for sink in ("baseline", "screen", "json"):
        cells = [f"{measure(sink, key, arguments.deltas):.2f} µs/delta" for key in ("none", "key")]
        print(f"| {sink} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
