"""`Secret`: an API key that cannot be printed by accident.

DESIGN.md rule 8: secrets are a type. Everything that might show a value (`repr`, `str`,
f-strings, logging, exception messages, pickling into a cache file) sees only a mask such as
`sk-…abcd`; code that really needs the key (the HTTP layer building its header) calls
`reveal()`, which is easy to find in review.
"""

from __future__ import annotations

from typing import Any, NoReturn, final

# Prefixes vendors put on their keys; showing the first three characters of one tells the user
# which kind of key it is without revealing anything random.
KNOWN_PREFIXES: tuple[str, ...] = (
    "sk-ant-",
    "sk-proj-",
    "sk-or-",
    "sk-",
    "gsk_",
    "xai-",
    "AIza",
    "AKIA",
    "ghp_",
    "github_pat_",
)

MINIMUM_LENGTH_TO_SHOW_TAIL = 16
"""Shorter values are masked completely: four characters of an 8-character key is half of it."""

FULL_MASK = "****"


def mask(value: str) -> str:
    """A display form of a key: `sk-…abcd` (known prefix + last 4), or `****` when short."""
    if len(value) < MINIMUM_LENGTH_TO_SHOW_TAIL:
        return FULL_MASK
    head = next((value[:3] for prefix in KNOWN_PREFIXES if value.startswith(prefix)), "")
    return f"{head}…{value[-4:]}"


@final
class Secret:
    """A key wrapped so that only `reveal()` returns it; equality compares values."""

    __slots__ = ("_value",)

    _value: str

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("Secret wraps a str")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The key itself. Call only where it leaves the process on purpose (an HTTP header)."""
        return self._value

    @property
    def masked(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, format_spec: str) -> str:
        return format(self.masked, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        # Constant-time, so comparing keys cannot leak them through timing.
        import hmac

        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("Secret is immutable")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        # pickle (and anything built on it: multiprocessing, shelve, caches) would write the
        # key in clear; refuse instead of leaking.
        raise TypeError("Secret cannot be pickled; store it with a CredentialStore")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
