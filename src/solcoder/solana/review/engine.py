"""Runs a review: discovery, parsing, the program model and the rules, into one Report."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from solcoder.solana.review import anchor_rules, body_rules, line_rules, model, syntax
from solcoder.solana.review.context import Crate, Settings
from solcoder.solana.review.discovery import CLIENT_SUFFIXES, discover
from solcoder.solana.review.findings import Finding, Program, ProgramKind, Report, severity_rank


def review_paths(
    paths: Sequence[Path],
    *,
    root: Path,
    changed: Mapping[str, frozenset[int]] | None = None,
) -> Report:
    found = discover(paths, root)
    programs: list[Program] = []
    findings: list[Finding] = []
    for group in found.groups:
        names = tuple(sorted(group.files))
        programs.append(Program(group.name or "(loose files)", group.directory, group.kind, names))
        if group.kind == "client":
            produced: Iterable[Finding] = [
                f
                for path, text in group.files.items()
                for f in line_rules.check_typescript(path, text)
            ]
        else:
            produced = _rust(group.name or "", group.files, group.settings)
        findings.extend(dataclasses.replace(f, program=group.name) for f in produced)
    if changed is not None:
        findings = [f for f in findings if f.line in changed.get(f.path, frozenset())]
    return Report(tuple(programs), _ordered(findings), tuple(found.problems))


def review_source(text: str, filename: str = "lib.rs") -> Report:
    name = PurePosixPath(filename).name or "lib.rs"
    if name.endswith(CLIENT_SUFFIXES):
        program = Program(name, ".", "client", (name,))
        return Report((program,), _ordered(line_rules.check_typescript(name, text)), ())
    kind: ProgramKind = (
        "anchor" if "anchor_lang" in text or "#[derive(Accounts)]" in text else "native"
    )
    program = Program(PurePosixPath(name).stem, ".", kind, (name,))
    return Report((program,), _ordered(_rust(program.name, {name: text}, Settings())), ())


_RESULTS: OrderedDict[tuple[object, ...], tuple[Finding, ...]] = OrderedDict()
_CACHE_SIZE = 64


def clear_caches() -> None:
    """Forget parsed files and crate results (benchmarks measure the cold path with it)."""
    syntax.clear_cache()
    _RESULTS.clear()


def _rust(name: str, files: Mapping[str, str], settings: Settings) -> tuple[Finding, ...]:
    """The crate's findings, computed once per set of file contents and settings: the rules
    read only the model, so an unchanged crate costs a hash on the next review."""
    parsed = [(path, syntax.parse(text)) for path, text in sorted(files.items())]
    key = (name, settings, *((path, source.key) for path, source in parsed))
    found = _RESULTS.get(key)
    if found is not None:
        _RESULTS.move_to_end(key)
        return found
    crate = Crate(model.build(name, parsed), settings)
    produced = [*anchor_rules.check(crate), *body_rules.check(crate), *line_rules.check_rust(crate)]
    _RESULTS[key] = result = tuple(produced)
    if len(_RESULTS) > _CACHE_SIZE:
        _RESULTS.popitem(last=False)
    return result


def _ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    unique: dict[tuple[str, str, int], Finding] = {}
    for item in findings:
        key = (item.klass, item.path, item.line)
        kept = unique.get(key)
        if kept is None or severity_rank(item.severity) < severity_rank(kept.severity):
            unique[key] = item
    return tuple(
        sorted(
            unique.values(),
            key=lambda f: (f.program or "", f.path, f.line, severity_rank(f.severity), f.klass),
        )
    )
