"""Masks secrets in any text that leaves the process: logs, transcripts, errors, tracebacks.

Redaction happens at the exits (the logging machinery, the transcript writer, the CLI's error
printer), never at call sites, so a forgotten call cannot leak a key. Two kinds of match, in
one compiled alternation so a megabyte of tool output is scanned once:

* known values: every key SolCoder resolved or stored is added with `add_secret`, whatever it
  looks like, together with its URL-encoded and base64 forms (`solcoder.secret_forms`);
* known shapes: vendor key formats, auth headers, key-bearing URL parameters, the password
  of a URL (`http://user:password@host`), and Solana secret keys.

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
from dataclasses import dataclass
from typing import Any

from solcoder.secret import FULL_MASK, Secret, mask
from solcoder.secret_forms import encoded_forms

REDACTED = FULL_MASK
"""What a secret with no safe tail to show becomes (a Solana keypair): the one mask style is
`mask()`'s, `sk-…abcd` for keys and `****` when nothing can be shown."""

MINIMUM_KNOWN_LENGTH = 8
"""Known values shorter than this are not added: masking every "password" would help nobody."""

_BASE58 = "1-9A-HJ-NP-Za-km-z"


def _case_insensitive(*words: str) -> str:
    """`(?:[Bb][Ee]...|...)`: explicit classes instead of `(?i)`, because a pattern whose
    every branch starts with a literal or a class lets `re` skip most positions quickly."""
    return (
        "(?:"
        + "|".join(
            "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)
            for word in words
        )
        + ")"
    )


def _starts_word(literal: str) -> str:
    """`literal` not preceded by a key character. The look-behind comes after the literal:
    checked only where the literal matched, which keeps the scan fast."""
    return f"{literal}(?<![A-Za-z0-9_\\-]{literal})"


_ASSIGNMENT = r"[\"']?\s*[:=]\s*[\"']?"


@dataclass(frozen=True, slots=True)
class _Shape:
    """One key shape: `prefix` is kept in the output (a header name, a URL parameter),
    `value` is masked. The shape joins the scan only when one of its `triggers` occurs in the
    text (in the lower-cased text unless `case_sensitive`): a substring search costs almost
    nothing, a regex branch costs something at every position."""

    name: str
    prefix: str
    value: str
    triggers: tuple[str, ...]
    case_sensitive: bool = True


# Every branch starts with a literal or a character class (see `_case_insensitive`).
_SHAPES: tuple[_Shape, ...] = (
    # OpenAI `sk-`, `sk-proj-`, Anthropic `sk-ant-`, OpenRouter `sk-or-v1-`, DeepSeek `sk-`.
    _Shape("openai_style", "", _starts_word("sk-") + r"[A-Za-z0-9_\-]{16,}", ("sk-",)),
    _Shape("groq", "", _starts_word("gsk_") + r"[A-Za-z0-9]{20,}", ("gsk_",)),
    _Shape("xai", "", _starts_word("xai-") + r"[A-Za-z0-9]{20,}", ("xai-",)),
    # Google API keys: "AIza" followed by 35 characters.
    _Shape("google", "", _starts_word("AIza") + r"[0-9A-Za-z_\-]{35}", ("AIza",)),
    # AWS access key ids (long-term AKIA, temporary ASIA): 20 upper-case characters.
    _Shape(
        "aws_key_id",
        "",
        r"A(?:KIA|SIA)(?<![A-Z0-9]A[KS]IA)[0-9A-Z]{16}(?![0-9A-Z])",
        ("AKIA", "ASIA"),
    ),
    _Shape(
        "aws_secret",
        _case_insensitive("aws_secret_access_key", "secret_access_key") + _ASSIGNMENT,
        r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
        ("secret_access_key",),
        case_sensitive=False,
    ),
    # GitHub classic tokens (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained tokens.
    _Shape(
        "github",
        "",
        r"(?:gh[pousr]_(?<![A-Za-z0-9_\-]gh._)[A-Za-z0-9]{36,}|"
        + _starts_word("github_pat_")
        + r"[A-Za-z0-9_]{22,})",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _Shape(
        "bearer",
        r"(?:[Bb]earer(?<![A-Za-z0-9_].{6})|[Bb]asic(?<![A-Za-z0-9_].{5}))\s+",
        r"[A-Za-z0-9\-._~+/]{16,}=*",
        ("bearer", "basic"),
        case_sensitive=False,
    ),
    _Shape(
        "key_header",
        _case_insensitive("x-api-key", "x-goog-api-key", "xi-api-key", "api-key") + _ASSIGNMENT,
        r"[^\s\"',;&]{8,}",
        ("api-key",),
        case_sensitive=False,
    ),
    _Shape(
        "url_parameter",
        "[?&]"
        + _case_insensitive(
            "key", "api_key", "apikey", "api-key", "access_token", "token", "secret"
        )
        + "=",
        r"[^&\s#\"'<>]+",
        ("key=", "token=", "secret="),
        case_sensitive=False,
    ),
    # The password of `scheme://user:password@host`: httpx logs request URLs whole.
    _Shape(
        "url_password",
        r"://[^\s/?#@:]*:",
        r"[^\s/?#@]+(?=@)",
        ("://",),
    ),
    _Shape(
        "api_key_assignment",
        _case_insensitive("api_key") + _ASSIGNMENT,
        r"[^\s\"',;&]{8,}",
        ("api_key",),
        case_sensitive=False,
    ),
    # A Solana keypair file (`solana-keygen`): a JSON array of 64 bytes.
    _Shape("keypair_array", "", r"\[\s*(?:\d{1,3}\s*,\s*){63}\d{1,3}\s*\]", ("[",)),
    # A base58 64-byte secret key, only in a key-like context (see the module docstring).
    _Shape(
        "solana_secret",
        _case_insensitive("secret", "private", "keypair") + r"[^\n]{0,40}?",
        rf"(?<![{_BASE58}])[{_BASE58}]{{86,88}}(?![{_BASE58}])",
        ("secret", "private", "keypair"),
        case_sensitive=False,
    ),
)


_ANY_TRIGGER = re.compile(
    "|".join(
        sorted(
            {re.escape(trigger.lower()) for shape in _SHAPES for trigger in shape.triggers},
            key=len,
            reverse=True,
        )
    )
)
"""Any shape's trigger, searched in the lower-cased text (a superset of what each shape asks):
most text has none, and one search says so. (`re.IGNORECASE` makes this search 5x slower.)"""


def _replace_keypair_array(value: str) -> str | None:
    numbers = [int(number) for number in re.findall(r"\d+", value)]
    return REDACTED if all(number <= 255 for number in numbers) else None


_REPLACERS: dict[str, Callable[[str], str | None]] = {
    "keypair_array": _replace_keypair_array,
    "solana_secret": lambda value: REDACTED,
}


class Redactor:
    """Known secret values plus known key shapes, masked in one pass."""

    def __init__(self, *, shapes: bool = True) -> None:
        self._shapes = _SHAPES if shapes else ()
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
        """Whether a known value occurs in `text`: one regex search over all of them (the
        renderer calls this per streamed delta, so a loop of substring tests is too slow)."""
        if not known:
            return False
        probed, probe = self._probe
        if probed is not known or probe is None:
            probe = re.compile("|".join(map(re.escape, known)))
            self._probe = (known, probe)
        return probe.search(text) is not None

    def _active_shapes(self, text: str) -> frozenset[str]:
        """The shapes whose trigger occurs in `text`."""
        lowered = text.lower()
        if not self._shapes or _ANY_TRIGGER.search(lowered) is None:
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
        replacer = _REPLACERS.get(name)
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
