"""The knowledge toolkit: search over a small set of bundled Solana notes.

Models misremember Solana specifics (limits, fees, constraint names), and offline mode has no
model at all, so short, checked notes ship with the package (`solcoder/tools/data/*.md`, loaded
through importlib.resources so they work from a wheel or a zip). Each `## ` section is one
document, ranked with BM25 (plain term statistics: no dependency, no index to build on disk).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import Field

from solcoder.tools.registry import ToolRegistry

TOOLKIT = "knowledge"
# BM25 parameters: the usual defaults for short documents.
_K1 = 1.5
_B = 0.75
_SNIPPET_LENGTH = 320
# Common English words plus question phrasing ("how much ... do I need") that says nothing
# about the topic.
_STOPWORD_TEXT = (
    "a about an and are as at be by can could do does for from how i in is it its me much many "
    "my need needs of on or should so that the their there this to use used using want what "
    "when where which who why will with would you your"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class Section:
    note: str
    title: str
    heading: str
    text: str
    terms: Counter[str]
    length: int


@dataclass(frozen=True, slots=True)
class Library:
    notes: dict[str, str]
    sections: tuple[Section, ...]
    document_frequency: Counter[str]
    average_length: float


def search_notes(query: str, limit: Annotated[int, Field(ge=1, le=10)] = 3) -> dict[str, Any]:
    """Search SolCoder's bundled Solana notes (accounts and rent, PDAs, CPI, Anchor
    constraints, SPL tokens and ATAs, compute and priority fees, transaction limits, deploys,
    common errors, security checklist, today's stack: Anchor 1.x, LiteSVM, Surfpool,
    Pinocchio, Solana Kit, Codama); returns the best sections.

    Args:
        query: What to look up, in plain words (e.g. "derive a PDA with seeds").
        limit: How many sections to return.
    """
    library = load_library()
    query_terms = tokenize(query)
    scored = sorted(
        (
            (score(section, query_terms, library), index)
            for index, section in enumerate(library.sections)
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    results = []
    for value, index in scored[:limit]:
        if value <= 0:
            break
        section = library.sections[index]
        results.append(
            {
                "note": section.note,
                "title": section.title,
                "section": section.heading,
                "snippet": _snippet(section.text, set(query_terms)),
                "score": round(value, 3),
            }
        )
    answer: dict[str, Any] = {"query": query, "results": results}
    if not results:
        answer["available_notes"] = sorted(library.notes)
    return answer


def read_note(name: str) -> str:
    """Read one bundled Solana note in full (names come from `search_notes` results).

    Args:
        name: The note name, e.g. "pdas-and-seeds".
    """
    notes = load_library().notes
    key = name.strip().removesuffix(".md")
    if key not in notes:
        raise ValueError(f"no note named {name!r}; available: {', '.join(sorted(notes))}")
    return notes[key]


@cache
def load_library() -> Library:
    """Parse every bundled note once per process."""
    notes: dict[str, str] = {}
    sections: list[Section] = []
    directory = resources.files("solcoder.tools").joinpath("data")
    for entry in sorted(directory.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".md"):
            continue
        name = entry.name.removesuffix(".md")
        text = entry.read_text(encoding="utf-8")
        notes[name] = text
        sections.extend(_sections(name, text))
    frequency: Counter[str] = Counter()
    for section in sections:
        frequency.update(section.terms.keys())
    average = sum(section.length for section in sections) / max(len(sections), 1)
    return Library(notes, tuple(sections), frequency, average)


def score(section: Section, query_terms: list[str], library: Library) -> float:
    """BM25 score of one section for the query."""
    total = len(library.sections)
    value = 0.0
    for term in set(query_terms):
        count = section.terms.get(term, 0)
        if not count:
            continue
        documents = library.document_frequency[term]
        inverse = math.log(1 + (total - documents + 0.5) / (documents + 0.5))
        normalizer = _K1 * (1 - _B + _B * section.length / library.average_length)
        value += inverse * count * (_K1 + 1) / (count + normalizer)
    return value


def tokenize(text: str) -> list[str]:
    """Lower-case word stems without stopwords ("seeds" → "seed", "derived" → "deriv")."""
    return [
        _stem(word)
        for word in re.findall(r"[a-z0-9]+", text.lower())
        if word not in _STOPWORDS and len(word) > 1
    ]


def _stem(word: str) -> str:
    if len(word) <= 3:
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _sections(note: str, text: str) -> list[Section]:
    title_match = re.search(r"^# (.+)$", text, re.MULTILINE)
    title = title_match[1].strip() if title_match else note
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    sections = []
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        # Title and heading count twice: they say what the section is about.
        terms = tokenize(f"{title} {title} {heading} {heading} {body}")
        sections.append(
            Section(
                note, title, heading.strip(), " ".join(body.split()), Counter(terms), len(terms)
            )
        )
    return sections


def _snippet(text: str, query_terms: set[str]) -> str:
    """The sentence with the most query terms, extended to about `_SNIPPET_LENGTH` characters."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    best = max(
        range(len(sentences)),
        key=lambda index: (len(query_terms & set(tokenize(sentences[index]))), -index),
    )
    snippet = sentences[best]
    for sentence in sentences[best + 1 :]:
        if len(snippet) + len(sentence) + 1 > _SNIPPET_LENGTH:
            break
        snippet = f"{snippet} {sentence}"
    if len(snippet) > _SNIPPET_LENGTH:
        snippet = snippet[: _SNIPPET_LENGTH - 1].rstrip() + "…"
    return snippet


def register(registry: ToolRegistry) -> None:
    registry.register(search_notes, toolkit=TOOLKIT, timeout=10, effect="read_only")
    registry.register(read_note, toolkit=TOOLKIT, timeout=10, effect="read_only")
