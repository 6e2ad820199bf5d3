"""The diagnostics toolkit: what Solana tooling this machine has, without revealing secrets.

Most "it doesn't build" conversations start with a missing or mismatched CLI, so the model can
ask instead of guessing. Each `--version` probe runs concurrently, is bounded by a timeout (a
hung shim must not hang the turn) and gets a minimal environment: the report contains versions,
paths and booleans only, never environment values, and a probed program cannot echo the user's
API keys into it because it never receives them.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from solcoder.tools.registry import ToolRegistry

TOOLKIT = "diagnostics"
DEFAULT_COMMANDS = ("solana", "anchor", "cargo", "rustc", "node")
PROBE_TIMEOUT = 3.0
# Only what the CLIs need to start (rustup and avm shims look under the home directory).
_PASSED_VARIABLES = (
    "PATH",
    "HOME",
    "USERPROFILE",
    "SYSTEMROOT",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "TEMP",
    "TMP",
    "RUSTUP_HOME",
    "CARGO_HOME",
    "RUSTUP_TOOLCHAIN",
)
_MAX_VERSION_TEXT = 160


async def environment() -> dict[str, Any]:
    """Report the local Solana development environment: Python and OS versions, whether the
    solana, anchor, cargo, rustc and node CLIs are installed and their versions, and whether
    the Solana CLI config and default keypair exist (never environment values or file contents).
    """
    return await probe_environment(DEFAULT_COMMANDS, timeout=PROBE_TIMEOUT)


async def probe_environment(commands: Sequence[str], *, timeout: float) -> dict[str, Any]:
    """The `environment` report for any list of commands (tests use harmless fakes)."""
    results = await asyncio.gather(*(_probe(command, timeout) for command in commands))
    solana_directory = Path.home() / ".config" / "solana"
    return {
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
        },
        "tools": dict(zip(commands, results, strict=True)),
        "solana_config": {
            "path": _display_path(solana_directory / "cli" / "config.yml"),
            "exists": (solana_directory / "cli" / "config.yml").is_file(),
            "default_keypair_exists": (solana_directory / "id.json").is_file(),
        },
    }


async def _probe(command: str, timeout: float) -> dict[str, Any]:
    path = shutil.which(command)
    if path is None:
        return {"found": False, "version": None}
    report: dict[str, Any] = {"found": True, "path": _display_path(Path(path)), "version": None}
    try:
        process = await asyncio.create_subprocess_exec(
            path,
            "--version",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_minimal_environment(),
            start_new_session=os.name == "posix",
        )
    except OSError as error:
        report["error"] = f"could not run `{command} --version`: {error.strerror or error}"
        return report
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        _kill(process)
        await process.wait()
        report["error"] = f"`{command} --version` did not answer within {timeout:g} s"
        return report
    text = _first_line(stdout) or _first_line(stderr)
    if process.returncode == 0:
        report["version"] = text
    else:
        report["error"] = f"`{command} --version` exited with {process.returncode}: {text}"
    return report


def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill the probe and anything it started (a shim's child would keep the pipes open)."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass


def _minimal_environment() -> dict[str, str]:
    return {name: os.environ[name] for name in _PASSED_VARIABLES if name in os.environ}


def _first_line(output: bytes) -> str:
    for line in output.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            return line.strip()[:_MAX_VERSION_TEXT]
    return ""


def _display_path(path: Path) -> str:
    """The path with the home directory shown as `~` (user names stay out of transcripts)."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def register(registry: ToolRegistry) -> None:
    # It does start programs, but only a fixed list with `--version`, no argument from the
    # model, a minimal environment and a deadline: that reads versions, which is what users
    # expect a diagnostic to do without asking (docs/approval.md).
    registry.register(environment, toolkit=TOOLKIT, timeout=PROBE_TIMEOUT + 5, effect="read_only")
