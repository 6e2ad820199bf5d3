"""The model process: llama.cpp's prebuilt server (`xllamacpp`) on loopback, nothing else.

Run by `LocalServer` as `python -m solcoder.llm.providers.local.child`, never imported by the CLI: a
native crash (a signal in llama.cpp) ends this process, not SolCoder's, and the conversation
survives. The parent writes one JSON line of settings on stdin (the bearer key travels there,
never in argv where `ps` shows it); the child answers one `READY {...}` line on stdout once the
server listens, then waits on stdin. It never outlives the CLI: on Linux the kernel sends it
SIGKILL when the parent dies (`PR_SET_PDEATHSIG`), and everywhere the end of stdin (the parent's
end of the pipe closes when it exits, even on SIGKILL) makes it exit at once.

Only the standard library and xllamacpp are imported here, so the process starts fast.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from typing import Any

READY = "SOLCODER-LOCAL-READY"


def die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent exits (Linux), then check the
    parent is still the one that started us (it may have died before the request)."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the stdin watch below still ends us
    if os.getppid() != parent:
        os._exit(0)


def exit_when_stdin_closes() -> None:
    """Block until the parent closes our stdin (or dies), then leave without cleanup: the
    server's threads would otherwise keep the process alive."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def server_params(settings: dict[str, Any]) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = settings["model_path"]
    params.model_alias = {settings["alias"]}
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the kernel picks a free port; we report it
    params.api_keys = [settings["api_key"]]
    params.n_ctx = int(settings["n_ctx"])
    params.n_parallel = 1
    params.n_predict = int(settings["n_predict"])
    params.ui = False
    threads = settings.get("threads")
    if threads:
        params.cpuparams.n_threads = int(threads)
        params.cpuparams_batch.n_threads = int(threads)
    sampling = params.sampling
    seed = settings.get("seed")
    if seed is not None:  # the same conversation then gets the same reply (tests, bug reports)
        sampling.seed = int(seed)
    # Small models loop: DRY penalises repeating any sequence longer than two tokens, over the
    # whole context (llama.cpp's own sampler; what the old period-limited detector missed).
    sampling.dry_multiplier = float(settings.get("dry_multiplier", 0.8))
    sampling.dry_penalty_last_n = -1
    return params


def main() -> None:
    settings = json.loads(sys.stdin.readline())
    die_with_parent(int(settings["parent_pid"]))
    import xllamacpp

    server = xllamacpp.Server(server_params(settings))
    sys.stdout.write(f"{READY} {json.dumps({'url': server.listening_address})}\n")
    sys.stdout.flush()
    watcher = threading.Thread(target=exit_when_stdin_closes, name="stdin-watch", daemon=True)
    watcher.start()
    watcher.join()


if __name__ == "__main__":
    main()
