"""The workspace's programs as the model and `/status` see them: the manifests say which
programs exist (`project.detect`), the built IDLs say what each one accepts.

Kept apart from `idl.py` (which only reads IDLs) because this is about presenting them: one
listing row per program, and one description of a program's instructions, accounts, errors and
account types short enough for a model to read in one tool result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solcoder.solana.idl import Idl, IdlAccount, load_idls

MAX_INSTRUCTIONS_SHOWN = 60
MAX_DEPTH = 3
_SKIPPED = frozenset({"target", "node_modules", "test-ledger", "dist", "build", "__pycache__"})


@dataclass(frozen=True, slots=True)
class ProgramEntry:
    name: str
    path: str
    """The crate's directory relative to the root ("" when only an IDL names it)."""
    framework: str
    address: str | None
    idl: Idl | None


def programs(root: Path) -> tuple[list[ProgramEntry], list[str]]:
    """Every program of the workspace (manifests first, then IDLs naming other programs), and
    the problems met (unreadable manifests or IDLs, one sentence each). Without a manifest at
    the root, the projects side by side in its folders (a few levels down) are listed."""
    entries, problems = _programs_at(root, "")
    if not entries:
        for relative in _nested_projects(root):
            found, more = _programs_at(root / relative, relative)
            entries.extend(found)
            problems.extend(more)
    return entries, problems


def _programs_at(base: Path, prefix: str) -> tuple[list[ProgramEntry], list[str]]:
    from solcoder.solana.project import detect

    project = detect(base)
    idls, idl_problems = load_idls(base)
    by_name = {_key(idl.name): idl for idl in idls}
    entries: list[ProgramEntry] = []
    for program in project.programs:
        idl = by_name.pop(_key(program.name), None)
        path = program.manifest.parent.as_posix() if program.manifest is not None else ""
        path = _join(prefix, path)
        address = idl.address if idl else next(iter(program.addresses.values()), None)
        entries.append(ProgramEntry(program.name, path, program.framework, address, idl))
    for idl in by_name.values():
        entries.append(ProgramEntry(idl.name, prefix, "anchor", idl.address, idl))
    return entries, [*project.problems, *idl_problems]


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix if path in ("", ".") else f"{prefix}/{path}"


def _nested_projects(root: Path) -> list[str]:
    """Folders (up to MAX_DEPTH below `root`) holding an Anchor.toml or a Cargo.toml; a found
    project's own folders are not searched further (its manifest names its members)."""
    import os

    found: list[str] = []
    for current, directories, files in os.walk(root):
        relative = Path(current).relative_to(root)
        depth = len(relative.parts)
        if depth and ("Anchor.toml" in files or "Cargo.toml" in files):
            found.append(relative.as_posix())
            directories.clear()
            continue
        directories[:] = sorted(
            name
            for name in directories
            if depth < MAX_DEPTH and name not in _SKIPPED and not name.startswith(".")
        )
    return found


def status_line(root: Path) -> str | None:
    """`/status`'s row: `counter (anchor, 3 instructions), vault (native)`, None without any."""
    entries, _ = programs(root)
    if not entries:
        return None
    parts = []
    for entry in entries:
        detail = entry.framework
        if entry.idl is not None:
            count = len(entry.idl.instructions)
            detail += f", {count} instruction{'s' if count != 1 else ''}"
        parts.append(f"{entry.name} ({detail})")
    return ", ".join(parts)


def list_programs(root: Path) -> str:
    """The listing the model reads when it calls describe_program without a name."""
    entries, problems = programs(root)
    if not entries:
        lines = [
            "No Solana program in this workspace (no Anchor.toml program and no crate that "
            "depends on anchor-lang, solana-program or pinocchio)."
        ]
    else:
        lines = [f"{len(entries)} program{'s' if len(entries) != 1 else ''}:"]
        for entry in entries:
            count = f"{len(entry.idl.instructions)} instructions" if entry.idl else "no IDL"
            where = entry.path or (entry.idl.path if entry.idl else "?")
            address = entry.address or "address unknown"
            lines.append(f"- {entry.name} ({entry.framework}) at {where}: {address}, {count}")
        if any(entry.idl is None and entry.framework == "anchor" for entry in entries):
            lines.append("Programs without an IDL: run `anchor build` to generate target/idl/.")
        lines.append("describe_program with a name shows its instructions, accounts and errors.")
    lines.extend(f"Problem: {problem}" for problem in problems)
    return "\n".join(lines)


def describe(root: Path, name: str) -> str:
    """One program's instructions (accounts with signer/writable/PDA seeds, args), account
    types, events and errors; a sentence saying what exists when `name` is unknown."""
    entries, _ = programs(root)
    entry = next((e for e in entries if _key(e.name) == _key(name)), None)
    if entry is None:
        known = ", ".join(e.name for e in entries) or "none"
        return f"No program named {name!r} in this workspace. Programs: {known}."
    if entry.idl is None:
        return f"{entry.name} ({entry.framework}) at {entry.path or '?'} has no IDL" + (
            ": run `anchor build` to generate target/idl/, or read its source."
            if entry.framework == "anchor"
            else " (native programs have none): read its source (list_files, read_file)."
        )
    return _describe_idl(entry.idl)


def _describe_idl(idl: Idl) -> str:
    lines = [
        f"{idl.name} {idl.version} at {idl.address} (IDL {idl.path}, spec {idl.spec or '?'})",
        f"Instructions ({len(idl.instructions)}):",
    ]
    for instruction in idl.instructions[:MAX_INSTRUCTIONS_SHOWN]:
        args = ", ".join(f"{name}: {kind}" for name, kind in instruction.args)
        lines.append(f"- {instruction.name}({args})")
        lines.extend(f"    {_account(account)}" for account in instruction.accounts)
    if len(idl.instructions) > MAX_INSTRUCTIONS_SHOWN:
        lines.append(f"… {len(idl.instructions) - MAX_INSTRUCTIONS_SHOWN} more (read the IDL).")
    if idl.account_types:
        lines.append(f"Account types: {', '.join(idl.account_types)}")
    if idl.events:
        lines.append(f"Events: {', '.join(idl.events)}")
    if idl.errors:
        lines.append("Errors:")
        lines.extend(f"- {e.code} {e.name}: {e.msg}" for e in idl.errors)
    return "\n".join(lines)


def _account(account: IdlAccount) -> str:
    flags = [
        flag
        for flag, on in (
            ("signer", account.signer),
            ("writable", account.writable),
            ("optional", account.optional),
        )
        if on
    ]
    text = account.name + (f" [{', '.join(flags)}]" if flags else "")
    if account.address:
        text += f" = {account.address}"
    if account.seeds is not None:
        text += f" PDA seeds [{', '.join(account.seeds)}]"
    return text


def _key(name: str) -> str:
    return name.replace("-", "_").lower()
