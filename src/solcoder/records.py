"""Equality, hash and repr for dataclasses as shared functions, not code compiled per class.

`@dataclass` writes the source of each generated method and compiles it when the module is
imported: six compilations for a frozen class, about 0.8 ms on a build machine, and the
one-shot `solcoder -p` path defines some forty such classes (a quarter of its start-up). The
`__init__` stays generated (it is on the streaming hot path, and its signature is the type
checker's), as do a frozen class's `__setattr__`/`__delattr__`; the other three are the same
for every class, given its fields, so they are written once here:

    @shared_methods
    @dataclass(frozen=True, slots=True, eq=False, repr=False)
    class Usage:
        ...

`eq=False, repr=False` only tell `dataclass` not to compile them; `shared_methods` then adds
what `eq=True, repr=True` would have given, with the same results: `==` over the compared
fields of instances of exactly the same class (`NotImplemented` otherwise), the hash of that
tuple for frozen classes, no hash for mutable ones, and `Name(field=value, …)` over the shown
fields, `...` where a value contains itself. `dataclasses.fields`, `replace` and `asdict` see
an ordinary dataclass.

A frozen class's `__setattr__` and `__delattr__` cost two more compilations each. Python
3.11 and 3.12 write them with `dataclasses._frozen_get_del_attr`; for SolCoder's own classes
(a module under `solcoder`), `_frozen_methods` makes the same two functions as closures
instead: the same checks, messages and `super()` call, nothing compiled. Other packages'
dataclasses, and other Python versions (3.13 builds all methods in one compilation), are
left to `dataclasses` itself.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

__all__ = ["shared_methods"]

_C = TypeVar("_C", bound=type)

_OWN_METHODS = ("__eq__", "__hash__", "__repr__")


def _tuple_getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of `names`, always as a tuple (as dataclass compares them: a field holding
    NaN equals itself only as the same object inside a tuple)."""
    if not names:
        return lambda _self: ()
    if len(names) == 1:
        single = attrgetter(names[0])
        return lambda self: (single(self),)
    getter: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    return getter


_in_repr = threading.local()


def shared_methods(cls: _C) -> _C:
    """Add dataclass's `__eq__`, `__hash__` and `__repr__` to a dataclass declared with
    `eq=False, repr=False` (see the module docstring)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or params.eq or params.repr or params.order or params.unsafe_hash:
        raise TypeError(f"{cls.__qualname__}: use @dataclass(..., eq=False, repr=False) under it")
    own = [name for name in _OWN_METHODS if name in cls.__dict__ and cls.__dict__[name] is not None]
    if own:
        raise TypeError(f"{cls.__qualname__} defines {', '.join(own)}: use plain @dataclass")
    fields = dataclasses.fields(cls)
    compared = _tuple_getter(tuple(item.name for item in fields if item.compare))
    hashed = _tuple_getter(
        tuple(item.name for item in fields if (item.compare if item.hash is None else item.hash))
    )
    shown = tuple((item.name, attrgetter(item.name)) for item in fields if item.repr)

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __repr__(self: Any) -> str:
        active: set[int] = _in_repr.__dict__.setdefault("ids", set())
        if id(self) in active:
            return "..."
        active.add(id(self))
        try:
            inner = ", ".join(f"{name}={get(self)!r}" for name, get in shown)
        finally:
            active.discard(id(self))
        return f"{self.__class__.__qualname__}({inner})"

    for method in (__eq__, __hash__, __repr__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
    cls.__eq__ = __eq__  # type: ignore[assignment]
    cls.__repr__ = __repr__  # type: ignore[assignment]
    # As dataclass: a frozen class hashes its fields; a mutable one with `==` is unhashable.
    cls.__hash__ = __hash__ if params.frozen else None  # type: ignore[assignment]
    return cls


_stdlib_frozen_methods = getattr(dataclasses, "_frozen_get_del_attr", None)


def _frozen_methods(cls: type[Any], fields: list[Any], globals: dict[str, Any]) -> tuple[Any, Any]:
    """`dataclasses._frozen_get_del_attr` for SolCoder's classes, without `exec`."""
    assert _stdlib_frozen_methods is not None
    if not cls.__module__.startswith("solcoder."):
        return _stdlib_frozen_methods(cls, fields, globals)  # type: ignore[no-any-return]
    names = tuple(item.name for item in fields)
    frozen_error = dataclasses.FrozenInstanceError

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise frozen_error(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise frozen_error(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _install_frozen_methods() -> None:
    """Use `_frozen_methods` where `dataclasses` has the function it stands for (3.11, 3.12:
    same name and parameters)."""
    code = getattr(_stdlib_frozen_methods, "__code__", None)
    if code is not None and code.co_varnames[: code.co_argcount] == ("cls", "fields", "globals"):
        dataclasses._frozen_get_del_attr = _frozen_methods  # type: ignore[attr-defined]


_install_frozen_methods()
