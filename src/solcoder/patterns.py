"""Regular expressions compiled when first used, not when their module is imported.

Compiling a pattern costs 50-200 µs; a module that checks a rare input (a rate-limit header,
a config section header, an approval glob) should not make every start-up pay for it. Write

    _DURATION = lazy_pattern(r"(\\d+)(ms|s)")
    ...
    _DURATION().fullmatch(text)

and the pattern is compiled on the first call, once (the result is cached).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import AnyStr


def lazy_pattern(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A function returning `re.compile(pattern, flags)`, compiled on its first call."""

    @functools.cache
    def compiled() -> re.Pattern[AnyStr]:
        return re.compile(pattern, flags)

    return compiled
