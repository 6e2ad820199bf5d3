"""Argument checks against a raw JSON Schema never run a pattern at a cost without bound:
a server's catastrophic `pattern` (nested quantifiers) is not run, while plain patterns are
still checked. Each check runs in a child process so a hang fails the test instead of
stopping the test run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from solcoder.tools.validation import schema_problems

EVIL = {
    "type": "object",
    "properties": {"text": {"type": "string", "pattern": "^(a+)+$"}},
    "required": ["text"],
}


def problems_in_a_child(schema: dict[str, object], arguments: dict[str, object]) -> list[str]:
    code = (
        "import json, sys\n"
        "from solcoder.tools.validation import schema_problems\n"
        "schema, arguments = json.loads(sys.stdin.read())\n"
        "print(json.dumps(schema_problems(schema, arguments)))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps([schema, arguments]),
            capture_output=True,
            text=True,
            timeout=60,  # only stops a hang; the check itself takes milliseconds
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("checking the arguments did not end")
    result: list[str] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    "pattern",
    ["^(a+)+$", "^(a|a)*$", "^(a|aa)+$", "(\\w+\\s?)*$", "^(a*)*b$", "^(.*a){30}$"],
)
def test_a_catastrophic_pattern_ends(pattern: str) -> None:
    schema = {"type": "object", "properties": {"text": {"type": "string", "pattern": pattern}}}
    assert problems_in_a_child(schema, {"text": "a" * 60 + "!"}) == []


def test_a_catastrophic_pattern_property_ends() -> None:
    schema = {"type": "object", "patternProperties": {"^(a+)+$": {"type": "integer"}}}
    assert problems_in_a_child(schema, {"a" * 60 + "!": "x"}) == []


def test_a_polynomial_pattern_on_a_long_text_ends() -> None:
    schema = {"type": "object", "properties": {"t": {"type": "string", "pattern": "a*a*a*a*b"}}}
    assert problems_in_a_child(schema, {"t": "a" * 5000}) == []


def test_plain_patterns_are_still_checked() -> None:
    schema = {
        "type": "object",
        "properties": {
            "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
            "date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
        },
        "patternProperties": {"^x-": {"type": "string"}},
    }
    problems = schema_problems(schema, {"slug": "Not A Slug", "date": "2024-1-1", "x-a": 1})
    assert len(problems) == 3
    assert schema_problems(schema, {"slug": "a-slug", "date": "2024-01-01", "x-a": "b"}) == []
