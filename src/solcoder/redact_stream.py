"""Redaction of text that arrives in pieces (a streamed reply), for the screen and `--json`.

Redacting each delta on its own misses a key that the server split across two SSE chunks, and
buffering the whole reply would stop it streaming. `StreamRedactor` holds back only the few
trailing characters that could begin a known key (or one of its encoded forms): the longest
suffix of what has arrived that is a proper prefix of a known value. Everything before it is
redacted and emitted at once; `flush()` emits the rest when the block ends.

Ordinary text holds back nothing (or one character that happens to begin a key), so streaming
stays immediate. The per-delta cost is a dictionary look-up per character of the last few (the
known values indexed by their first character), and `startswith` for the rare candidate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from solcoder.records import shared_methods
from solcoder.redact import MINIMUM_KNOWN_LENGTH, REDACTED, Redactor, default_redactor


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class _Index:
    """The known values arranged for the per-delta checks (built once per set of values)."""

    forms: frozenset[str]
    by_first: dict[str, tuple[str, ...]]
    longest: int

    @classmethod
    def of(cls, forms: frozenset[str]) -> _Index:
        by_first: dict[str, list[str]] = {}
        for form in forms:
            by_first.setdefault(form[0], []).append(form)
        return cls(
            forms,
            {first: tuple(group) for first, group in by_first.items()},
            max(map(len, forms)),
        )


_last_index: _Index | None = None


def _index(forms: frozenset[str]) -> _Index:
    global _last_index
    index = _last_index
    if index is None or index.forms is not forms:
        index = _last_index = _Index.of(forms)
    return index


def _held_from(text: str, index: _Index, floor: int) -> int:
    """Where the longest suffix of `text` starting at or after `floor` that is a proper prefix
    of a known value begins; `len(text)` when there is none."""
    end = len(text)
    by_first = index.by_first
    for position in range(max(floor, end - index.longest + 1), end):
        candidates = by_first.get(text[position])
        if candidates:
            rest = text[position:]
            for form in candidates:
                if len(form) > len(rest) and form.startswith(rest):
                    return position
    return end


def _straddling_end(text: str, forms: Iterable[str], cut: int) -> int | None:
    """The end of a whole known value that begins before `cut` and ends after it, if any:
    cutting there would emit the first half of a key unmasked."""
    for form in forms:
        position = text.find(form, max(0, cut - len(form) + 1))
        while position != -1 and position < cut:
            end = position + len(form)
            if end > cut:
                return end
            position = text.find(form, position + 1)
    return None


def safe_cut(text: str, forms: frozenset[str]) -> int:
    """How much of `text` can be redacted and emitted now without splitting a known value."""
    index = _index(forms)
    cut = _held_from(text, index, 0)
    for _ in range(len(forms) + 1):
        if cut == len(text):
            break  # nothing held: no known value can cross the end
        end = _straddling_end(text, forms, cut)
        if end is None:
            break
        cut = _held_from(text, index, end)
    return cut


class StreamRedactor:
    """One stream's redaction: `feed` each delta, `flush` at the end of the block."""

    __slots__ = ("_pending", "_redactor")

    def __init__(self, redactor: Redactor | None = None) -> None:
        self._redactor = redactor or default_redactor()
        self._pending = ""

    def feed(self, piece: str) -> str:
        """The redacted text that can be shown now (may be empty while a key might begin)."""
        text = self._pending + piece if self._pending else piece
        forms = self._redactor.known_forms()
        if not forms:
            self._pending = ""
            return self._redactor.redact(text)
        cut = safe_cut(text, forms)
        self._pending = text[cut:]
        return self._redactor.redact(text[:cut]) if cut else ""

    def flush(self) -> str:
        """Whatever was held back; the stream starts afresh. What is held is the beginning of
        a known value: when the stream ends there (a dropped connection) and it is long enough
        to mean something, it is masked rather than shown."""
        text, self._pending = self._pending, ""
        return _masked_beginning(text)

    @property
    def pending(self) -> bool:
        return bool(self._pending)


def _masked_beginning(held: str) -> str:
    """A held-back beginning of a known value as it may be shown once the stream ended."""
    return REDACTED if len(held) >= MINIMUM_KNOWN_LENGTH else held


def settle(text: str, redactor: Redactor | None = None) -> str:
    """`text` redacted as a stream that ends here would be: a cut in the middle of a key (a
    partial reply written every second, a reply interrupted by a dropped connection) does not
    leave the key's first half in clear."""
    chosen = redactor or default_redactor()
    forms = chosen.known_forms()
    if not forms or not text:
        return chosen.redact(text)
    cut = safe_cut(text, forms)
    return chosen.redact(text[:cut]) + _masked_beginning(text[cut:])
