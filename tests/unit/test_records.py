"""`shared_methods` gives a dataclass exactly the `==`, hash and repr `@dataclass` would have
generated: each check builds the same class both ways and compares the results."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from solcoder.records import shared_methods


def _both(frozen: bool) -> tuple[type[Any], type[Any]]:
    """The same fields as a plain dataclass (reference) and with shared methods."""

    @dataclass(frozen=frozen, slots=True)
    class Point:
        x: Any
        y: Any = 0
        note: str = field(default="", repr=False)
        seen: int = field(default=0, compare=False)
        tag: str = field(default="", hash=False)

    @shared_methods
    @dataclass(frozen=frozen, slots=True, eq=False, repr=False)
    class Point2:
        x: Any
        y: Any = 0
        note: str = field(default="", repr=False)
        seen: int = field(default=0, compare=False)
        tag: str = field(default="", hash=False)

    Point2.__qualname__ = Point.__qualname__
    return Point, Point2


@pytest.mark.parametrize("frozen", [True, False])
def test_equality_and_repr_match_dataclass(frozen: bool) -> None:
    reference, shared = _both(frozen)
    nan = math.nan
    cases = [
        ((1, 2), (1, 2), {}, {}),
        ((1, 2), (1, 3), {}, {}),
        ((1,), (1,), {"seen": 1}, {"seen": 2}),  # not compared
        ((1,), (1,), {"tag": "a"}, {"tag": "b"}),  # compared, not hashed
        ((nan,), (nan,), {}, {}),  # distinct NaN objects: unequal
        (("a", [1]), ("a", [1]), {"note": "hidden"}, {}),
    ]
    for args_a, args_b, kwargs_a, kwargs_b in cases:
        assert (shared(*args_a, **kwargs_a) == shared(*args_b, **kwargs_b)) == (
            reference(*args_a, **kwargs_a) == reference(*args_b, **kwargs_b)
        )
        assert repr(shared(*args_a, **kwargs_a)) == repr(reference(*args_a, **kwargs_a))
    same = nan
    assert shared(same) == shared(same)  # the same NaN object: equal inside the tuple
    assert shared(1) != reference(1)  # another class is never equal
    assert shared(1).__eq__(1) is NotImplemented


def test_frozen_hashes_like_dataclass_and_stays_frozen() -> None:
    reference, shared = _both(frozen=True)
    assert hash(shared(1, 2, tag="a", seen=5)) == hash(reference(1, 2, tag="b", seen=9))
    assert len({shared(1, 2), shared(1, 2), shared(2, 1)}) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        shared(1).x = 2  # type: ignore[misc]
    assert dataclasses.replace(shared(1, 2), y=5) == shared(1, 5)
    assert dataclasses.asdict(shared(1, 2)) == dataclasses.asdict(reference(1, 2))


def test_mutable_is_unhashable_like_dataclass() -> None:
    reference, shared = _both(frozen=False)
    assert reference.__hash__ is None and shared.__hash__ is None
    with pytest.raises(TypeError):
        hash(shared(1))


def test_a_value_containing_itself_shows_dots() -> None:
    reference, shared = _both(frozen=False)
    loop_a, loop_b = shared([]), reference([])
    loop_a.x.append(loop_a)
    loop_b.x.append(loop_b)
    assert repr(loop_a) == repr(loop_b)
    assert repr(loop_a).endswith("Point(x=[...], y=0, seen=0, tag='')")


def test_refuses_a_class_it_would_silently_change() -> None:
    with pytest.raises(TypeError, match="eq=False, repr=False"):

        @shared_methods
        @dataclass(frozen=True)
        class Compiled:
            x: int

    with pytest.raises(TypeError, match="defines __repr__"):

        @shared_methods
        @dataclass(frozen=True, eq=False, repr=False)
        class Own:
            x: int

            def __repr__(self) -> str:
                return "own"


_FROZEN_SOURCE = """
from dataclasses import dataclass, field
from solcoder.records import shared_methods

@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Frozen:
    x: int
    y: int = 0

@dataclass(frozen=True)
class Plain:
    x: int
    items: list = field(default_factory=list)

class Child(Plain):
    pass
"""


def _frozen_classes(module_name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": module_name}
    exec(compile(_FROZEN_SOURCE, f"<{module_name}>", "exec", dont_inherit=True), namespace)
    return namespace


def _outcomes(classes: dict[str, Any]) -> list[str]:
    """What each attempt to change a frozen instance does: the error and its message."""
    outcomes = []
    instances = [classes["Frozen"](1, 2), classes["Plain"](1), classes["Child"](1)]
    for instance in instances:
        attempts = [
            (setattr, ("x", 5)),
            (setattr, ("other", 5)),
            (delattr, ("x",)),
            (delattr, ("other",)),
        ]
        for change, arguments in attempts:
            try:
                change(instance, *arguments)
                outcomes.append(f"ok {getattr(instance, '__dict__', '')}")
            except Exception as error:
                outcomes.append(f"{type(error).__name__}: {error}")
    return outcomes


def test_solcoders_frozen_classes_refuse_changes_exactly_as_dataclass_does() -> None:
    """Their `__setattr__`/`__delattr__` are closures, not compiled code (start-up), with
    the same checks and messages as the ones `dataclasses` compiles for other packages."""
    ours = _frozen_classes("solcoder.example")
    reference = _frozen_classes("elsewhere.example")
    assert _outcomes(ours) == _outcomes(reference)
    setter = ours["Frozen"].__setattr__
    assert setter.__code__.co_filename.endswith("records.py")
    assert reference["Frozen"].__setattr__.__code__.co_filename == "<string>"
    assert setter.__qualname__ == "Frozen.__setattr__"
