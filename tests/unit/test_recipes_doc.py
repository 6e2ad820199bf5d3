"""`docs/recipes.md` stays true (issue 23 item 11): every file it names exists, and every
"`NAME` in `PATH`" it states is a name that file defines or uses."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
RECIPES = ROOT / "docs" / "recipes.md"
PATH = re.compile(r"`((?:src|tests|docs)/[\w./-]+)`")
NAME_IN_PATH = re.compile(r"`(\w+)`(?:\s*\([^)]*\))? in\s+`((?:src|tests)/[\w./-]+)`")


def test_the_five_recipes_are_there() -> None:
    titles = re.findall(r"^## \d\. (.+)$", RECIPES.read_text(encoding="utf-8"), re.M)
    assert titles == [
        "A provider",
        "A wire protocol",
        "A tool",
        "An approval rule",
        "A transcript record",
    ]


def test_every_file_it_names_exists() -> None:
    text = RECIPES.read_text(encoding="utf-8")
    named = {path for path in PATH.findall(text) if "NAME" not in path}
    assert len(named) > 20  # the recipes name their files
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_every_name_it_places_is_in_that_file() -> None:
    text = " ".join(RECIPES.read_text(encoding="utf-8").split())  # joined across line breaks
    pairs = NAME_IN_PATH.findall(text)
    assert len(pairs) >= 5
    absent = sorted(
        f"{name} in {path}"
        for name, path in pairs
        if not re.search(rf"\b{name}\b", (ROOT / path).read_text(encoding="utf-8"))
    )
    assert absent == []


def test_every_code_name_it_mentions_exists() -> None:
    text = RECIPES.read_text(encoding="utf-8")
    names = {
        name
        for name in re.findall(r"`([A-Za-z_]\w*)(?:\(\))?`", text)
        if "_" in name.strip("_") or re.match(r"[A-Z][a-z]+[A-Z]", name)
    }
    assert len(names) > 20
    source = " ".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "src" / "solcoder").rglob("*.py")
    )
    absent = sorted(name for name in names if not re.search(rf"\b{name}\b", source))
    assert absent == []
