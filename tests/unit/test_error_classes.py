"""Failure classes are defined once, on the error tree, and telemetry reads them from there."""

from __future__ import annotations

from solcoder import errors
from solcoder.telemetry.record import failure_class


def test_every_error_kind_has_its_class_from_the_tree() -> None:
    for kind, coarse in errors.failure_classes().items():
        assert failure_class(kind) == coarse
    assert failure_class(errors.LocalModelCrashedError.kind) == "server"  # inherited
    assert failure_class(errors.IdleTimeoutError.kind) == "timeout"
    assert failure_class(errors.ContextTooLongError.kind) == "request"
    assert failure_class(errors.MissingKeyError.kind) == "auth"
    assert failure_class(errors.ConnectError.kind) == "network"
    assert failure_class("ok") is None
    assert failure_class("something_new") == "other"


def test_kinds_of_the_llm_errors_are_unique() -> None:
    seen: dict[str, type] = {}
    pending: list[type] = [errors.LLMError]
    while pending:
        cls = pending.pop()
        assert cls.kind not in seen, f"{cls.__name__} reuses {seen.get(cls.kind)}'s kind"
        seen[cls.kind] = cls
        pending.extend(cls.__subclasses__())
