"""`Secret` never shows its value by accident; `mask` shows only a prefix and the last 4."""

from __future__ import annotations

import copy
import logging
import pickle

import pytest

from solcoder.secret import Secret, mask

KEY = "sk-test-CANARY-SECRET-0123456789abcd"


def test_mask_shows_known_prefix_and_last_four() -> None:
    assert mask(KEY) == "sk-…abcd"
    assert mask("sk-ant-api03-" + "x" * 40 + "WXYZ") == "sk-…WXYZ"
    assert mask("gsk_" + "a" * 40 + "9876") == "gsk…9876"
    assert mask("AIza" + "b" * 31 + "1234") == "AIz…1234"


def test_mask_unknown_prefix_shows_only_tail() -> None:
    assert mask("abcdefghijklmnopqrstuvwxyz") == "…wxyz"


def test_short_values_are_fully_masked() -> None:
    assert mask("sk-short") == "****"
    assert mask("") == "****"
    assert str(Secret("hunter2hunter2")) == "****"


def test_repr_str_and_format_never_show_the_value() -> None:
    secret = Secret(KEY)
    for shown in (
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "%s" % secret,  # noqa: UP031 - old-style formatting must mask too
        "{}".format(secret),  # noqa: UP032
        repr([secret]),
        repr({"k": secret}),
    ):
        assert KEY not in shown
        assert "abcd" in shown
    assert secret.reveal() == KEY


def test_logging_and_exceptions_show_the_mask(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(KEY)
    with caplog.at_level(logging.INFO):
        logging.getLogger("solcoder.test").info("using %s and %r", secret, secret)
    assert KEY not in caplog.text
    assert "sk-…abcd" in caplog.text
    error = ValueError(f"bad key {secret}")
    assert KEY not in str(error) and KEY not in repr(error)


def test_equality_by_value_and_hashable() -> None:
    assert Secret(KEY) == Secret(KEY)
    assert Secret(KEY) != Secret(KEY + "x")
    assert Secret(KEY) != KEY  # never equal to the bare string
    assert len({Secret(KEY), Secret(KEY)}) == 1


def test_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(KEY))
    with pytest.raises(TypeError):
        pickle.dumps({"nested": [Secret(KEY)]}, protocol=2)


def test_copy_returns_same_object_and_is_immutable() -> None:
    secret = Secret(KEY)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"a": secret})["a"] is secret
    with pytest.raises(AttributeError):
        secret._value = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        secret.__dict__  # noqa: B018  (slots: no instance dict to dump)


def test_only_strings() -> None:
    with pytest.raises(TypeError):
        Secret(b"bytes")  # type: ignore[arg-type]
    assert not Secret("")
