"""The model's `review_code` with workspace `paths` (issue 24 item 1): resolved by the workspace
rules of the launch's root, secrets and outside paths refused, findings in the JSON lines'
shape."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from solcoder.tools.launch_root import set_launch_root
from solcoder.tools.toolkits import load_registry

SET = Path(__file__).parents[1] / "data" / "review_set" / "missing_signer"
CANARY = "sk-test-review-code-canary-0123456789"


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    shutil.copytree(SET / "anchor_vulnerable", tmp_path / "vault")
    (tmp_path / ".env").write_text(f"KEY={CANARY}\n")
    set_launch_root(tmp_path)
    yield tmp_path
    set_launch_root(None)


def call(**arguments: object) -> tuple[str, bool]:
    tool = load_registry().get("review_code")
    assert tool is not None
    try:
        output = asyncio.run(tool.run(tool.parse_arguments(json.dumps(arguments))))
    except ValueError as error:
        return str(error), True
    return output.content, output.is_error


def test_paths_review_whole_programs(root: Path) -> None:
    content, error = call(paths=["vault"])
    assert not error
    result = json.loads(content)
    assert [p["name"] for p in result["programs"]] == ["vault"]
    first = result["findings"][0]
    assert first["class"] == "missing_signer" and first["severity"] == "critical"
    assert first["path"] == "vault/programs/vault/src/lib.rs"
    assert set(first) == {"class", "severity", "path", "line", "message", "fix", "program"}


@pytest.mark.parametrize(
    ("path", "words"),
    [(".env", "holds secrets"), ("../", "outside the workspace"), ("nope", "does not exist")],
)
def test_secrets_and_outside_paths_are_refused(root: Path, path: str, words: str) -> None:
    content, error = call(paths=[path])
    assert error and words in content
    assert CANARY not in content


def test_neither_paths_nor_source_is_an_error(root: Path) -> None:
    content, error = call()
    assert error and "give `paths`" in content


def test_source_text_still_works(root: Path) -> None:
    source = (SET / "anchor_vulnerable" / "programs" / "vault" / "src" / "lib.rs").read_text()
    content, error = call(source=source)
    assert not error and "missing_signer" in content
