"""The configured MCP servers: started lazily and in parallel, each within its deadline.

A server that cannot be started, never answers `initialize`, or dies is `failed` with a
one-line reason (its stderr's last line included), and the session goes on without it. State
changes are kept as notices for the conversation to show once, and so is each kind of problem
a server makes on the wire (`problems`). Servers run on the `Runtime` loop; everything public
here is safe to call from any thread or loop.

`notifications/tools/list_changed` only marks a server stale: `refresh_tools` lists its tools
again once before the next request, however many notifications came.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from solcoder.mcp.adapter import Connection, McpServerError
from solcoder.mcp.config import ServerConfig
from solcoder.mcp.problems import CURRENT_SERVER, Problems, install_log_route
from solcoder.mcp.runtime import Runtime
from solcoder.records import shared_methods

Status = Literal["configured", "starting", "ready", "failed", "stopped"]
DEFAULT_STARTUP_TIMEOUT = 10.0
PING_TIMEOUT = 2.0
RELIST_TIMEOUT = 10.0
BearerLookup = Callable[[str], str | None]
"""Server name -> its bearer token from the credentials store (None: none saved)."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ServerSnapshot:
    """One server's state at a moment; `generation` grows each time its tool list changes."""

    name: str
    status: Status
    reason: str = ""
    tools: tuple[Mapping[str, Any], ...] = ()
    generation: int = 0
    config: ServerConfig | None = field(default=None, repr=False)

    def describe(self) -> str:
        if self.status == "ready":
            count = len(self.tools)
            return f"ready, {count} tool{'s' if count != 1 else ''}"
        if self.status == "failed":
            return f"failed: {self.reason}"
        return self.status


class _Server:
    """One server, driven on the runtime loop only."""

    def __init__(self, config: ServerConfig, startup_timeout: float, problems: Problems) -> None:
        self.config = config
        self.problems = problems
        self.stale = False
        """Set by `tools/list_changed`, cleared by the one re-listing that follows."""
        self.startup_timeout = config.startup_timeout or startup_timeout
        self.status: Status = "configured"
        self.reason = ""
        self.tools: tuple[Mapping[str, Any], ...] = ()
        self.generation = 0
        self.connection: Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._settled: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._stderr: TextIO | None = None

    def stderr_tail(self) -> str:
        """The last non-empty line the server wrote to stderr, for the failure message."""
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            lines = [line.strip() for line in self._stderr.read().splitlines() if line.strip()]
        except (OSError, ValueError):
            return ""
        return lines[-1][:200] if lines else ""

    async def start(self, bearer: str | None, notices: list[str]) -> None:
        """Start and wait until ready or failed (never raises)."""
        if self._task is not None and not self._task.done():
            assert self._settled is not None
            await self._settled.wait()
            return
        self.status, self.reason = "starting", ""
        self._settled, self._stop = asyncio.Event(), asyncio.Event()
        if self._stderr is None:
            # Kept open for the server's life (and restarts): the failure message quotes it.
            self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._task = asyncio.create_task(self._serve(bearer, notices))
        await self._settled.wait()

    def _mark_stale(self) -> None:
        self.stale = True

    def _problem(self, kind: str, detail: str) -> None:
        self.problems.add(self.config.name, kind, detail)

    async def _serve(self, bearer: str | None, notices: list[str]) -> None:
        from solcoder.mcp.adapter import connect

        assert self._settled is not None
        assert self._stop is not None
        CURRENT_SERVER.set((self.problems, self.config.name))  # the SDK's tasks inherit it
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_timeout
        started = False
        self.stale = False
        try:
            async with asyncio.timeout_at(deadline) as scope:
                assert self._stderr is not None
                async with connect(
                    self.config,
                    stderr=self._stderr,
                    bearer=bearer,
                    on_tools_changed=self._mark_stale,
                    problem=self._problem,
                ) as connection:
                    tools = await connection.list_tools()
                    scope.reschedule(None)  # ready: no deadline from now on
                    self.connection, self.tools = connection, tuple(tools)
                    self.status, started = "ready", True
                    self.generation += 1
                    self._settled.set()
                    await self._stop.wait()
        except TimeoutError:
            if self._stop.is_set():
                return
            self._fail(
                f"did not answer `initialize` within {self.startup_timeout:g} s "
                "(mcp.startup_timeout)",
                notices,
            )
        except asyncio.CancelledError:
            if not self._stop.is_set():
                raise
        except BaseException as error:  # the SDK raises groups, OSError, its own errors
            if isinstance(error, KeyboardInterrupt | SystemExit):
                raise
            if not self._stop.is_set():
                self._fail(_reason(error, started), notices)
        finally:
            self.connection = None
            if self.status in ("ready", "starting"):
                self.status = "stopped"
            self._settled.set()

    def _fail(self, reason: str, notices: list[str]) -> None:
        tail = self.stderr_tail()
        if tail:
            reason += f"; its last output: {tail}"
        self.status, self.reason = "failed", reason
        self.tools = ()
        self.generation += 1
        notices.append(f"MCP server {self.config.name!r} failed: {reason}. Going on without it.")

    async def relist_if_stale(self) -> None:
        """List the tools again if the server said they changed (once, however often it
        said so); a server that does not answer in time keeps its old list."""
        connection = self.connection
        if not self.stale or connection is None:
            return
        CURRENT_SERVER.set((self.problems, self.config.name))
        self.stale = False
        try:
            async with asyncio.timeout(RELIST_TIMEOUT):
                tools = await connection.list_tools()
        except (McpServerError, TimeoutError):
            return
        if self.connection is connection:
            self.tools = tuple(tools)
            self.generation += 1

    async def call(self, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        CURRENT_SERVER.set((self.problems, self.config.name))
        connection = self.connection
        if connection is None:
            raise McpServerError(f"the MCP server {self.config.name!r} is not running")
        try:
            result = await connection.call_tool(tool, arguments)
        except McpServerError as error:
            if await self._alive(connection):
                raise
            # The failed tool's line already tells the user: no second notice for this.
            self._fail(f"stopped during a call to {tool!r} ({error})", [])
            await self.stop()
            raise McpServerError(
                f"the MCP server {self.config.name!r} {self.reason}; its tools are gone "
                "for this session"
            ) from None
        return result

    async def _alive(self, connection: Connection) -> bool:
        """A failed call may be the server's answer or the end of the connection: a ping
        tells them apart."""
        try:
            async with asyncio.timeout(PING_TIMEOUT):
                await connection.ping()
        except (McpServerError, TimeoutError):
            return False
        return True

    async def stop(self) -> None:
        task, self._task = self._task, None
        if self._stop is not None:
            self._stop.set()
        if task is not None and not task.done():
            try:
                async with asyncio.timeout(10):
                    await asyncio.shield(task)
            except TimeoutError:
                task.cancel()
        if self.status != "failed":
            self.status = "stopped"
        self.connection = None

    def snapshot(self) -> ServerSnapshot:
        return ServerSnapshot(
            self.config.name, self.status, self.reason, self.tools, self.generation, self.config
        )


def _reason(error: BaseException, started: bool) -> str:
    """One line for an exception out of the SDK (groups unwrapped to their first member)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, FileNotFoundError):
        return f"cannot start it: {error.strerror or 'not found'}: {error.filename or ''}".strip()
    text = " ".join(str(error).split()) or type(error).__name__
    what = "stopped" if started else "could not start"
    return f"{what}: {text[:300]}"


class McpManager:
    """Every configured server; `ensure_started` starts them all (once), in parallel."""

    def __init__(
        self,
        servers: list[ServerConfig],
        *,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        bearer: BearerLookup | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self._problems = Problems()
        self._servers = {
            config.name: _Server(config, startup_timeout, self._problems)
            for config in servers
            if config.enabled
        }
        self._disabled = [config for config in servers if not config.enabled]
        self._bearer = bearer or (lambda name: None)
        self._runtime = Runtime()
        self._lock = threading.Lock()
        self._notices: list[str] = list(problems or ())
        self._started: concurrent.futures.Future[None] | None = None
        self._closed = False

    @property
    def names(self) -> list[str]:
        return list(self._servers)

    def ensure_started(self) -> concurrent.futures.Future[None]:
        """Start every server the first time; the future is done when each is ready or
        failed. Later calls return the same future."""
        with self._lock:
            if self._started is None:
                if not self._servers or self._closed:
                    self._started = concurrent.futures.Future()
                    self._started.set_result(None)
                else:
                    from solcoder.mcp import reaper

                    install_log_route()
                    reaper.install_signal_handlers()
                    tokens = {name: self._token(name) for name in self._servers}
                    self._started = self._runtime.submit(self._start_all(tokens))
                    import atexit

                    atexit.register(self.close)
            return self._started

    def _token(self, name: str) -> str | None:
        config = self._servers[name].config
        return self._bearer(name) if config.transport == "http" and config.bearer else None

    async def _start_all(self, tokens: dict[str, str | None]) -> None:
        notices: list[str] = []
        await asyncio.gather(
            *(server.start(tokens[name], notices) for name, server in self._servers.items())
        )
        self._add_notices(notices)

    def restart(self, name: str) -> concurrent.futures.Future[ServerSnapshot]:
        server = self._servers[name]
        token = self._token(name)
        self.ensure_started()

        async def again() -> ServerSnapshot:
            # The caller shows the new state itself: a failure is not repeated as a notice.
            await server.stop()
            await server.start(token, [])
            return server.snapshot()

        return self._runtime.submit(again())

    async def call(self, name: str, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Call `tool` of server `name` from any loop; raises `McpServerError`."""
        return await self._runtime.run(self._servers[name].call(tool, arguments))

    def tools_stale(self) -> bool:
        """Whether a server said its tools changed since they were last listed."""
        return any(server.stale for server in self._servers.values())

    async def refresh_tools(self) -> None:
        """From any loop: list again the tools of every server marked stale (once each)."""

        async def relist_all() -> None:
            await asyncio.gather(*(s.relist_if_stale() for s in self._servers.values()))

        await self._runtime.run(relist_all())

    def _add_notices(self, lines: list[str]) -> None:
        with self._lock:
            self._notices.extend(lines)

    def take_notices(self) -> list[str]:
        with self._lock:
            lines, self._notices = self._notices, []
        return lines + self._problems.new_lines()

    def snapshots(self) -> list[ServerSnapshot]:
        live = [server.snapshot() for server in self._servers.values()]
        return live + [
            ServerSnapshot(c.name, "stopped", "disabled", config=c) for c in self._disabled
        ]

    def close(self) -> None:
        """Stop every server (their processes end) and the runtime; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._started is not None
        if started:

            async def stop_all() -> None:
                await asyncio.gather(*(server.stop() for server in self._servers.values()))

            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                self._runtime.submit(stop_all()).result(timeout=15)
        self._runtime.stop()  # after the servers: it cancels and awaits what is left first
