"""Knowledge search: bundled notes load as package data and rank sensibly."""

import pytest

from solcoder.tools.toolkits import default_registry
from solcoder.tools.toolkits.knowledge import load_library, read_note, search_notes, tokenize


def test_the_bundled_notes_load_with_titles_and_sections():
    library = load_library()
    assert len(library.notes) >= 8
    assert {"pdas-and-seeds", "accounts-and-rent", "security-checklist"} <= set(library.notes)
    assert all(section.title and section.heading and section.text for section in library.sections)
    assert len(library.sections) >= 3 * len(library.notes)


def test_tokenize_stems_and_drops_stopwords():
    assert tokenize("Derive a PDA with seeds") == tokenize("derived PDAs with seed")
    assert "the" not in tokenize("the accounts")


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("derive a pda with seeds", "pdas-and-seeds"),
        ("how much rent does an account need", "accounts-and-rent"),
        ("priority fee compute unit price", "compute-and-priority-fees"),
        ("transaction too large lookup table", "transaction-limits"),
        ("move upgrade authority to a multisig", "deploy-and-upgrade-authority"),
        ("custom program error 0x1", "common-errors"),
        ("associated token account for a mint", "spl-tokens-and-atas"),
        ("reload account after cpi", "cross-program-invocation"),
        ("has_one constraint", "anchor-constraints"),
    ],
)
def test_the_right_note_ranks_first(query: str, note: str):
    results = search_notes(query)["results"]
    assert results[0]["note"] == note


def test_results_have_title_section_snippet_and_respect_the_limit():
    answer = search_notes("derive a pda with seeds", limit=2)
    assert answer["query"] == "derive a pda with seeds"
    assert len(answer["results"]) == 2
    first = answer["results"][0]
    assert first["title"] == "Program derived addresses (PDAs) and seeds"
    assert first["section"]
    assert "seeds" in first["snippet"].lower()
    assert len(first["snippet"]) <= 320
    assert answer["results"][0]["score"] >= answer["results"][1]["score"] > 0


def test_no_match_lists_the_available_notes():
    answer = search_notes("zzzz qqqq")
    assert answer["results"] == []
    assert "pdas-and-seeds" in answer["available_notes"]


def test_read_note():
    assert read_note("pdas-and-seeds.md").startswith("# Program derived addresses")
    with pytest.raises(ValueError, match="available: accounts-and-rent"):
        read_note("nope")


async def test_limit_is_bounded_in_the_schema_and_validated():
    tool = default_registry().get("search_notes")
    assert tool is not None
    limit = tool.json_schema["properties"]["limit"]
    assert (limit["minimum"], limit["maximum"]) == (1, 10)
    with pytest.raises(Exception, match="limit: Input should be less than or equal to 10"):
        tool.parse_arguments('{"query": "pda", "limit": 50}')
    output = await tool.run(tool.parse_arguments('{"query": "pda seeds"}'))
    assert '"note":"pdas-and-seeds"' in output.content
