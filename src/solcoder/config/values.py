"""What a setting's value may be, and how typed and typed-in values are checked.

`SettingSpec` describes one key (kind, default, limits, choices, doc) and turns a value from
TOML, a flag, a variable or `config set` into the typed value, or an `InvalidValue` whose
message says what is accepted. The registry of keys itself is `schema.py`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from solcoder.patterns import lazy_pattern
from solcoder.records import shared_methods
from solcoder.urls import base_url_problem

Kind = Literal["str", "bool", "int", "float", "patterns"]

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
BOOLEAN_WORDS = "1, 0, true, false, yes, no, on, off (any case)"
MAX_PATTERNS = 256
# A tool name (^[a-zA-Z0-9_-]{1,64}$, the providers' rule) with shell wildcards * ? [ ] !.
_PATTERN = lazy_pattern(r"^[A-Za-z0-9_\-*?\[\]!]{1,128}$")
_COMMAND_PATTERN = lazy_pattern(r"^run_command:[^\x00-\x1f\x7f]{1,256}$")
"""`run_command:cargo test*`: a pattern over the command line (docs/commands-approval.md)."""


class InvalidValue(ValueError):
    """A value does not fit its setting; the message completes "<key> must be ..."."""


@shared_methods
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class SettingSpec:
    """One setting: dotted key, type, default, limits and doc."""

    key: str
    kind: Kind
    default: object
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    optional: bool = False
    """None (unset) is allowed; the default is then None."""
    aliases: tuple[str, ...] = ()
    """Short environment variable names accepted besides SOLCODER_<SECTION>_<KEY>."""
    flag: str = ""
    """The command-line flag that sets it, if the main CLI has one."""
    example: object = None
    """Shown in the first-run file when the default is unset."""
    url: bool = False
    """A non-empty value must be a usable base URL (scheme, host, port range)."""
    percent: bool = False
    """A share of something ("80", "80%", "0.8") or `off` (see `parse_share`)."""

    @property
    def section(self) -> str:
        return self.key.partition(".")[0]

    @property
    def name(self) -> str:
        return self.key.partition(".")[2]

    @property
    def env_names(self) -> tuple[str, ...]:
        """Environment variables, canonical first (it wins when several are set)."""
        canonical = "SOLCODER_" + self.key.replace(".", "_").upper()
        return (canonical, *self.aliases)

    def requirement(self) -> str:
        """What a valid value looks like, completing "must be ..."."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "patterns":
            return 'a list of tool-name patterns such as ["time__*", "deploy_program"]'
        if self.choices:
            return "one of: " + ", ".join(_show_choice(choice) for choice in self.choices)
        if self.percent:
            return SHARE_REQUIREMENT
        if self.url:
            return "an http:// or https:// URL with a valid port, or empty"
        if self.kind == "str":
            return "non-empty text" if self.minimum else "text"
        noun = "an integer" if self.kind == "int" else "a number"
        low, high = _plain_number(self.minimum), _plain_number(self.maximum)
        if low is not None and high is not None:
            return f"{noun} from {low} to {high}"
        if low is not None:
            return (
                f"{noun} greater than {low}" if self.exclusive_minimum else f"{noun}, {low} or more"
            )
        return noun

    def check(self, value: object) -> object:
        """Validate a typed value (from TOML or a flag) and return it normalised."""
        if value is None and self.optional:
            return None
        if self.kind == "patterns":
            return _check_patterns(value)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str):
                raise InvalidValue("must be true or false, written without quotes")
            raise InvalidValue("must be true or false")
        if self.kind == "str":
            if self.percent and isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)  # `compact_at = 80` in TOML, without quotes
            if not isinstance(value, str):
                raise InvalidValue("must be text in quotes")
            return self._check_text(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValue(f"must be {self.requirement()}")
        if self.kind == "int":
            if isinstance(value, float):
                raise InvalidValue(f"must be {self.requirement()}")
            return self._check_range(value)
        return float(self._check_range(float(value)))

    def parse_text(self, raw: str) -> object:
        """Parse a value typed by a person (environment variable, `config set`)."""
        text = raw.strip()
        if self.kind == "patterns":
            # `config set approval.allow "time__*, git__status"`; empty text is the empty list.
            return _check_patterns([part.strip() for part in text.split(",") if part.strip()])
        if self.kind == "bool":
            word = text.lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise InvalidValue(f"must be one of {BOOLEAN_WORDS}")
        if self.kind == "str":
            return self._check_text(text.lower() if self.choices else raw)
        if self.optional and not text:
            raise InvalidValue(f"must be {self.requirement()} (to unset it, use `config unset`)")
        try:
            number: int | float = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise InvalidValue(f"must be {self.requirement()}") from None
        return self._check_range(number)

    def _check_text(self, value: str) -> str:
        if self.percent:
            share = parse_share(value)
            return "off" if share is None else str(_plain_number(round(share * 100, 2)))
        if self.choices and value not in self.choices:
            raise InvalidValue(f"must be {self.requirement()}")
        if self.minimum and not value.strip():
            raise InvalidValue("must not be empty")
        if self.url and value:
            problem = base_url_problem(value)
            if problem is not None:
                raise InvalidValue(f"must be a usable http:// or https:// URL, but {problem}")
        return value

    def _check_range(self, number: int | float) -> int | float:
        if not math.isfinite(number):
            raise InvalidValue(f"must be {self.requirement()}")
        low, high = self.minimum, self.maximum
        below = low is not None and (number <= low if self.exclusive_minimum else number < low)
        if below or (high is not None and number > high):
            raise InvalidValue(f"must be {self.requirement()}")
        return number


def _check_patterns(value: object) -> tuple[str, ...]:
    """A list of glob patterns over tool names, normalised to a tuple (settings are frozen)."""
    if not isinstance(value, list | tuple):
        raise InvalidValue('must be a list of tool-name patterns in brackets, such as ["time__*"]')
    if len(value) > MAX_PATTERNS:
        raise InvalidValue(f"must hold at most {MAX_PATTERNS} patterns")
    for item in value:
        if not isinstance(item, str):
            raise InvalidValue('must hold only patterns in quotes, such as "time__*"')
        if not (_PATTERN().match(item) or _COMMAND_PATTERN().match(item)):
            raise InvalidValue(
                f"holds {shorten(item, 40)!r}, which is not a tool-name pattern (letters, "
                "digits, _ and -, with the wildcards * ? [ ]) nor a command pattern "
                '("run_command:cargo test*")'
            )
    return tuple(dict.fromkeys(value))


SHARE_REQUIREMENT = "a percentage from 10 to 100 (80 or 80%), a fraction from 0.1 to 1, or off"


def parse_share(text: str) -> float | None:
    """`llm.compact_at` as a fraction of the window: "80", "80%" and "0.8" are 0.8; `off`
    (or 0, false, no) is None. Raises InvalidValue for anything else, such as "5" (5 % would
    compact at every turn; 0.05 is refused the same way)."""
    word = text.strip().lower().removesuffix("%").strip()
    if word in FALSE_WORDS:
        return None
    try:
        number = float(word)
    except ValueError:
        raise InvalidValue(f"must be {SHARE_REQUIREMENT}") from None
    if not math.isfinite(number):
        raise InvalidValue(f"must be {SHARE_REQUIREMENT}")
    if 0.1 <= number <= 1 and not text.strip().endswith("%"):
        return number
    if 10 <= number <= 100:
        return number / 100
    raise InvalidValue(f"must be {SHARE_REQUIREMENT}")


def _show_choice(choice: str) -> str:
    return '"" (the provider\'s own)' if choice == "" else choice


def _plain_number(number: float | None) -> str | None:
    if number is None:
        return None
    return str(int(number)) if float(number).is_integer() else str(number)


def shorten(text: str, limit: int = 60) -> str:
    """Keep messages readable when someone pastes something long into a setting."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
