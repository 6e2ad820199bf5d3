"""Cost of checkpointing a shell command, in a 20,000-file project with an ignored target/.

Before every command the whole tree is snapshotted into SolCoder's shadow repository; after it,
the tree is compared with that snapshot. Measured: the first snapshot of a session (cold: every
file is read and hashed), a repeated snapshot with nothing changed (warm: one stat per file;
target <= 50 ms), changes_since after a command touched 5 files, and the whole
`command_checkpoint` around such a command (recording included). The baseline, measured in the
same run on a copy of the same tree made into a plain git repository, is `git add -A` (cold)
and `git status --porcelain` (warm): the snapshot cannot be cheaper than git's own stat pass.
The tree's files are aged a few seconds before timing (a snapshot re-reads files changed in the
last second, see snapshots.py). Not a pass/fail test. BENCH_RUNS sets the repetitions and
BENCH_DIR where the tree is made.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from solcoder.workspace.checkpoints import CheckpointStore
from solcoder.workspace.command_checkpoint import command_checkpoint
from solcoder.workspace.shadow_git import clean_environment
from solcoder.workspace.snapshots import ShadowSnapshots

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
FILES = 20_000
IGNORED = 2_000
PER_DIRECTORY = 100
TOUCHED = 5
TARGET_MS = 50.0


def make_tree(root: Path) -> list[str]:
    """FILES source files of 200 B to 16 KiB, and IGNORED build files under target/."""
    generator = random.Random(7)
    names = []
    for index in range(FILES):
        relative = f"src/module_{index // PER_DIRECTORY:03d}/file_{index:05d}.rs"
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generator.randbytes(generator.randint(200, 16_384)))
        names.append(relative)
    for index in range(IGNORED):
        path = root / "target" / "debug" / f"dep_{index // PER_DIRECTORY:02d}" / f"{index}.o"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(generator.randbytes(4096))
    (root / ".gitignore").write_bytes(b"target/\n")
    return names


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, env=clean_environment(), check=True, capture_output=True
    )


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="solcoder-bench-", dir=os.environ.get("BENCH_DIR")))
    try:
        root, plain = base / "project", base / "plain"
        root.mkdir()
        started = time.perf_counter()
        names = make_tree(root)
        shutil.copytree(root, plain)
        git(plain, "init", "-q")
        time.sleep(2.5)  # files older than the racy window, as in a real project
        print(
            f"command checkpoints, median of {RUNS} ({FILES} files + {IGNORED} ignored made in "
            f"{time.perf_counter() - started:.1f}s under {base}; {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}, {_git_version()})"
        )
        store = CheckpointStore(base / "home" / "checkpoints" / "s1", root)
        shadow = ShadowSnapshots(store.directory / "shadow.git", root)
        cold = timed(shadow.snapshot)
        baseline_cold = timed(lambda: git(plain, "add", "-A"))
        warm = [timed(shadow.snapshot) for _ in range(RUNS)]
        status = [timed(lambda: git(plain, "status", "--porcelain")) for _ in range(RUNS)]

        picks = random.Random(11)
        since, around = [], []
        for turn in range(1, RUNS + 1):
            tree = shadow.snapshot()
            chosen = picks.sample(names, TOUCHED)
            for relative in chosen:
                with (root / relative).open("ab") as handle:
                    handle.write(b"// formatted\n")
            since.append(timed(partial(shadow.changes_since, tree)))
            chosen = picks.sample(names, TOUCHED)
            began = time.perf_counter()
            with command_checkpoint(store, shadow, turn) as done:
                for relative in chosen:
                    with (root / relative).open("ab") as handle:
                        handle.write(b"// formatted\n")
            around.append(time.perf_counter() - began)
            assert len(done.changes) == TOUCHED, done
            store.undo_last()

        print(f"{'':<42} {'SolCoder':>10} {'git baseline':>13}")
        print(
            f"{'first snapshot (cold) / git add -A':<42} {cold * 1000:>8.0f}ms "
            f"{baseline_cold * 1000:>11.0f}ms"
        )
        print(
            f"{'repeated snapshot (warm) / git status':<42} {ms(warm):>8.1f}ms "
            f"{ms(status):>11.1f}ms"
        )
        print(f"{'changes_since, 5 files touched':<42} {ms(since):>8.1f}ms")
        print(f"{'command_checkpoint around it (all)':<42} {ms(around):>8.1f}ms")
        verdict = "within" if ms(warm) <= TARGET_MS else "OVER"
        print(f"warm snapshot {ms(warm):.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _git_version() -> str:
    done = subprocess.run(["git", "--version"], capture_output=True, check=False)
    return done.stdout.decode().strip()


if __name__ == "__main__":
    main()
