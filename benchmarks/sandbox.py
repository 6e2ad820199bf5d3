"""What the sandbox adds to a command: `true` bare against `true` through plan_launch + bwrap.

Measured in the same run, medians of BENCH_RUNS: the bare `true` (subprocess), the same through
a fresh plan each time (plan_launch, which rechecks the workspace's secret files, plus
bubblewrap itself), and the denied-path scan of a generated 20,000-file workspace alone, first
walk (uncached) and recheck (cached, nothing changed). Not a pass/fail test: the target is
<= 15 ms added per command on a 20,000-file workspace. Needs a working bubblewrap for the
command figures; the scan figures are printed anyway.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from solcoder.sandbox import bwrap
from solcoder.sandbox.launcher import plan_launch
from solcoder.sandbox.policy import SandboxPolicy
from solcoder.sandbox.secret_scan import SecretScan

RUNS = int(os.environ.get("BENCH_RUNS", "21"))
FILES = 20_000
TARGET_MS = 15.0


def build_tree(root: Path) -> None:
    """Anchor-like: programs, a TypeScript app, and build output with the deploy keypairs."""
    (root / ".git").mkdir()
    (root / ".env").write_text("RPC=https://example.invalid\n")
    for index in range(FILES):
        group, sub = divmod(index, 100)
        if index % 4 == 0:
            path = root / "target" / "debug" / "deps" / f"d{group % 40}" / f"out{index}.rlib"
        elif index % 2:
            path = root / "app" / f"feature{group}" / f"part{sub % 5}" / f"run{index}.ts"
        else:
            path = root / "programs" / f"prog{group}" / "src" / f"m{sub % 7}" / f"mod{index}.rs"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    deploy = root / "target" / "deploy"
    deploy.mkdir(parents=True)
    for index in range(5):
        (deploy / f"prog{index}-keypair.json").write_text("[0]")
    # A project checked out an hour ago: directories changed in the last two seconds are
    # listed again on every check (the racy window), which a fresh tree would measure instead.
    hour_ago = time.time_ns() - 3600 * 10**9
    for directory, _, _ in os.walk(root):
        os.utime(directory, ns=(hour_ago, hour_ago))


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory(dir="/var/tmp" if os.path.isdir("/var/tmp") else None) as d:
        root = Path(d) / "ws"
        root.mkdir()
        build_tree(root)
        uncached = median_ms(lambda: SecretScan(root).refresh(), runs=max(3, RUNS // 4))
        scan = SecretScan(root)
        scan.refresh()
        cached = median_ms(scan.refresh)
        directories = sum(1 for _ in os.walk(root))
        print(
            f"secret scan, {FILES:,} files in {directories:,} directories: "
            f"uncached {uncached:.1f} ms, recheck {cached:.2f} ms"
        )
        if bwrap.available() is None:
            print(f"no bubblewrap here ({bwrap.unavailable_reason()}); command figures skipped")
            return
        home = Path(d) / "home"
        (home / ".config" / "solana").mkdir(parents=True)
        policy = SandboxPolicy("workspace-write", root, False, home, home / ".solcoder")
        environ = dict(os.environ)

        def bare() -> None:
            subprocess.run(["true"], check=True)

        def planned() -> None:
            plan_launch(["true"], policy, cwd=root, environ=environ).cleanup()

        plan = plan_launch(["true"], policy, cwd=root, environ=environ)  # probe, first walk

        def wrapped() -> None:
            subprocess.run(plan.argv, env=plan.env, check=True)

        # Interleaved, so a busy machine slows every case alike.
        samples: dict[str, list[float]] = {"bare": [], "plan": [], "bwrap": []}
        for _ in range(RUNS):
            for name, action in (("bare", bare), ("plan", planned), ("bwrap", wrapped)):
                started = time.perf_counter()
                action()
                samples[name].append((time.perf_counter() - started) * 1000)
        plan.cleanup()
        bare_ms, plan_ms, bwrap_ms = (statistics.median(samples[key]) for key in samples)
        added = plan_ms + bwrap_ms - bare_ms
        verdict = "within" if added <= TARGET_MS else "OVER"
        print(
            f"true bare: {bare_ms:.2f} ms; plan_launch (recheck included): {plan_ms:.2f} ms; "
            f"true under bwrap: {bwrap_ms:.2f} ms"
        )
        print(f"added per command: {added:.2f} ms ({verdict} the {TARGET_MS:.0f} ms target)")


if __name__ == "__main__":
    main()
