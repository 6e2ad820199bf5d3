"""Finding the programs under the reviewed paths and reading their files by the workspace rules.

A path may be an Anchor workspace (Anchor.toml, programs/*), a native crate (Cargo.toml with
`solana-program`/`pinocchio`), one crate's directory or file, or loose files. Every `.rs` file
belongs to the crate of the nearest Cargo.toml above it; the release profile and the
`anchor-lang` version come from that crate and the Cargo workspace above it. Nothing outside
the root is read, secret-named files are never opened, and a file that cannot be read as text
becomes a problem sentence, never an exception.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solcoder.solana.review.context import Settings
from solcoder.solana.review.findings import ProgramKind
from solcoder.workspace.paths import secret_name_reason

MAX_FILE_BYTES = 1_000_000
_SKIP_DIRECTORIES = frozenset(
    {"target", "node_modules", "test-ledger", ".anchor", "dist", "build", "__pycache__", ".git"}
)
RUST_SUFFIXES = (".rs",)
CLIENT_SUFFIXES = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
_PROGRAM_DEPENDENCIES = re.compile(
    r"^(?:anchor-lang|solana-program|pinocchio|solana-account-info|solana-program-entrypoint"
    r"|steel)$"
)


_PROGRAM_MARKERS = re.compile(
    r"#\s*\[\s*program\s*\]|\b(?:lazy_program_|program_)?entrypoint!|#\[derive\([^)]*\bAccounts\b"
    r"|\bfn\s+process_instruction\b"
)
"""What makes a native crate a program (an `anchor-lang` crate always is one): a client SDK or
a shared library that only depends on `solana-program` has none of these, and its helpers are
not instruction handlers."""


@dataclass(slots=True)
class Group:
    name: str | None
    directory: str
    kind: ProgramKind
    files: dict[str, str] = field(default_factory=dict)
    """Relative path -> text."""
    settings: Settings = field(default_factory=Settings)


@dataclass(slots=True)
class Found:
    groups: list[Group]
    problems: list[str]


def discover(paths: Sequence[Path], root: Path) -> Found:
    _NEAREST.clear()  # memoised within one discovery only: the tree may change between reviews
    real_root = Path(os.path.realpath(root))
    problems: list[str] = []
    files: dict[str, Path] = {}
    for given in paths or [real_root]:
        candidate = given if given.is_absolute() else real_root / given
        real = Path(os.path.realpath(candidate))
        if not _inside(real, real_root):
            problems.append(f"{given} is outside the workspace ({real_root}); not reviewed.")
            continue
        if not real.exists():
            problems.append(f"{given} does not exist.")
            continue
        for path in _walk(real, real_root):
            files.setdefault(_relative(path, real_root), path)
    groups: dict[str, Group] = {}
    for relative, path in sorted(files.items()):
        if secret_name_reason(relative) is not None:
            problems.append(f"{relative} looks like a secret; not read.")
            continue
        text = _read(path, relative, problems)
        if text is None:
            continue
        group = _group_for(path, relative, real_root, text, groups)
        if group is not None:
            group.files[relative] = text
    kept = [
        group
        for key, group in groups.items()
        if group.files
        and (
            not key.startswith("crate:")
            or group.kind == "anchor"
            or any(_PROGRAM_MARKERS.search(text) for text in group.files.values())
        )
    ]
    return Found(kept, problems)


def _inside(path: Path, root: Path) -> bool:
    text, base = str(path), str(root)
    return text == base or text.startswith(base.rstrip(os.sep) + os.sep)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else path.name


def _walk(start: Path, root: Path) -> Iterator[Path]:
    if start.is_file():
        if start.name.endswith(RUST_SUFFIXES + CLIENT_SUFFIXES):
            yield start
        return
    for directory, subdirectories, names in os.walk(start):
        subdirectories[:] = sorted(
            d for d in subdirectories if d not in _SKIP_DIRECTORIES and not d.startswith(".")
        )
        for name in sorted(names):
            if not name.endswith(RUST_SUFFIXES + CLIENT_SUFFIXES) or name.endswith(".d.ts"):
                continue
            path = Path(directory) / name
            real = Path(os.path.realpath(path))
            if _inside(real, root):
                yield real


def _read(path: Path, relative: str, problems: list[str]) -> str | None:
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            problems.append(f"{relative} is not a regular file; skipped.")
            return None
        if status.st_size > MAX_FILE_BYTES:
            problems.append(f"{relative} is larger than {MAX_FILE_BYTES // 1000} kB; skipped.")
            return None
        data = path.read_bytes()
    except OSError as error:
        problems.append(f"{relative} could not be read ({error.strerror or 'error'}); skipped.")
        return None
    if b"\x00" in data:
        problems.append(f"{relative} is binary; skipped.")
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{relative} is not UTF-8 text; skipped.")
        return None


def _group_for(
    path: Path, relative: str, root: Path, text: str, groups: dict[str, Group]
) -> Group | None:
    if path.name.endswith(CLIENT_SUFFIXES):
        package = _nearest(path.parent, root, "package.json")
        directory = package or root
        key = "client:" + _relative_dir(directory, root)
        if key not in groups:
            groups[key] = Group(
                directory.name if package else "client", _relative_dir(directory, root), "client"
            )
        return groups[key]
    crate_dir = _nearest(path.parent, root, "Cargo.toml")
    if crate_dir is None:
        key = "loose"
        if key not in groups:
            groups[key] = Group(None, ".", "anchor" if "anchor_lang" in text else "native")
        return groups[key]
    inside = path.relative_to(crate_dir).parts
    if inside and inside[0] in ("tests", "benches", "examples"):
        return None
    key = "crate:" + _relative_dir(crate_dir, root)
    if key not in groups:
        manifest = _manifest(crate_dir / "Cargo.toml")
        dependencies = _dependencies(manifest)
        if not any(_PROGRAM_DEPENDENCIES.match(d) for d in dependencies) and not re.search(
            _PROGRAM_MARKERS, text
        ):
            return None
        table = manifest.get("package")
        declared = table.get("name") if isinstance(table, dict) else None
        name = str(declared or crate_dir.name)
        kind: ProgramKind = "anchor" if "anchor-lang" in dependencies else "native"
        groups[key] = Group(
            name,
            _relative_dir(crate_dir, root),
            kind,
            settings=_settings(crate_dir, root, manifest),
        )
    return groups[key]


def _relative_dir(directory: Path, root: Path) -> str:
    return directory.relative_to(root).as_posix() if directory != root else "."


def _nearest(directory: Path, root: Path, name: str) -> Path | None:
    key = (directory, root, name)
    if key not in _NEAREST:
        _NEAREST[key] = _find_nearest(directory, root, name)
    return _NEAREST[key]


_NEAREST: dict[tuple[Path, Path, str], Path | None] = {}


def _find_nearest(directory: Path, root: Path, name: str) -> Path | None:
    current = directory
    while _inside(current, root):
        if (current / name).is_file():
            return current
        if current == root:
            break
        current = current.parent
    return None


def _manifest(path: Path) -> dict[str, object]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _dependencies(manifest: dict[str, object]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key in ("dependencies", "dev-dependencies"):
        table = manifest.get(key)
        if isinstance(table, dict) and key == "dependencies":
            found.update(table)
    return found


def _settings(crate_dir: Path, root: Path, manifest: dict[str, object]) -> Settings:
    """Cargo reads profiles only from the workspace root manifest (a member's are ignored)."""
    workspace_manifest: dict[str, object] = {}
    current = crate_dir
    while _inside(current, root):
        candidate = _manifest(current / "Cargo.toml") if (current / "Cargo.toml").is_file() else {}
        if "workspace" in candidate:
            workspace_manifest = candidate
            break
        if current == root:
            break
        current = current.parent
    profile_source = workspace_manifest or manifest
    overflow = _overflow_checks(profile_source)
    return Settings(
        overflow_checks=overflow, anchor_major=_anchor_major(manifest, workspace_manifest)
    )


def _overflow_checks(manifest: dict[str, object]) -> bool:
    profile = manifest.get("profile")
    release = profile.get("release") if isinstance(profile, dict) else None
    value = release.get("overflow-checks") if isinstance(release, dict) else None
    return value is True


def _anchor_major(manifest: dict[str, object], workspace: dict[str, object]) -> int | None:
    spec = _dependencies(manifest).get("anchor-lang")
    if isinstance(spec, dict) and spec.get("workspace") is True:
        table = workspace.get("workspace")
        shared = table.get("dependencies") if isinstance(table, dict) else None
        spec = shared.get("anchor-lang") if isinstance(shared, dict) else None
    version = spec.get("version") if isinstance(spec, dict) else spec
    if not isinstance(version, str):
        return None
    match = re.search(r"(\d+)\.", version)
    return int(match[1]) if match else None
