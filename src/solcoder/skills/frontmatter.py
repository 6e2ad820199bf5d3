"""The YAML front matter of a SKILL.md or a command file: `---` lines around a YAML mapping,
then the Markdown body.

Parsed by a real YAML parser (PyYAML's `safe_load`: no Python objects, no tags that run code),
imported only here and only when a file with front matter is found, so a launch without
skills or commands never loads it. The header is bounded before it is parsed.
"""

from __future__ import annotations

from typing import Any

from solcoder.skills.reading import ReadProblem

MAX_FRONT_MATTER_BYTES = 16 * 1024
"""More than any real header (the spec's longest field is a 1,024-character description)."""


def split(text: str, *, required: bool) -> tuple[str | None, str]:
    """(the YAML between the opening and closing `---` lines, the body after them). Without
    an opening `---` the header is None (a problem when `required`)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        if required:
            raise ReadProblem("has no front matter (a `---` line, YAML, then `---`)")
        return None, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            header = "".join(lines[1:index])
            return header, "".join(lines[index + 1 :])
    raise ReadProblem("front matter is not closed by a `---` line")


def parse(header: str) -> dict[str, Any]:
    """The header as a mapping with string keys (YAML errors become one-line problems)."""
    if len(header.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise ReadProblem(f"front matter is longer than {MAX_FRONT_MATTER_BYTES:,} bytes")
    import yaml

    try:
        value = yaml.safe_load(header)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ReadProblem(f"front matter is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ReadProblem("front matter is nested too deeply") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReadProblem("front matter is not a mapping of fields")
    return {str(key): item for key, item in value.items()}


def text_field(fields: dict[str, Any], name: str, *, limit: int, required: bool) -> str:
    """A string field, stripped; missing, not a string or too long is a problem."""
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ReadProblem(f"front matter has no `{name}`")
        return ""
    if not isinstance(value, str):
        raise ReadProblem(f"`{name}` is not text")
    value = value.strip()
    if len(value) > limit:
        raise ReadProblem(f"`{name}` is {len(value):,} characters, more than {limit:,}")
    return value
