"""Starts, watches and stops the model process (`child.py`) for the `local` provider.

The server listens on 127.0.0.1 on a port the kernel picks, and demands a bearer key made for
this run (`secrets.token_urlsafe`), so no other local program can use or probe it. It gets its
own session (Ctrl-C in the terminal interrupts a reply, not the model), its logs go to
`SOLCODER_HOME/logs/local-server.log`, and it dies with the CLI however the CLI ends (see
`child.py`). A process that has ended is described in words ("killed by signal SIGKILL") so a
crash becomes an actionable error rather than a refused connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from solcoder.errors import ConfigError, ProviderUnavailableError
from solcoder.llm.catalog.providers import LOCAL
from solcoder.llm.providers.local.child import READY
from solcoder.secret import Secret


class Status(Protocol):
    """Where progress lines go; `done` ends the line (a terminal rewrites it in place)."""

    def __call__(self, line: str, *, done: bool = False) -> None: ...


START_TIMEOUT_S = 120.0
"""Loading a large GGUF from a cold disk can take a minute; the bundled model takes ~1 s."""
STOP_GRACE_S = 3.0
LOG_ROTATE_BYTES = 5 * 2**20
"""llama.cpp logs every request's timings: past this size the log starts afresh."""
_ENV_DROPPED = ("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD")


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A running server, as the HTTP client needs it."""

    base_url: str
    """OpenAI-style base, ending in /v1: every wire derives its path from it."""
    api_key: Secret
    context_window: int
    model: str
    pid: int


@dataclass(frozen=True, slots=True)
class ServerOptions:
    model_path: Path
    alias: str
    context_window: int = 8192
    max_output: int = 1024
    """The server's own ceiling on one reply; the provider asks for less (see provider.py)."""
    threads: int | None = None
    """None: llama.cpp's own choice (the machine's cores). Measured on 2 idle cores, the dry
    run took 8.7-10 s with two threads and 13.6-21 s with one; but two model servers at once
    on 2 cores (their threads spin while they wait for each other) slow to a crawl."""
    log_path: Path | None = None


class LocalServer:
    """One model process; `start` again after it ended starts a new one."""

    def __init__(self, options: ServerOptions, *, python: str = sys.executable) -> None:
        self.options = options
        self._python = python
        self._process: subprocess.Popen[bytes] | None = None
        self._info: ServerInfo | None = None

    @property
    def info(self) -> ServerInfo | None:
        """The running server, or None before start and after it ended."""
        return self._info if self.running else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def exit_description(self) -> str | None:
        """How the last process ended ("killed by signal SIGKILL"), None while it runs."""
        process = self._process
        if process is None or process.poll() is None:
            return None
        code = process.returncode
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    async def start(self, status: Status) -> ServerInfo:
        """A running server: the current one, or a new one started and checked healthy."""
        if self._info is not None and self.running:
            return self._info
        self.stop()
        from solcoder.redact import admit

        key = admit(secrets.token_urlsafe(32))
        started = time.monotonic()
        process = self._spawn()
        self._process = process
        ready: Future[str] = Future()
        threading.Thread(
            target=_read_stdout, args=(process.stdout, ready), name="local-model-out", daemon=True
        ).start()
        self._send_settings(process, key)
        url = await self._wait_ready(ready, started, status)
        base = url.rstrip("/") + "/v1"
        info = await _describe(url, base, key, self.options, process.pid)
        self._info = info
        return info

    def stop(self) -> None:
        """End the process: closing its stdin makes it exit; a stuck one is killed."""
        process, self._process, self._info = self._process, None, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE_S)
        if process.stdout is not None:
            process.stdout.close()

    def _spawn(self) -> subprocess.Popen[bytes]:
        log = self._open_log()
        try:
            return subprocess.Popen(
                [self._python, "-m", "solcoder.llm.providers.local.child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=_child_environment(),
                start_new_session=True,  # Ctrl-C in the terminal is for the reply, not the model
                close_fds=True,
            )
        except OSError as error:
            raise ConfigError(
                f"Could not start the local model process: {error}", hint=_INSTALL
            ) from error
        finally:
            if log is not subprocess.DEVNULL:
                os.close(log)

    def _open_log(self) -> int:
        path = self.options.log_path
        if path is None:
            return subprocess.DEVNULL
        try:
            from solcoder.fsutil import ensure_private_dir

            ensure_private_dir(path.parent)
            if path.exists() and path.stat().st_size > LOG_ROTATE_BYTES:
                os.replace(path, path.with_name(path.name + ".1"))  # keep one old log
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError:
            return subprocess.DEVNULL

    def _send_settings(self, process: subprocess.Popen[bytes], key: Secret) -> None:
        options = self.options
        settings: dict[str, Any] = {
            "parent_pid": os.getpid(),
            "model_path": str(options.model_path),
            "alias": options.alias,
            "api_key": key.reveal(),
            "n_ctx": options.context_window,
            "n_predict": options.max_output,
            "threads": options.threads,
        }
        assert process.stdin is not None
        try:
            process.stdin.write((json.dumps(settings) + "\n").encode())
            process.stdin.flush()
        except OSError:
            pass  # it died at once; _wait_ready reports how

    async def _wait_ready(self, ready: Future[str], started: float, status: Status) -> str:
        announced = 0.0
        while True:
            if ready.done():
                try:
                    url = ready.result()
                except EOFError:
                    break  # stdout closed: the process ended before it listened
                if announced:
                    loaded = time.monotonic() - started
                    status(f"loaded model {self.options.alias} in {loaded:.1f} s", done=True)
                return url
            elapsed = time.monotonic() - started
            if self._process is None or self._process.poll() is not None:
                break
            if elapsed >= START_TIMEOUT_S:
                self.stop()
                raise ProviderUnavailableError(
                    f"The local model did not start within {START_TIMEOUT_S:.0f} s.",
                    hint=f"See {self.options.log_path} for what llama.cpp said.",
                    provider=LOCAL.name,
                )
            if elapsed - announced >= 1.0:
                announced = elapsed
                status(f"loading model {self.options.alias}… {elapsed:.0f} s")
            await asyncio.sleep(0.02)
        if self._process is not None:
            self._process.wait(timeout=STOP_GRACE_S)
        how = self.exit_description() or "ended"
        raise ProviderUnavailableError(
            f"The local model process {how} while loading {self.options.model_path.name}.",
            hint=f"Check that it is a GGUF model llama.cpp supports; llama.cpp's own words are "
            f"in {self.options.log_path}.",
            provider=LOCAL.name,
        )


_INSTALL = (
    "Install local model support with `pip install 'solcoder[local]'` (`poetry install -E "
    "local` in a checkout)."
)


def _read_stdout(stream: IO[bytes] | None, ready: Future[str]) -> None:
    """Reader thread: resolve `ready` with the server's URL, then drain until EOF."""
    if stream is None:
        ready.set_exception(EOFError())
        return
    try:
        for raw in stream:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith(READY) and not ready.done():
                ready.set_result(str(json.loads(line[len(READY) :])["url"]))
    except (OSError, ValueError, KeyError):
        pass
    if not ready.done():
        ready.set_exception(EOFError())


def _child_environment() -> dict[str, str]:
    """The CLI's environment without credentials: the model process needs none of them."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().endswith(_ENV_DROPPED) and not name.startswith("SOLCODER_LLM_API")
    }


async def _describe(
    root: str, base: str, key: Secret, options: ServerOptions, pid: int
) -> ServerInfo:
    """Check the server answers, and read its real context size and model name."""
    import httpx2

    from solcoder.llm.transport.http_errors import REQUEST_FAILURES

    window, model = options.context_window, options.alias
    async with httpx2.AsyncClient(timeout=10.0, trust_env=False) as http:
        deadline = time.monotonic() + 30.0
        while True:
            try:
                health = await http.get(root.rstrip("/") + "/health")
                if health.status_code == 200:
                    break
            except REQUEST_FAILURES:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise ProviderUnavailableError(
                    "The local model process started but its /health never answered.",
                    provider=LOCAL.name,
                )
            await asyncio.sleep(0.05)
    from solcoder.llm.transport.llamacpp import aprobe

    served = await aprobe(base, key, timeout=10.0)
    window = served.context_window or window
    model = served.model or model
    return ServerInfo(base_url=base, api_key=key, context_window=window, model=model, pid=pid)


__all__ = ["LocalServer", "ServerInfo", "ServerOptions"]
