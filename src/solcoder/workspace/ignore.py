"""Which files of the workspace the search and listing tools see, decided the way ripgrep does.

`search_files` and `list_files` run ripgrep when it is installed and walk the tree in Python
otherwise; the model must get the same answer either way, so this module restates ripgrep's
rules (flags `--hidden --no-require-git --no-ignore-global`, overrides `--glob`) in Python:

* Ignore files are `.rgignore`, `.ignore`, `.gitignore` (each relative to its own directory)
  and `.git/info/exclude`, in every directory from the filesystem root down to the file, so a
  monorepo's top-level `.gitignore` applies to a project opened in one of its folders. They
  apply in a directory that is not a git repository too (`--no-require-git`): a fresh
  `anchor init` without `git init` is searched like the same tree after it.
* Precedence, as ripgrep: any `.rgignore` rule beats any `.ignore` rule, which beats any
  `.gitignore` rule, which beats `info/exclude`; within a kind the deepest directory that has a
  matching rule decides, and within one file the last matching line (`!` re-includes).
* Hidden files are searched (`.github/`, `.cargo/config.toml` matter); `.git` never is.
* Overrides (the caller's globs and excludes, relative to the searched directory) beat every
  ignore file; with any positive glob, a file must match one. A directory an ignore rule
  excludes is not entered, so nothing below it can be re-included (git's rule).
* Symbolic links are not followed, to files or directories (ripgrep's default), so nothing
  outside the root is ever read through one.

The user's global git excludes (`core.excludesFile`) are not used by either engine: they live
in the user's git configuration, which the Python walk does not read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

IGNORE_FILES = (".rgignore", ".ignore", ".gitignore")
"""Read in every directory, strongest first."""

NEVER = ".git"
"""The user's repository itself: never searched, listed or descended into."""


class Rules:
    """Lines of one gitignore-format file, compiled to one regular expression.

    pathspec translates each line as git would; the alternatives are tried last line first, so
    the first one that matches is the line git would have let decide. A path is matched by its
    own name only (a directory gets a trailing `/`), never through a parent: the walk has
    already refused to enter an excluded directory.
    """

    __slots__ = ("_include", "_regex")

    def __init__(self, lines: Sequence[str]) -> None:
        alternatives: list[str] = []
        include: list[bool] = []
        for line in reversed(lines):
            pattern = GitIgnoreSpecPattern(line.rstrip("\r"))
            if pattern.regex is None or pattern.include is None:
                continue  # blank line or comment
            source = _whole_path(pattern.regex.pattern).replace("(?P<ps_d>", "(?:")
            alternatives.append(f"(?P<r{len(include)}>{source})")
            include.append(bool(pattern.include))
        self._include = tuple(include)
        self._regex = re.compile("|".join(alternatives)) if alternatives else None

    def __bool__(self) -> bool:
        return self._regex is not None

    def match(self, relative: str, is_dir: bool) -> bool | None:
        """True when the deciding line excludes `relative`, False when it re-includes it (`!`),
        None when no line matches."""
        if self._regex is None:
            return None
        found = self._regex.fullmatch(relative + "/" if is_dir else relative)
        if found is None or found.lastgroup is None:
            return None
        return self._include[int(found.lastgroup[1:])]


_EVERYTHING = {".": ".+", "(?P<ps_d>/)": ".+/", "/": ".+/.+"}
"""pathspec's shortcuts for `*`, `**`, `*/` and `**/`, meant for a prefix search."""


def _whole_path(source: str) -> str:
    """pathspec's regex for one line, made to match a whole path (for `fullmatch`): a trailing
    `/**` is written as a bare `/`, which must be followed by something."""
    if source in _EVERYTHING:
        return _EVERYTHING[source]
    return source + ".+" if source.endswith("/") else source


def read_rules(path: str) -> Rules | None:
    """The rules in the file at `path`; None when it is missing, unreadable or empty."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    rules = Rules(text.split("\n"))
    return rules if rules else None


@dataclass(frozen=True, slots=True)
class Level:
    """The ignore files of one directory (`directory` absolute, POSIX, no trailing slash)."""

    directory: str
    kinds: tuple[Rules | None, Rules | None, Rules | None, Rules | None]
    """`.rgignore`, `.ignore`, `.gitignore`, then `.git/info/exclude`."""


def read_level(directory: str) -> Level | None:
    """The rules `directory` contributes, or None when it has none."""
    found = [read_rules(os.path.join(directory, name)) for name in IGNORE_FILES]
    found.append(_read_exclude(directory))
    if not any(found):
        return None
    return Level(directory.rstrip("/") or "/", (found[0], found[1], found[2], found[3]))


def _read_exclude(directory: str) -> Rules | None:
    """`.git/info/exclude` of a repository whose top is `directory` (a worktree's `.git` file
    points at its repository, whose exclude file it shares)."""
    dot_git = os.path.join(directory, NEVER)
    if os.path.isdir(dot_git):
        return read_rules(os.path.join(dot_git, "info", "exclude"))
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as handle:
            first = handle.readline().strip()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    git_dir = os.path.join(directory, first.removeprefix("gitdir:").strip())
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            git_dir = os.path.join(git_dir, handle.read().strip())
    except OSError:
        pass
    return read_rules(os.path.join(git_dir, "info", "exclude"))


def ancestor_levels(base: Path) -> tuple[Level, ...]:
    """The rules of `base` and of every directory above it, outermost first."""
    directories = [str(base), *(str(parent) for parent in base.parents)]
    levels = (read_level(directory) for directory in reversed(directories))
    return tuple(level for level in levels if level is not None)


def ignored(levels: Sequence[Level], absolute: str, is_dir: bool) -> bool:
    """Whether the ignore files exclude `absolute`; `levels` are the directories above it,
    outermost first."""
    for kind in range(4):
        for level in reversed(levels):
            rules = level.kinds[kind]
            if rules is None:
                continue
            decision = rules.match(_relative(absolute, level.directory), is_dir)
            if decision is not None:
                return decision
    return False


def _relative(absolute: str, directory: str) -> str:
    return absolute[len(directory) + 1 :] if directory != "/" else absolute[1:]


class Overrides:
    """ripgrep's `--glob` list: later globs win, `!` excludes, and with any positive glob a
    file matching none is left out (directories are still entered)."""

    __slots__ = ("_rules", "_whitelist")

    def __init__(self, globs: Sequence[str]) -> None:
        self._rules = Rules(globs)
        self._whitelist = any(not glob.startswith("!") for glob in globs)

    def decide(self, relative: str, is_dir: bool) -> bool | None:
        """True: take it without asking the ignore files; False: leave it out; None: ask them.
        `relative` is the path below the searched directory."""
        matched = self._rules.match(relative, is_dir)
        if matched is None:
            return False if self._whitelist and not is_dir else None
        return matched


def override_globs(glob: str | None, exclude: Sequence[str]) -> list[str]:
    """The `--glob` arguments, in order: the caller's filter, `.git`, then the excludes (last,
    so nothing can re-include them)."""
    globs = [glob] if glob else []
    globs.append("!" + NEVER)
    globs.extend("!" + pattern for pattern in exclude)
    return globs


def walk(base: Path, overrides: Overrides) -> Iterator[str]:
    """Files under `base` that the rules let through, as paths relative to `base`, in ripgrep's
    `--sort path` order (each directory's entries by name, depth first)."""
    top = str(base).rstrip("/") or "/"
    yield from _walk(top, "", list(ancestor_levels(base)), overrides)


def _walk(directory: str, prefix: str, levels: list[Level], overrides: Overrides) -> Iterator[str]:
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        if not (is_dir or is_file):
            continue  # symbolic links, sockets, devices
        relative = prefix + entry.name
        decision = overrides.decide(relative, is_dir)
        if decision is False:
            continue
        if decision is None and ignored(levels, entry.path, is_dir):
            continue
        if is_file:
            yield relative
            continue
        level = read_level(entry.path)
        inner = [*levels, level] if level is not None else levels
        yield from _walk(entry.path, relative + "/", inner, overrides)
