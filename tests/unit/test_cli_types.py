"""The wiring layer is typed (issue 23 item 10): no parameter, return or attribute in
`src/solcoder/cli/` is annotated with a bare `Any` (the objects it wires have real types,
imported under `TYPE_CHECKING` as `cli/build.py` does), except where click itself hands over
values of any type. `Any` inside a JSON container (`dict[str, Any]`) stays: that is what
JSON is."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).parents[2] / "src" / "solcoder" / "cli"

ALLOWED = {
    # click passes each option's converted value, whatever its type.
    ("root.py", "cli", "options"),
    # click's ParamType.convert receives the raw value of any type and may return any.
    ("root.py", "convert", "value"),
    ("root.py", "convert", "return"),
    # A module's lazy attribute (`solcoder.cli.main.cli`): whatever the name is bound to.
    ("main.py", "__getattr__", "return"),
}


def bare_any(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.strip() == "Any"
    if isinstance(annotation, ast.Name):
        return annotation.id == "Any"
    if isinstance(annotation, ast.BinOp):  # `Any | None`
        return bare_any(annotation.left) or bare_any(annotation.right)
    if isinstance(annotation, ast.Subscript):  # Callable[[Any], ...], list[Any]; not JSON dicts
        base = ast.unparse(annotation.value)
        inner = annotation.slice
        if base in {"dict", "Mapping", "MutableMapping", "Coroutine", "Generator"}:
            return False  # JSON objects; a coroutine's send and yield types
        items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
        flat: list[ast.expr] = []
        for item in items:
            flat.extend(item.elts if isinstance(item, ast.List) else [item])
        return any(bare_any(item) for item in flat)
    return False


def any_annotations() -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for path in sorted(CLI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args
                every = [
                    *arguments.posonlyargs,
                    *arguments.args,
                    *arguments.kwonlyargs,
                    *(a for a in (arguments.vararg, arguments.kwarg) if a is not None),
                ]
                for argument in every:
                    if bare_any(argument.annotation):
                        found.append((path.name, node.name, argument.arg))
                if bare_any(node.returns):
                    found.append((path.name, node.name, "return"))
            elif isinstance(node, ast.AnnAssign) and bare_any(node.annotation):
                found.append((path.name, "<assignment>", ast.unparse(node.target)))
    return found


def test_the_wiring_layer_has_no_untyped_objects() -> None:
    remaining = [site for site in any_annotations() if site not in ALLOWED]
    assert not remaining, "\n".join(f"{f}: {fn}({arg})" for f, fn, arg in remaining)


def test_the_allow_list_is_still_needed() -> None:
    assert set(any_annotations()) >= ALLOWED
