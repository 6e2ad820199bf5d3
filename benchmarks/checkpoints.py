"""Cost of checkpoints per turn, in a 20,000-file project.

A turn that changes 1, 5 or 20 files pays for opening the store (turn start) and for one
`before_change` + `after_change` per file (the edit itself is not timed); "batched" is the same
files through one `before_changes` + `after_changes` (what a command touching many files uses).
The baseline, measured in the same run on the same files, is simply copying them with
`shutil.copy2`; checkpoints cost more because every snapshot and manifest is fsync'ed (a crash
must not lose the "before"), so the figures follow the disk's fsync latency. Undo of each turn
is timed too. The tree is generated once; its size must not matter (no tree walk). Not a
pass/fail test: the target is <= 50 ms added per turn. BENCH_RUNS sets the turns per case and
BENCH_DIR where the tree is made (default: the system's temporary directory).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from solcoder.workspace.checkpoints import CheckpointStore
from solcoder.workspace.files import replace_file

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
FILES = 20_000
PER_DIRECTORY = 100
CHANGED = (1, 5, 20)
TARGET_MS = 50.0


def make_tree(root: Path) -> list[str]:
    """FILES files of 200 B to 16 KiB in FILES / PER_DIRECTORY directories."""
    generator = random.Random(7)
    names = []
    for index in range(FILES):
        relative = f"src/module_{index // PER_DIRECTORY:03d}/file_{index:05d}.rs"
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generator.randbytes(generator.randint(200, 16_384)))
        names.append(relative)
    return names


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="solcoder-bench-", dir=os.environ.get("BENCH_DIR")))
    try:
        root, home, copies = base / "project", base / "home" / "checkpoints", base / "copies"
        root.mkdir()
        copies.mkdir()
        started = time.perf_counter()
        names = make_tree(root)
        print(
            f"checkpoints, median of {RUNS} turns per case ({FILES} files made in "
            f"{time.perf_counter() - started:.1f}s under {base}; {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]})"
        )
        picks = random.Random(11)
        print(
            f"{'files/turn':>10} {'turn start':>11} {'per file':>9} {'batched':>9} "
            f"{'copy2 base':>11} {'× base':>7} {'undo':>9}"
        )
        turn = 0
        worst = 0.0
        for count in CHANGED:
            opening, single, batched, baseline, undoing = [], [], [], [], []
            for _ in range(RUNS):
                chosen = picks.sample(names, count)
                began = time.perf_counter()
                for relative in chosen:
                    shutil.copy2(root / relative, copies / relative.replace("/", "_"))
                baseline.append(time.perf_counter() - began)

                turn += 1
                began = time.perf_counter()
                store = CheckpointStore(home / "session", root)
                opening.append(time.perf_counter() - began)
                spent = 0.0
                for relative in chosen:  # one edit_file call after another
                    began = time.perf_counter()
                    store.before_change(turn, relative)
                    spent += time.perf_counter() - began
                    replace_file(root / relative, b"// edited by the benchmark\n")
                    began = time.perf_counter()
                    store.after_change(turn, relative)
                    spent += time.perf_counter() - began
                single.append(spent)
                began = time.perf_counter()
                store.undo_last()
                undoing.append(time.perf_counter() - began)

                turn += 1  # the same files, all at once (a command touching many files)
                began = time.perf_counter()
                store.before_changes(turn, chosen)
                spent = time.perf_counter() - began
                for relative in chosen:
                    replace_file(root / relative, b"// edited by the benchmark\n")
                began = time.perf_counter()
                store.after_changes(turn, chosen)
                batched.append(spent + time.perf_counter() - began)
                store.undo_last()
            added = ms(opening) + ms(single)
            worst = max(worst, added)
            print(
                f"{count:>10} {ms(opening):>9.2f}ms {ms(single):>7.2f}ms {ms(batched):>7.2f}ms "
                f"{ms(baseline):>9.2f}ms {ms(single) / max(ms(baseline), 1e-6):>6.1f}× "
                f"{ms(undoing):>7.2f}ms"
            )
        verdict = "within" if worst <= TARGET_MS else "OVER"
        print(
            f"added per turn (one call per file), worst case {worst:.1f} ms: {verdict} the "
            f"{TARGET_MS:.0f} ms target"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
