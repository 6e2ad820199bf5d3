"""What kind of Solana workspace this is, which programs it holds, and how to build and test it.

The model should not guess `anchor build` versus `cargo build-sbf`: the manifests say. Detection
reads `Anchor.toml` and `Cargo.toml` files only (with the standard library's `tomllib`) and never
runs anything, so it is safe on any tree and cheap enough to repeat after every edit.

Decisions (docs/solana-workflows.md has the long form):

- A crate is an on-chain program when it depends on an on-chain framework (`anchor-lang`,
  `solana-program`, `pinocchio`, ...). `crate-type = ["cdylib"]` alone is not enough: wasm and
  Python-extension crates are cdylibs too. Every crate under an Anchor workspace's `programs/`
  is a program.
- Cargo's own commands get `--message-format=json` so the diagnostics can be parsed (plain
  `json`, not `json-diagnostic-rendered-ansi`: the rendered text goes to a model, and colour
  codes would only cost tokens). `cargo build-sbf` forwards what follows `--` to cargo, so it
  gets the same flag there. `anchor build -- ARGS` forwards ARGS to `cargo build-sbf`'s own
  options (e.g. `--features`), and Anchor prints its IDL build around cargo's output, so Anchor
  commands stay as documented and their human-readable output is parsed instead.
- A missing tool is never papered over: building a program with plain `cargo build` would
  produce a host library, not a deployable `.so`, and pass where the real build fails. The
  command functions answer a sentence instead (what is missing, how to install it, and that
  `check_command`'s `cargo check` / `cargo test` still work with plain cargo).
- `anchor test` starts its own local validator; with one already running (started by
  `solana-test-validator` or `surfpool start` in the background) it must be told to
  `--skip-local-validator`, or both would fight over port 8899.
"""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Kind = Literal["anchor", "cargo", "none"]
Framework = Literal["anchor", "native"]

ON_CHAIN_CRATES = (
    "anchor-lang",
    "solana-program",
    "pinocchio",
    "solana-program-entrypoint",
    "solana-account-info",
)
"""Dependencies that make a crate an on-chain program (anchor-lang first: it wins)."""

TOOLS = ("cargo", "cargo-build-sbf", "anchor", "solana", "solana-test-validator", "surfpool")
MESSAGE_FORMAT = "--message-format=json"
INSTALL_SOLANA = (
    'install the Solana toolchain with `sh -c "$(curl -sSfL https://release.anza.xyz/stable/'
    'install)"` and put `~/.local/share/solana/install/active_release/bin` on PATH'
)
INSTALL_ANCHOR = (
    "install Anchor through its version manager: `cargo install --git "
    "https://github.com/solana-foundation/anchor avm --force`, then `avm install latest && "
    "avm use latest` (Anchor also needs the Solana toolchain)"
)
_MAX_MEMBERS = 200


@dataclass(frozen=True, slots=True)
class Program:
    """One on-chain program: `name` is the library name Anchor and the `.so` use (snake_case),
    `package` the Cargo package name `cargo -p` takes; `manifest` is relative to the root (None
    when only Anchor.toml names it); `addresses` maps a cluster to the program id Anchor.toml
    gives."""

    name: str
    package: str
    manifest: Path | None
    framework: Framework
    addresses: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Project:
    root: Path
    kind: Kind
    programs: tuple[Program, ...] = ()
    crates: tuple[Path, ...] = ()
    """Every crate manifest found (relative to the root), programs or not."""
    problems: tuple[str, ...] = ()
    """Manifests that could not be read, as sentences; detection carries on without them."""

    def program(self, name: str) -> Program | None:
        wanted = name.replace("-", "_")
        for program in self.programs:
            if wanted in (program.name, program.package.replace("-", "_")):
                return program
        return None


def which_tools() -> dict[str, str | None]:
    """Where each Solana build tool is on PATH (None when missing). `cargo build-sbf` is the
    `cargo-build-sbf` executable that cargo finds on PATH."""
    return {name: shutil.which(name) for name in TOOLS}


def detect(root: Path) -> Project:
    problems: list[str] = []
    anchor_toml = _read_toml(root / "Anchor.toml", root, problems)
    cargo_toml = _read_toml(root / "Cargo.toml", root, problems)
    crates = _crates(root, cargo_toml, anchor_toml, problems)
    manifests = {path: _read_toml(root / path, root, problems) for path in crates}
    if anchor_toml is not None:
        kind: Kind = "anchor"
        programs = _anchor_programs(root, anchor_toml, manifests)
    elif (root / "Cargo.toml").is_file():
        kind = "cargo"
        programs = [p for path, data in manifests.items() if (p := _program(path, data, False))]
    else:
        return Project(root, "none", problems=tuple(problems))
    return Project(root, kind, tuple(programs), tuple(crates), tuple(problems))


def build_command(
    project: Project, *, program: str | None = None, tools: Mapping[str, str | None] | None = None
) -> list[str] | str:
    """The argv that builds the project (or one program), run from its root; a sentence when
    nothing can be built. `tools` (from `which_tools()`) makes it check that the tool exists;
    None assumes it does."""
    chosen = _choose(project, program)
    if isinstance(chosen, str):
        return chosen
    if project.kind == "anchor":
        missing = _missing(tools, "anchor", INSTALL_ANCHOR)
        if missing:
            return missing
        return ["anchor", "build", *(["-p", chosen.name] if chosen else [])]
    if project.programs:
        missing = _missing(tools, "cargo-build-sbf", INSTALL_SOLANA)
        if missing:
            return missing
        return ["cargo", "build-sbf", *_manifest_args(chosen), "--", MESSAGE_FORMAT]
    missing = _missing(tools, "cargo", _INSTALL_RUST)
    return missing or ["cargo", "build", MESSAGE_FORMAT]


def test_command(
    project: Project,
    *,
    program: str | None = None,
    validator_running: bool = False,
    tools: Mapping[str, str | None] | None = None,
) -> list[str] | str:
    """The argv that runs the project's tests; a sentence when nothing can run. Anchor's
    `anchor test` builds, starts a local validator, deploys and runs `[scripts] test`;
    `validator_running` adds `--skip-local-validator` so it uses the one already up. Cargo
    projects get `cargo test --no-fail-fast` (every test target runs even when one fails)."""
    chosen = _choose(project, program)
    if isinstance(chosen, str):
        return chosen
    if project.kind == "anchor":
        missing = _missing(tools, "anchor", INSTALL_ANCHOR)
        if missing:
            return missing
        flags = ["--skip-local-validator"] if validator_running else []
        return ["anchor", "test", *flags, *(["-p", chosen.name] if chosen else [])]
    missing = _missing(tools, "cargo", _INSTALL_RUST)
    if missing:
        return missing
    return ["cargo", "test", "--no-fail-fast", MESSAGE_FORMAT, *_package_args(chosen)]


test_command.__test__ = False  # type: ignore[attr-defined]  # a command, not a pytest test


def check_command(project: Project, *, program: str | None = None) -> list[str] | str:
    """`cargo check` with parseable diagnostics: type errors in any Rust workspace, Anchor's
    included, with plain cargo (no Solana toolchain, no `.so`)."""
    if project.kind == "none":
        return _NOTHING
    chosen = _choose(project, program)
    if isinstance(chosen, str):
        return chosen
    return ["cargo", "check", "--all-targets", MESSAGE_FORMAT, *_package_args(chosen)]


_INSTALL_RUST = "install Rust with rustup (https://rustup.rs)"
_NOTHING = (
    "No Anchor.toml or Cargo.toml at the workspace root: not a Rust or Anchor project "
    "(create one with `anchor init NAME` or `cargo new --lib NAME`)."
)


def _choose(project: Project, program: str | None) -> Program | str | None:
    if project.kind == "none":
        return _NOTHING
    if program is None:
        return None
    found = project.program(program)
    if found is not None:
        return found
    known = ", ".join(p.name for p in project.programs) or "none found"
    return f"No program named {program!r} in this workspace (programs: {known})."


def _missing(tools: Mapping[str, str | None] | None, name: str, install: str) -> str | None:
    if tools is None or tools.get(name):
        return None
    command = "cargo build-sbf" if name == "cargo-build-sbf" else name
    fallback = (
        ""
        if name == "cargo"
        else " Meanwhile `cargo check` and `cargo test` work with plain cargo (check_command)."
    )
    return f"`{command}` is not installed: {install}.{fallback}"


def _manifest_args(program: Program | None) -> list[str]:
    if program is None or program.manifest is None:
        return []
    return ["--manifest-path", program.manifest.as_posix()]


def _package_args(program: Program | None) -> list[str]:
    return [] if program is None else ["-p", program.package]


def _read_toml(path: Path, root: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(f"{path.relative_to(root).as_posix()}: {error}")
        return None


def _crates(
    root: Path,
    cargo_toml: dict[str, Any] | None,
    anchor_toml: dict[str, Any] | None,
    problems: list[str],
) -> list[Path]:
    """Crate manifests: the root package, Cargo and Anchor workspace members, and (for Anchor)
    `programs/*`, minus the excluded, in a stable order."""
    patterns: list[str] = []
    excluded: set[Path] = set()
    for table in (cargo_toml, anchor_toml):
        workspace = _table(table, "workspace")
        patterns += [m for m in workspace.get("members", []) if isinstance(m, str)]
        for pattern in workspace.get("exclude", []):
            if isinstance(pattern, str):
                excluded.update(_expand(root, pattern))
    if anchor_toml is not None:
        patterns.append("programs/*")
    found: list[Path] = []
    if cargo_toml is not None and "package" in cargo_toml:
        found.append(Path("Cargo.toml"))
    for pattern in patterns:
        for directory in _expand(root, pattern):
            manifest = directory / "Cargo.toml"
            fresh = directory not in excluded and manifest not in found
            if fresh and (root / manifest).is_file():
                found.append(manifest)
    if len(found) > _MAX_MEMBERS:
        problems.append(f"{len(found)} crates: only the first {_MAX_MEMBERS} were read")
    return found[:_MAX_MEMBERS]


def _expand(root: Path, pattern: str) -> list[Path]:
    pattern = pattern.strip().rstrip("/")
    if not pattern or pattern.startswith(("/", "..")) or ".." in Path(pattern).parts:
        return []
    if any(char in pattern for char in "*?["):
        return sorted(path.relative_to(root) for path in root.glob(pattern) if path.is_dir())
    return [Path(pattern)]


def _anchor_programs(
    root: Path, anchor_toml: dict[str, Any], manifests: dict[Path, dict[str, Any] | None]
) -> list[Program]:
    addresses: dict[str, dict[str, str]] = {}
    for cluster, table in _table(anchor_toml, "programs").items():
        if isinstance(table, dict):
            for name, address in table.items():
                if isinstance(address, str):
                    addresses.setdefault(name.replace("-", "_"), {})[cluster] = address
    programs: list[Program] = []
    for path, data in manifests.items():
        in_programs = path.parts[0] == "programs" and len(path.parts) == 3
        program = _program(path, data, in_programs)
        if program is not None:
            program.addresses.update(addresses.pop(program.name, {}))
            programs.append(program)
    for name, by_cluster in addresses.items():  # named in Anchor.toml, crate not found
        programs.append(Program(name, name, None, "anchor", by_cluster))
    return programs


def _program(path: Path, data: dict[str, Any] | None, in_programs: bool) -> Program | None:
    if data is None or not isinstance(data.get("package"), dict):
        return None
    package = str(data["package"].get("name", path.parent.name or "program"))
    framework = _framework(data)
    if framework is None and not in_programs:
        return None
    library = _table(data, "lib").get("name")
    name = library if isinstance(library, str) else package.replace("-", "_")
    return Program(name, package, path.parent / "Cargo.toml", framework or "native")


def _framework(data: dict[str, Any]) -> Framework | None:
    names = set(_dependency_names(_table(data, "dependencies")))
    for target in _table(data, "target").values():
        if isinstance(target, dict):
            names.update(_dependency_names(_table(target, "dependencies")))
    if "anchor-lang" in names:
        return "anchor"
    if names.intersection(ON_CHAIN_CRATES):
        return "native"
    return None


def _dependency_names(dependencies: dict[str, Any]) -> list[str]:
    """Each dependency's real crate name (a renamed one says `package = "..."`)."""
    names = []
    for key, spec in dependencies.items():
        renamed = spec.get("package") if isinstance(spec, dict) else None
        names.append((renamed if isinstance(renamed, str) else key).replace("_", "-"))
    return names


def _table(data: dict[str, Any] | None, key: str) -> dict[str, Any]:
    value = (data or {}).get(key)
    return value if isinstance(value, dict) else {}
