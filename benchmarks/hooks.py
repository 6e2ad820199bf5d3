"""What hooks cost: one hook run against spawning the same command directly, and a one-shot
offline turn with and without a configured hook.

Ratios against baselines measured in the same run (not a pass/fail test):
- `HookRunner.pre_tool_use` with `true` as the hook, against `asyncio.create_subprocess_exec`
  of `/bin/sh -c true` with stdin written and read back (the process is the cost; our part is
  matching, the stdin JSON, the scrubbed environment and the decision);
- `solcoder -p hi --offline-mode` with one `stop` hook configured, against the same turn
  without hooks, both with a config file (a launch without hooks imports nothing of them:
  tests/e2e/test_startup_imports.py).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
SOLCODER = str(Path(sys.executable).with_name("solcoder"))


async def _direct(root: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        "true",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=root,
        start_new_session=True,
    )
    await process.communicate(b'{"event": "pre_tool_use"}\n')


def per_run(action: object, count: int) -> float:
    async def loop() -> float:
        started = time.perf_counter()
        for _ in range(count):
            await action()  # type: ignore[operator]
        return (time.perf_counter() - started) / count

    return asyncio.run(loop())


def median_wall(command: list[str], env: dict[str, str], cwd: Path) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env, cwd=cwd, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    from solcoder.config.hook_tables import HookEntry
    from solcoder.hooks.runner import HookRunner

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        runner = HookRunner([HookEntry("pre_tool_use", "true")], workspace=root)
        arguments = {"command": "solana program deploy x.so"}
        count = RUNS * 4
        direct = per_run(lambda: _direct(root), count)
        hooked = per_run(lambda: runner.pre_tool_use("run_command", arguments), count)
        print(f"spawn /bin/sh -c true (baseline)  {direct * 1000:7.1f} ms")
        print(f"one pre_tool_use hook run          {hooked * 1000:7.1f} ms  {hooked / direct:.2f}x")

        home = root / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOLCODER_")}
        env.update(SOLCODER_HOME=str(home), SOLCODER_KEYRING="0")
        command = [SOLCODER, "-p", "hi", "--offline-mode"]
        # Both with a config file (parsing TOML is not the hooks' cost).
        (home / "config.toml").write_text('[ui]\ntheme = "auto"\n')
        plain = median_wall(command, env, root)
        (home / "config.toml").write_text(
            '[ui]\ntheme = "auto"\n\n[[hooks.stop]]\ncommand = "true"\n'
        )
        with_hook = median_wall(command, env, root)
        print(f"-p hi --offline-mode, no hooks     {plain * 1000:7.1f} ms")
        ratio = with_hook / plain
        print(f"-p hi --offline-mode, a stop hook  {with_hook * 1000:7.1f} ms  {ratio:.2f}x")


if __name__ == "__main__":
    main()
