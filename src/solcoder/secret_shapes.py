"""The key shapes the redactor knows, as data: vendor key formats, auth headers, key-bearing
URL parameters, URL passwords and Solana secrets (see `solcoder.redact` for how they are used,
and why Solana secrets need a key-like context).

Every branch starts with a literal or a character class, and each shape names the trigger
substrings without which it cannot match: a substring search costs almost nothing, a regex
branch costs something at every position.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from solcoder.records import shared_methods
from solcoder.secret import FULL_MASK

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


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Shape:
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
SHAPES: tuple[Shape, ...] = (
    # OpenAI `sk-`, `sk-proj-`, Anthropic `sk-ant-`, OpenRouter `sk-or-v1-`, DeepSeek `sk-`.
    Shape("openai_style", "", _starts_word("sk-") + r"[A-Za-z0-9_\-]{16,}", ("sk-",)),
    Shape("groq", "", _starts_word("gsk_") + r"[A-Za-z0-9]{20,}", ("gsk_",)),
    Shape("xai", "", _starts_word("xai-") + r"[A-Za-z0-9]{20,}", ("xai-",)),
    # Google API keys: "AIza" followed by 35 characters.
    Shape("google", "", _starts_word("AIza") + r"[0-9A-Za-z_\-]{35}", ("AIza",)),
    # AWS access key ids (long-term AKIA, temporary ASIA): 20 upper-case characters.
    Shape(
        "aws_key_id",
        "",
        r"A(?:KIA|SIA)(?<![A-Z0-9]A[KS]IA)[0-9A-Z]{16}(?![0-9A-Z])",
        ("AKIA", "ASIA"),
    ),
    Shape(
        "aws_secret",
        _case_insensitive("aws_secret_access_key", "secret_access_key") + _ASSIGNMENT,
        r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
        ("secret_access_key",),
        case_sensitive=False,
    ),
    # GitHub classic tokens (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained tokens.
    Shape(
        "github",
        "",
        r"(?:gh[pousr]_(?<![A-Za-z0-9_\-]gh._)[A-Za-z0-9]{36,}|"
        + _starts_word("github_pat_")
        + r"[A-Za-z0-9_]{22,})",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    Shape(
        "bearer",
        r"(?:[Bb]earer(?<![A-Za-z0-9_].{6})|[Bb]asic(?<![A-Za-z0-9_].{5}))\s+",
        r"[A-Za-z0-9\-._~+/]{16,}=*",
        ("bearer", "basic"),
        case_sensitive=False,
    ),
    Shape(
        "key_header",
        _case_insensitive("x-api-key", "x-goog-api-key", "xi-api-key", "api-key") + _ASSIGNMENT,
        r"[^\s\"',;&]{8,}",
        ("api-key",),
        case_sensitive=False,
    ),
    Shape(
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
    Shape(
        "url_password",
        r"://[^\s/?#@:]*:",
        r"[^\s/?#@]+(?=@)",
        ("://",),
    ),
    Shape(
        "api_key_assignment",
        _case_insensitive("api_key") + _ASSIGNMENT,
        r"[^\s\"',;&]{8,}",
        ("api_key",),
        case_sensitive=False,
    ),
    # A Solana keypair file (`solana-keygen`): a JSON array of 64 bytes.
    Shape("keypair_array", "", r"\[\s*(?:\d{1,3}\s*,\s*){63}\d{1,3}\s*\]", ("[",)),
    # A base58 64-byte secret key, only in a key-like context (see the module docstring).
    Shape(
        "solana_secret",
        _case_insensitive("secret", "private", "keypair") + r"[^\n]{0,40}?",
        rf"(?<![{_BASE58}])[{_BASE58}]{{86,88}}(?![{_BASE58}])",
        ("secret", "private", "keypair"),
        case_sensitive=False,
    ),
)


ANY_TRIGGER = re.compile(
    "|".join(
        sorted(
            {re.escape(trigger.lower()) for shape in SHAPES for trigger in shape.triggers},
            key=len,
            reverse=True,
        )
    )
)
"""Any shape's trigger, searched in the lower-cased text (a superset of what each shape asks):
most text has none, and one search says so. (`re.IGNORECASE` makes this search 5x slower.)"""


def _replace_keypair_array(value: str) -> str | None:
    numbers = [int(number) for number in re.findall(r"\d+", value)]
    return FULL_MASK if all(number <= 255 for number in numbers) else None


REPLACERS: dict[str, Callable[[str], str | None]] = {
    "keypair_array": _replace_keypair_array,
    "solana_secret": lambda value: FULL_MASK,
}
