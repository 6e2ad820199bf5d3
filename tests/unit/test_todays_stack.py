"""Issue 24 item 6: the bundled notes know today's stack (Anchor 1.x, LiteSVM, Surfpool,
declare_program!, Pinocchio, Solana Kit, Codama), each section says the version and date it is
true for, and `plan` knows the workspace's programs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.tools.launch_root import set_launch_root
from solcoder.tools.toolkits.knowledge import load_library, search_notes
from solcoder.tools.toolkits.plan import plan
from tests.unit.test_solana_idl import write_workspace


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("anchor 1.0 typescript package coral-xyz", "Anchor 1.x: what changed"),
        ("duplicate mutable accounts anchor 1", "duplicate mutable accounts"),
        ("litesvm surfpool tests", "LiteSVM and Surfpool"),
        ("declare_program idl cpi", "declare_program!"),
        ("pinocchio AccountView entrypoint", "Pinocchio"),
        ("solana kit createSolanaRpc pipe", "Solana Kit"),
        ("codama generate client", "Codama"),
    ],
)
def test_the_stack_notes_answer(query: str, heading: str) -> None:
    best = search_notes(query, 1)["results"][0]
    assert best["note"] == "todays-stack"
    assert heading in best["section"]


def test_every_stack_section_names_its_version_and_date() -> None:
    text = load_library().notes["todays-stack"]
    sections = text.split("\n## ")[1:]
    assert len(sections) == 7
    for section in sections:
        body = section.split("\n", 1)[1]
        assert re.search(r"\b\d+\.\d+", body), section[:40]
        assert re.search(
            r"(January|February|March|April|May|June|July|August|September|"
            r"October|November|December)[ –-]*(\w+ )?20\d\d|20\d\d-\d\d-\d\d",
            body,
        ), section[:40]


@pytest.fixture
def launch_root(tmp_path: Path) -> Iterator[Path]:
    write_workspace(tmp_path)
    set_launch_root(tmp_path)
    yield tmp_path
    set_launch_root(None)


def test_plan_knows_the_workspace_programs(launch_root: Path) -> None:
    result = plan("add a withdraw instruction to the vault")
    assert any("vault (anchor, 2 instructions)" in line for line in result.assumptions)
    assert any("describe_program" in line for line in result.assumptions)


@pytest.mark.parametrize("framework", ["anchor", "native"])
def test_the_scaffold_passes_the_workspace_review(tmp_path: Path, framework: str) -> None:
    from solcoder.solana.review import review_paths
    from solcoder.tools.toolkits.code import scaffold_files

    _, files, _ = scaffold_files("counter", framework)
    for relative, content in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    report = review_paths([tmp_path], root=tmp_path)
    assert report.programs and report.programs[0].name == "counter"
    assert [f for f in report.findings if f.severity != "info"] == []
    assert report.problems == ()
