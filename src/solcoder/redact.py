"""Masks secrets in any text that leaves the process: logs, transcripts, errors, tracebacks.

Redaction happens at the exits (the logging machinery, the transcript writer, the CLI's error
printer), never at call sites, so a forgotten call cannot leak a key. Two kinds of match, in
one compiled alternation so a megabyte of tool output is scanned once:

* known values: every key SolCoder resolved or stored is added with `add_secret`, whatever it
  looks like, together with its URL-encoded and base64 forms (`solcoder.secret_forms`);
* known shapes: vendor key formats, auth headers, key-bearing URL parameters, the password
  of a URL (`http://user:password@host`), and Solana secret keys (the table is
  `solcoder.secret_shapes`).

Solana needs care, because public data has the same alphabet as secrets. An address is 32 bytes
(32-44 base58 characters) and is never touched. A 64-byte secret key in base58 is 86-88
characters, exactly like a transaction signature (also 64 bytes), so the two cannot be told
apart by shape: a base58 string of that length is redacted only in a key-like context (the
words `secret`, `private` or `keypair` earlier on the same line, within 40 characters). A
keypair file's JSON array of 64 numbers 0-255 is always redacted; signatures never appear in
that form.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from solcoder.secret import FULL_MASK, Secret, mask
from solcoder.secret_shapes import ANY_TRIGGER, REPLACERS, SHAPES

REDACTED = FULL_MASK
"""What a secret with no safe tail to show becomes (a Solana keypair): the one mask style is
`mask()`'s, `sk-…abcd` for keys and `****` when nothing can be shown."""

MINIMUM_KNOWN_LENGTH = 8
"""Known values shorter than this are not added: masking every "password" would help nobody."""

_SHORT_TEXT = 64
"""Below this length one regex beats a loop of substring tests (see `Redactor._with_known`)."""


class Redactor:
    """Known secret values plus known key shapes, masked in one pass."""

    def __init__(self, *, shapes: bool = True) -> None:
        self._shapes = SHAPES if shapes else ()
        self._known: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self._patterns: dict[tuple[bool, frozenset[str]], re.Pattern[str]] = {}
        self._probe: tuple[frozenset[str], re.Pattern[str] | None] = (frozenset(), None)

    def add_secret(self, value: str | Secret | None) -> None:
        """Mask `value` wherever it appears from now on."""
        if isinstance(value, Secret):
            value = value.reveal()
        if not value or len(value) < MINIMUM_KNOWN_LENGTH:
            return
        # Imported here: urllib.parse and base64 are not needed until a key is known.
        from solcoder.secret_forms import encoded_forms

        with self._lock:
            if value not in self._known:
                self._known = self._known | {value} | encoded_forms(value, MINIMUM_KNOWN_LENGTH)
                # Compiled alternations embed the known values; rebuild them lazily.
                self._patterns = {}

    def known_forms(self) -> frozenset[str]:
        """Every known value and encoded form masked (what a streaming redactor must not
        cut in two)."""
        return self._known

    def admit(self, value: str) -> Secret:
        """A key that just entered the process (a flag, the environment, storage, a prompt),
        wrapped and masked from now on: the one door every key comes in by."""
        self.add_secret(value)
        return Secret(value)

    def add_secrets(self, values: Iterable[str | Secret | None]) -> None:
        for value in values:
            self.add_secret(value)

    def _with_known(self, text: str, known: frozenset[str]) -> bool:
        """Whether a known value occurs in `text`. Short text (a streamed delta) gets one
        regex search over all of them, a loop of substring tests costing more in calls than in
        scanning; long text gets the substring tests, each a fast scan of its own."""
        if not known:
            return False
        if len(text) > _SHORT_TEXT:
            return any(value in text for value in known)
        probed, probe = self._probe
        if probed is not known or probe is None:
            probe = re.compile("|".join(map(re.escape, known)))
            self._probe = (known, probe)
        return probe.search(text) is not None

    def _active_shapes(self, text: str) -> frozenset[str]:
        """The shapes whose trigger occurs in `text`."""
        lowered = text.lower()
        if not self._shapes or ANY_TRIGGER.search(lowered) is None:
            return frozenset()
        active: set[str] = set()
        for shape in self._shapes:
            haystack = text if shape.case_sensitive else lowered
            if any(trigger in haystack for trigger in shape.triggers):
                active.add(shape.name)
        return frozenset(active)

    def _pattern(self, text: str) -> re.Pattern[str] | None:
        """The alternation of the branches that can match `text` (compiled once per set)."""
        known = self._known
        with_known = self._with_known(text, known)
        active = self._active_shapes(text)
        if not with_known and not active:
            return None
        cache_key = (with_known, active)
        pattern = self._patterns.get(cache_key)
        if pattern is None:
            branches: list[str] = []
            if with_known:
                # Longest first, so a key that contains another known key is masked whole.
                ordered = sorted(known, key=len, reverse=True)
                branches.append("(?P<known>" + "|".join(map(re.escape, ordered)) + ")")
            branches.extend(
                f"{shape.prefix}(?P<{shape.name}>{shape.value})"
                for shape in self._shapes
                if shape.name in active
            )
            pattern = re.compile("|".join(branches))
            with self._lock:
                if self._known is known:
                    self._patterns[cache_key] = pattern
        return pattern

    @staticmethod
    def _replace(match: re.Match[str]) -> str:
        # Each branch has one named group, the secret value; what precedes it in the match is
        # the kept prefix (a header name, a URL parameter).
        name = match.lastgroup or ""
        value = match.group(name)
        prefix = match.string[match.start() : match.start(name)]
        replacer = REPLACERS.get(name)
        replaced = replacer(value) if replacer else mask(value)
        if replaced is None:
            return match.group()
        return prefix + replaced

    def redact(self, text: str) -> str:
        """`text` with every secret masked."""
        if not text:
            return text
        pattern = self._pattern(text)
        if pattern is None:
            return text
        return pattern.sub(self._replace, text)

    def redact_data(self, data: Any) -> Any:
        """A copy of JSON-like `data` with every string (keys included) redacted."""
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, Mapping):
            return {self.redact_data(key): self.redact_data(item) for key, item in data.items()}
        if isinstance(data, list | tuple):
            return [self.redact_data(item) for item in data]
        return data


_default_redactor = Redactor()


def default_redactor() -> Redactor:
    """The process-wide redactor used by logging, transcripts and the CLI."""
    return _default_redactor


def redact(text: str) -> str:
    """`text` with every known secret and key shape masked (process-wide redactor)."""
    return _default_redactor.redact(text)


def admit(value: str) -> Secret:
    """`Redactor.admit` on the process-wide redactor."""
    return _default_redactor.admit(value)


def add_secret(value: str | Secret | None) -> None:
    """Register a key with the process-wide redactor."""
    _default_redactor.add_secret(value)


def add_url_password(url: str | None) -> None:
    """Register the password of `scheme://user:password@host` (as written and decoded): the
    shape masks it in a URL, this masks it wherever else it is echoed (decoded, base64)."""
    if not url or "@" not in url:
        return
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password:
        _default_redactor.add_secrets((password, unquote(password)))


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the message, its arguments and any traceback text."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self._redactor or _default_redactor)
        return True


def redact_record(record: logging.LogRecord, redactor: Redactor) -> None:
    """Format `record` now and keep only the redacted text (idempotent)."""
    if getattr(record, "_solcoder_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a bad format string must not lose the record
        message = f"{record.msg!r} {record.args!r}"
    record.msg = redactor.redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)
    setattr(record, "_solcoder_redacted", True)  # noqa: B010


_install_lock = threading.Lock()
_installed: (
    tuple[list[tuple[logging.Filterer, logging.Filter]], Callable[..., logging.LogRecord]] | None
) = None


def install_log_redaction(redactor: Redactor | None = None) -> None:
    """Redact every log record in this process, whichever logger or handler it goes through.

    A filter on the root logger sees only records logged to the root logger itself (records
    from child loggers skip it on propagation), so the record factory is wrapped too: every
    record is redacted when it is created. Idempotent.
    """
    global _installed
    chosen = redactor or _default_redactor
    with _install_lock:
        if _installed is not None:
            return
        root = logging.getLogger()
        filters: list[tuple[logging.Filterer, logging.Filter]] = []
        for target in (root, *root.handlers):
            redacting = RedactingFilter(chosen)
            target.addFilter(redacting)
            filters.append((target, redacting))
        previous_factory = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous_factory(*args, **kwargs)
            redact_record(record, chosen)
            return record

        logging.setLogRecordFactory(factory)
        _installed = (filters, previous_factory)


def uninstall_log_redaction() -> None:
    """Undo `install_log_redaction` (for tests that must leave logging as they found it)."""
    global _installed
    with _install_lock:
        if _installed is None:
            return
        filters, previous_factory = _installed
        for target, redacting in filters:
            target.removeFilter(redacting)
        logging.setLogRecordFactory(previous_factory)
        _installed = None
