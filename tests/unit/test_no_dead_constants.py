"""No dead constants or test hooks in `src/` (issue 23 item 11).

`FLAG_WARNING` (its text was restated in `cli/build.py`), `STDERR_LINES` and
`PRICE_PACKAGE_RELEASED` were defined and never read; the credential store carried a private
hook that only tests called (`_cheap_kdf_for_tests`, now `tests/support/cheap_kdf.py`).
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "solcoder"
CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]+$")

KEPT = {
    # The provider's documented limit, stated beside the code that stays under it (a test
    # reads it).
    "MAX_CACHE_BREAKPOINTS",
    # One of git's file modes, named with its siblings (EXECUTABLE, SYMLINK, GITLINK).
    "REGULAR",
    # Not read today; the command-approval work that declared it decides its fate.
    "COMMAND_TOOLS",
}


def module_constants() -> dict[str, list[str]]:
    """UPPER_CASE names bound at module level, by name -> modules defining them."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and CONSTANT.match(target.id):
                    found.setdefault(target.id, []).append(str(path.relative_to(SRC)))
    return found


def word_counts() -> Counter[str]:
    """How many times each word appears in src/ (definitions included)."""
    words: Counter[str] = Counter()
    for path in SRC.rglob("*.py"):
        words.update(re.findall(r"\w+", path.read_text(encoding="utf-8")))
    return words


def test_every_module_constant_is_read_somewhere() -> None:
    words = word_counts()
    unread = sorted(
        name
        for name, modules in module_constants().items()
        if words[name] <= len(modules) and name not in KEPT
    )
    assert unread == []


def test_no_test_hook_in_src() -> None:
    hooks = [
        f"{path.relative_to(SRC)}: {node.name}"
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and re.search(r"for_tests?$", node.name)
    ]
    assert hooks == []
