"""A stand-in SolCoder for the "children never outlive us" tests.

    python process_parent.py MODE DIR

Starts a background `sleep 300` and a shell whose own `sleep 300` is a grandchild, writes their
pids to DIR/pids (direct child, grandchild), then per MODE: `exit` returns normally, `raise`
dies of an exception, `wait` sleeps until the test signals it (SIGKILL, SIGTERM, SIGINT).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from solcoder.shell.background import ProcessManager


def main(mode: str, directory: Path) -> None:
    manager = ProcessManager()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    child = manager.start(["sleep", "300"], env=env, cwd=directory, command="sleep 300")
    script = "sleep 300 & echo $! > grandchild; wait"
    manager.start(["bash", "-c", script], env=env, cwd=directory, command="shell")
    grandchild = directory / "grandchild"
    while not grandchild.exists() or not grandchild.read_text().strip():
        time.sleep(0.01)
    pids = f"{child.pid} {grandchild.read_text().strip()}"
    (directory / "pids.tmp").write_text(pids)
    (directory / "pids.tmp").rename(directory / "pids")
    if mode == "raise":
        raise RuntimeError("the stand-in fails on purpose")
    if mode == "wait":
        while True:
            time.sleep(1)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
